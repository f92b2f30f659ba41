// Test-only: a small PKI written as PEM files, made with OpenSSL's C API (P-256 keys, SHA-256,
// valid from an hour ago for two days). Compiled only into corridor_tests.
#pragma once

#include <string>
#include <vector>

namespace corridor::server::testing {

struct CertFiles {
  std::string certificate;  // PEM paths.
  std::string key;
};

// A self-signed CA with subject CN=`common_name`, written to dir/name.crt and dir/name.key.
// False with *error on failure.
bool MakeCa(const std::string& dir, const std::string& name, const std::string& common_name,
            CertFiles* out, std::string* error);

// A certificate for CN=`common_name` signed by `ca`, with the subjectAltName entries in
// OpenSSL's syntax ("DNS:localhost", "IP:127.0.0.1", "URI:...", "email:..."), for a server
// (serverAuth) or a client (clientAuth).
enum class Usage { server, client };
bool MakeLeaf(const std::string& dir, const std::string& name, const std::string& common_name,
              const std::vector<std::string>& alt_names, Usage usage, const CertFiles& ca,
              CertFiles* out, std::string* error);

}  // namespace corridor::server::testing
