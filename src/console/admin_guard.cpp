#include "console/admin_guard.h"

#include <charconv>

namespace corridor::console {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Splits "name:port" / "[v6]:port" / "name"; the port is the scheme's default when absent.
bool SplitHost(std::string_view hp, bool tls, std::string_view* name, uint16_t* port) {
  *port = tls ? 443 : 80;
  std::string_view rest;
  if (hp.starts_with('[')) {
    const size_t close = hp.find(']');
    if (close == std::string_view::npos) return false;
    *name = hp.substr(1, close - 1);
    rest = hp.substr(close + 1);
  } else {
    const size_t colon = hp.find(':');
    *name = hp.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : hp.substr(colon);
  }
  if (name->empty()) return false;
  if (rest.empty()) return true;
  if (rest[0] != ':' || rest.size() < 2 || rest.size() > 6) return false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), value);
  if (ec != std::errc() || end != rest.data() + rest.size() || value == 0 || value > 65535) {
    return false;
  }
  *port = static_cast<uint16_t>(value);
  return true;
}

bool IsWildcard(std::string_view host) { return host.empty() || host == "0.0.0.0" || host == "::"; }

}  // namespace

bool HostNamesListener(std::string_view host_header, const ListenerIdentity& listener) {
  std::string_view name;
  uint16_t port = 0;
  if (!SplitHost(host_header, listener.tls, &name, &port) || port != listener.port) return false;
  if (EqualsIgnoreCase(name, "localhost") || name == "127.0.0.1" || name == "::1") return true;
  return !IsWildcard(listener.host) && EqualsIgnoreCase(name, listener.host);
}

std::string ForgedWriteReason(const server::Request& request, const ListenerIdentity& listener) {
  if (request.method == server::Method::get || request.method_name == "HEAD") return "";
  if (request.corridor_request.empty()) {
    return std::string("a write needs the header ") + kWriteHeader +
           " (a web page of another site cannot send it)";
  }
  if (!HostNamesListener(request.host, listener)) {
    return "Host " + std::string(request.host.empty() ? "(none)" : request.host) +
           " does not name this listener (a loopback name or its configured host, port " +
           std::to_string(listener.port) + ")";
  }
  if (!request.origin.empty()) {
    const std::string_view scheme = listener.tls ? "https://" : "http://";
    const std::string_view origin = request.origin;
    if (!origin.starts_with(scheme) ||
        !EqualsIgnoreCase(origin.substr(scheme.size()), request.host)) {
      return "Origin " + std::string(origin) + " is not this listener's own (" +
             std::string(scheme) + std::string(request.host) + ")";
    }
  }
  return "";
}

}  // namespace corridor::console
