// The admin listener's protection against forged browser writes (issue 18 item 2).
//
// A web page the operator opens in the same browser as the console may send requests to the
// admin listener (a form post, fetch with no-cors, or a DNS name rebound to 127.0.0.1). It
// cannot add a custom header without a CORS preflight, which this listener never answers
// with permission, and the browser always sends the page's own Origin and the name it looked
// up as Host. So every request other than GET and HEAD must:
//   - carry `X-Corridor-Request` (any non-empty value; the console sends "1");
//   - name the listener in `Host`: a loopback name or address (localhost, 127.0.0.1, [::1])
//     or the listener's configured host, with the listener's port;
//   - when it carries `Origin`, come from the listener's own origin: scheme://Host.
// Else it gets 403 with {"error":"<reason>"} before anything else looks at it. GET and HEAD
// stay open (they change nothing); the admin token, when configured, applies to all as before.
//
// Thread: any (pure functions of the request).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/http_server.h"

namespace corridor::console {

// The header a write must carry.
inline constexpr const char* kWriteHeader = server::kCorridorRequestHeader;

struct ListenerIdentity {
  std::string host;  // as configured ("0.0.0.0" and "::" name no host)
  uint16_t port = 0;
  bool tls = false;
};

// "" when the request may proceed; else why it is refused (for the 403's error).
std::string ForgedWriteReason(const server::Request& request, const ListenerIdentity& listener);

// Whether `host_header` ("name", "name:port", "[v6]:port") names the listener.
bool HostNamesListener(std::string_view host_header, const ListenerIdentity& listener);

}  // namespace corridor::console
