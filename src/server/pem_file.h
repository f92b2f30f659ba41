// Checks on the PEM files the server and the client load, so that a failure names the file and
// says what is wrong with it before OpenSSL's terser reasons.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace corridor::server {

// OK when `path` is readable and holds a PEM block; else an error naming `what` (e.g. "TLS
// key") and the path. Reads at most the first 4 KiB.
Status CheckPemFile(std::string_view what, const std::string& path);

}  // namespace corridor::server
