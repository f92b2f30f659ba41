// The operator's web console (issue 18 item 2) and the admin listener's front door.
//
// AdminFront wraps the admin API's handler: GET /console/... is answered from files built into
// the binary (web/ and the chart library, embedded by embed_files.cmake), without the admin
// token (they hold no data: the page asks for the token and sends it with every API call);
// every other request first passes the forged-write guard (admin_guard.h), then goes to the
// admin API. The console's pages read the admin API's JSON and /metrics and act only through
// the admin API, so every action is a journaled command like any other.
//
// Thread: I/O threads (the files are constants).
#pragma once

#include <cstdint>
#include <string_view>

#include "console/admin_guard.h"
#include "server/http_server.h"

namespace corridor::console {

struct EmbeddedFile {
  std::string_view path;  // under /console/, e.g. "app.js"
  std::string_view content_type;
  std::string_view body;
};

// The file served at /console/<path> ("" is index.html), or nullptr.
const EmbeddedFile* FindFile(std::string_view path);

class AdminFront {
 public:
  AdminFront(ListenerIdentity listener, server::Handler admin);
  // The port actually bound (the listener may be started on port 0): after the server's
  // Start, before its Run (no request is read before Run).
  void set_port(uint16_t port) { listener_.port = port; }
  void Handle(server::Request& request, server::Respond respond);

 private:
  ListenerIdentity listener_;
  server::Handler admin_;
};

}  // namespace corridor::console
