#include "console/console.h"

#include <utility>

#include "api/ledger_json.h"

namespace corridor::console {
// Generated at build time (embed_files.cmake).
extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

namespace {

// The console needs nothing from elsewhere: no framing (clickjacking), no foreign scripts.
server::Response FileResponse(const EmbeddedFile& file) {
  server::Response r;
  r.body = std::string(file.body);
  r.content_type = std::string(file.content_type);
  r.headers = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-cache"}};
  return r;
}

server::Response Refuse(unsigned status, std::string_view message) {
  server::Response r;
  r.status = status;
  r.body = api::ErrorJson(message);
  return r;
}

}  // namespace

const EmbeddedFile* FindFile(std::string_view path) {
  if (path.empty()) path = "index.html";
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    if (kEmbeddedFiles[i].path == path) return &kEmbeddedFiles[i];
  }
  return nullptr;
}

AdminFront::AdminFront(ListenerIdentity listener, server::Handler admin)
    : listener_(std::move(listener)), admin_(std::move(admin)) {}

void AdminFront::Handle(server::Request& request, server::Respond respond) {
  const std::string_view target = request.target.substr(0, request.target.find('?'));
  if (target == "/console" || target.starts_with("/console/")) {
    if (request.method != server::Method::get) return respond(Refuse(405, "use GET"));
    if (target == "/console") {
      server::Response r = Refuse(301, "moved to /console/");
      r.headers = {{"Location", "/console/"}};
      return respond(std::move(r));
    }
    const EmbeddedFile* file = FindFile(target.substr(9));
    if (file == nullptr) return respond(Refuse(404, "no such console file"));
    return respond(FileResponse(*file));
  }
  if (std::string reason = ForgedWriteReason(request, listener_); !reason.empty()) {
    return respond(Refuse(403, reason));
  }
  admin_(request, std::move(respond));
}

}  // namespace corridor::console
