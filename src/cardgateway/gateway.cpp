#include "cardgateway/gateway.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/check.h"
#include "base/sha256.h"
#include "cardgateway/gateway_impl.h"

namespace corridor::cardgateway {

namespace {

bool IsRequestMti(uint16_t mti) { return mti == 100 || mti == 200; }
bool IsAdviceMti(uint16_t mti) {
  switch (mti) {
    case 120: case 121: case 220: case 221: case 400: case 401: case 420: case 421:
      return true;
    default:
      return false;
  }
}
bool IsForwardAckMti(uint16_t mti) { return mti == 130 || mti == 230 || mti == 430; }

// BICs compare with a trailing "XXX" ignored: SABRRUMM is SABRRUMMXXX (as the participant API
// binds certificates).
bool SameBic(std::string_view a, std::string_view b) {
  auto base = [](std::string_view x) {
    return x.size() == 11 && x.ends_with("XXX") ? x.substr(0, 8) : x;
  };
  return base(a) == base(b);
}

// The member a verified client certificate names (a CN or subjectAltName that is its BIC, 8 or
// 11 characters), or nullptr.
const Member* CertificateMember(const Directory& directory, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (name.size() != 8 && name.size() != 11) continue;
    for (const Member& m : directory.members()) {
      if (SameBic(name, m.participant)) return &m;
    }
  }
  return nullptr;
}

// The link's participant for the log, "-" before sign-on.
std::string_view Who(const Link& link) {
  return link.participant.empty() ? std::string_view("-") : std::string_view(link.participant);
}

// cards.link_opened, once the link is one the hub reads from (after the TLS handshake). A
// flood of connections is logged at most once a second (with how many were left out); a link
// not announced gets no cards.link_closed either, unless it signs on.
void Announce(Link& link, log::Throttle& throttle) {
  uint64_t suppressed = 0;
  if (!throttle.Allow(&suppressed)) return;
  boost::system::error_code ec;
  const net::ip::tcp::endpoint peer = link.socket.remote_endpoint(ec);
  const std::string address =
      ec ? "unknown" : peer.address().to_string() + ":" + std::to_string(peer.port());
  link.announced = true;
  log::Event(log::Level::info, "cards.link_opened",
             {{"link", link.id},
              {"peer", address},
              {"tls", link.tls ? "yes" : "no"},
              {"suppressed", suppressed}});
}

// Closes the hub makes for what a link did are warnings; the others (the peer ended it, the
// hub stops, its participant's settings changed) are not.
log::Level CloseLevel(const char* why) {
  if (why == nullptr) return log::Level::info;
  for (const char* expected :
       {"hub_stopping", "participant_suspended", "participant_gone", "card_settings_changed"}) {
    if (std::strcmp(why, expected) == 0) return log::Level::info;
  }
  return log::Level::warn;
}

}  // namespace

CardGateway::Impl::Impl(core::Core* core, const PanProtection* pan, Currencies currencies,
                        GatewayOptions options)
    : core_(core), pan_(pan), currencies_(std::move(currencies)), options_(std::move(options)),
      dialect_(GatewayDialect()) {}

// ---------------------------------------------------------------------------- links

void CardGateway::Impl::Accept() {
  acceptor_->async_accept([this](boost::system::error_code ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
    if (!ec) {
      if (links_.size() >= options_.max_links) {
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        auto link = std::make_shared<Link>(io_);
        link->socket = std::move(socket);
        boost::system::error_code ignored;
        link->socket.set_option(net::ip::tcp::no_delay(true), ignored);
        link->id = next_link_++;
        link->framer = iso8583::Framer(options_.max_message_bytes);
        link->opened_at = link->last_rx = link->last_echo = Clock::now();
        links_.emplace(link->id, link);
        counters_.links_open.fetch_add(1, std::memory_order_relaxed);
        if (tls_) {
          Handshake(link);
        } else {
          Announce(*link, opened_log_);
          StartRead(link);
        }
      }
    } else {
      // Out of descriptors or the like: try again shortly rather than spin.
      accept_retry_->expires_after(std::chrono::milliseconds(100));
      accept_retry_->async_wait([this](boost::system::error_code wait) {
        if (!wait) Accept();
      });
      return;
    }
    Accept();
  });
}

// TLS: the server handshake; the sign-on timer (OnTimer) closes a link that does not finish it.
// A client without a certificate the client CA signed, or one not speaking TLS, is closed here
// before anything is read from it.
void CardGateway::Impl::Handshake(const std::shared_ptr<Link>& link) {
  link->tls.emplace(link->socket, *tls_);
  link->tls->async_handshake(
      net::ssl::stream_base::server, [this, link](boost::system::error_code ec) {
        if (link->closed) return;
        if (ec) {
          counters_.tls_handshakes_failed.fetch_add(1, std::memory_order_relaxed);
          uint64_t suppressed = 0;
          if (handshake_log_.Allow(&suppressed)) {
            log::Event(log::Level::warn, "cards.tls_handshake_failed",
                       {{"link", link->id}, {"error", ec.message()}, {"suppressed", suppressed}});
          }
          Close(*link, nullptr);
          return;
        }
        link->handshaken = true;
        link->peer_names = server::PeerNames(link->tls->native_handle());
        Announce(*link, opened_log_);
        StartRead(link);
      });
}

void CardGateway::Impl::StartRead(const std::shared_ptr<Link>& link) {
  auto on_read = [this, link](boost::system::error_code ec, size_t n) {
    if (link->closed) return;
    if (ec) {
      Close(*link, nullptr);
      return;
    }
    link->framer.Append(std::string_view(link->read_buffer.data(), n));
    OnFrames(link);
    Flush();
    if (!link->closed && link->closing == nullptr) StartRead(link);
  };
  if (link->tls) {
    link->tls->async_read_some(net::buffer(link->read_buffer), std::move(on_read));
  } else {
    link->socket.async_read_some(net::buffer(link->read_buffer), std::move(on_read));
  }
}

void CardGateway::Impl::OnFrames(const std::shared_ptr<Link>& link) {
  std::string_view frame;
  for (;;) {
    const iso8583::Framer::Result r = link->framer.Next(&frame);
    if (r == iso8583::Framer::Result::kNeedMore) return;
    if (r == iso8583::Framer::Result::kTooLong) {
      counters_.format_errors.fetch_add(1, std::memory_order_relaxed);
      Close(*link, "frame_too_long");
      return;
    }
    link->last_rx = Clock::now();
    link->echoes_unanswered = 0;
    OnFrame(*link, frame);
    if (link->closed || link->closing != nullptr) return;
  }
}

void CardGateway::Impl::OnFrame(Link& link, std::string_view frame) {
  const iso8583::CodecError error = iso8583::Unpack(dialect_, frame, &link.in);
  if (!error.ok()) {
    OnMalformed(link, error);
    return;
  }
  const uint16_t mti = MtiNumber(link.in.mti());
  if (mti == 800) {
    OnNetwork(link);
    return;
  }
  if (mti == 810) return;  // the answer to the hub's echo: last_rx was updated
  if (!link.signed_on) {
    counters_.refused_before_signon.fetch_add(1, std::memory_order_relaxed);
    // A response class is dropped; a request gets "91": the hub is not serving this link yet.
    Respond(link, link.in, kEchoFields, kNotSignedOn);
    return;
  }
  if (IsRequestMti(mti)) {
    OnRequest(link, frame);
  } else if (IsAdviceMti(mti)) {
    OnAdvice(link, frame);
  } else if (mti == 110 || mti == 210 || IsForwardAckMti(mti)) {
    OnIssuerResponse(link);
  } else {
    // A class the dialect knows but the hub does not take from a processor (0820, 0410, ...).
    counters_.format_errors.fetch_add(1, std::memory_order_relaxed);
    Respond(link, link.in, kEchoFields, kFormatError);
  }
}

void CardGateway::Impl::OnMalformed(Link& link, const iso8583::CodecError& error) {
  counters_.format_errors.fetch_add(1, std::memory_order_relaxed);
  // What the codec says names the field and the rule, never the field's content.
  if (uint64_t suppressed = 0; format_error_log_.Allow(&suppressed)) {
    log::Event(log::Level::warn, "cards.format_error",
               {{"link", link.id},
                {"participant", Who(link)},
                {"error", error.ToString()},
                {"suppressed", suppressed}});
  }
  const std::optional<iso8583::Mti> response = iso8583::ResponseMti(link.in.mti());
  if (!link.in.has_mti() || !response ||
      !dialect_.IsKnownMti(std::string_view(response->data(), response->size()))) {
    // A response class that cannot be read is dropped: answering a response makes no sense.
    if (link.in.has_mti() && !response && error.kind != iso8583::CodecErrorKind::kBadMti &&
        error.kind != iso8583::CodecErrorKind::kUnknownMti) {
      return;
    }
    Close(link, "unanswerable_frame");
    return;
  }
  const std::initializer_list<int> echo =
      MtiNumber(link.in.mti()) == 800 ? kNetworkEchoFields : kEchoFields;
  Respond(link, link.in, echo, kFormatError);
}

void CardGateway::Impl::Respond(Link& link, const iso8583::Message& request,
                                std::initializer_list<int> echo, std::string_view code) {
  if (!BuildResponse(request, echo, code, &link.out)) return;  // a response: nothing to answer
  Send(link, link.out);
}

void CardGateway::Impl::Send(Link& link, const iso8583::Message& message) {
  if (link.closed) return;
  const iso8583::CodecError error = iso8583::Pack(dialect_, message, &link.frame_out);
  if (!error.ok()) {
    // What the hub builds passes its dialect; a field echoed was read through the same one.
    log::Event(log::Level::error, "cards.pack_failed",
               {{"link", link.id}, {"mti", message.mti()}, {"error", error.ToString()}});
    return;
  }
  if (link.pending_out.size() + link.frame_out.size() > options_.max_output_bytes) {
    Close(link, "slow_reader");
    return;
  }
  link.pending_out += link.frame_out;
  if (!link.dirty && !link.writing) {
    link.dirty = true;
    auto it = links_.find(link.id);
    if (it != links_.end()) dirty_.push_back(it->second);
  }
}

void CardGateway::Impl::Flush() {
  for (std::shared_ptr<Link>& link : dirty_) {
    link->dirty = false;
    if (!link->closed && !link->writing && !link->pending_out.empty()) StartWrite(link);
  }
  dirty_.clear();
}

void CardGateway::Impl::CloseAfterWrite(Link& link, const char* why) {
  if (link.closed || link.closing != nullptr) return;
  TakeOutOfRouting(link);
  link.closing = why;
  if (!link.writing && link.pending_out.empty()) Close(link, why);
  // Otherwise the write's completion closes it (StartWrite).
}

void CardGateway::Impl::StartWrite(const std::shared_ptr<Link>& link) {
  link->writing = true;
  link->writing_out.swap(link->pending_out);
  link->pending_out.clear();
  auto on_written = [this, link](boost::system::error_code ec, size_t) {
    link->writing = false;
    link->writing_out.clear();
    if (link->closed) return;
    if (ec) {
      Close(*link, nullptr);
      return;
    }
    if (!link->pending_out.empty()) {
      StartWrite(link);
    } else if (link->closing != nullptr) {
      Close(*link, link->closing);
    }
  };
  if (link->tls) {
    net::async_write(*link->tls, net::buffer(link->writing_out), std::move(on_written));
  } else {
    net::async_write(link->socket, net::buffer(link->writing_out), std::move(on_written));
  }
}

void CardGateway::Impl::Close(Link& link, const char* why) {
  if (link.closed) return;
  if (link.announced) {
    log::Event(CloseLevel(why), "cards.link_closed",
               {{"link", link.id},
                {"participant", Who(link)},
                {"reason", why != nullptr ? why : "ended"}});
  }
  TakeOutOfRouting(link);
  link.closed = true;
  boost::system::error_code ignored;
  link.socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  link.socket.close(ignored);
  counters_.links_open.fetch_sub(1, std::memory_order_relaxed);
  links_.erase(link.id);  // handlers under way hold the last references
}

void CardGateway::Impl::TakeOutOfRouting(Link& link) {
  if (!link.signed_on) return;
  link.signed_on = false;
  counters_.links_signed_on.fetch_sub(1, std::memory_order_relaxed);
  auto it = routing_.find(link.participant);
  if (it != routing_.end()) {
    std::erase(it->second, link.id);
    if (it->second.empty()) routing_.erase(it);
  }
  std::lock_guard lock(signed_on_mutex_);
  auto count = signed_on_.find(link.participant);
  // Kept at 0 (not erased): GET /metrics shows a participant whose links are all gone.
  if (count != signed_on_.end() && count->second > 0) --count->second;
}

Link* CardGateway::Impl::FindLink(uint64_t id) {
  auto it = links_.find(id);
  return it == links_.end() || it->second->closed ? nullptr : it->second.get();
}

// The preferred link if it is still signed on, else the next signed-on link of `participant`
// in turn; nullptr when it has none.
Link* CardGateway::Impl::LinkOf(std::string_view participant, uint64_t preferred) {
  if (Link* l = FindLink(preferred); l != nullptr && l->signed_on && l->participant == participant) {
    return l;
  }
  auto it = routing_.find(participant);
  if (it == routing_.end() || it->second.empty()) return nullptr;
  auto turn = round_robin_.find(participant);
  if (turn == round_robin_.end()) turn = round_robin_.emplace(std::string(participant), 0).first;
  const uint64_t id = it->second[turn->second++ % it->second.size()];
  return FindLink(id);
}

std::string CardGateway::Impl::NextHubStan() {
  hub_stan_ = hub_stan_ % 999999 + 1;
  char text[8];
  std::snprintf(text, sizeof text, "%06u", hub_stan_);
  return text;
}

// ---------------------------------------------------------------------------- network management

void CardGateway::Impl::OnNetwork(Link& link) {
  const std::string_view code = link.in.field(70);
  if (code == "001") {
    SignOn(link);
    return;
  }
  if (!link.signed_on) {
    counters_.refused_before_signon.fetch_add(1, std::memory_order_relaxed);
    Respond(link, link.in, kNetworkEchoFields, kNotSignedOn);
    return;
  }
  if (code == "002") {
    Respond(link, link.in, kNetworkEchoFields, kApproved);
    log::Event(log::Level::info, "cards.link_signed_off",
               {{"link", link.id}, {"participant", link.participant}});
    TakeOutOfRouting(link);
    return;
  }
  if (code == "301") {
    Respond(link, link.in, kNetworkEchoFields, kApproved);
    return;
  }
  counters_.format_errors.fetch_add(1, std::memory_order_relaxed);
  Respond(link, link.in, kNetworkEchoFields, kFormatError);
}

void CardGateway::Impl::SignOn(Link& link) {
  // A verified client certificate naming a participant authenticates the link in place of the
  // key, and only as that participant.
  const Member* bound = CertificateMember(*directory_, link.peer_names);
  if (!HasFields(link.in, {33}) || (bound == nullptr && !HasFields(link.in, {53}))) {
    counters_.signons_refused.fetch_add(1, std::memory_order_relaxed);
    Respond(link, link.in, kNetworkEchoFields, kFormatError);
    CloseAfterWrite(link, "signon_incomplete");
    return;
  }
  const Member* m = directory_->ByInstitution(link.in.field(33));
  std::string_view refusal;
  if (m == nullptr) {
    refusal = kUnknownInstitution;
  } else if (bound != nullptr) {
    if (m != bound) refusal = kSecurityViolation;  // the certificate names another participant
  } else if (m->signon_key_sha256.empty() ||
             !ConstantTimeEquals(Sha256Hex(link.in.field(53)), m->signon_key_sha256)) {
    refusal = kSecurityViolation;
  }
  if (refusal.empty() &&
      (m->suspended || (m->roles & (hub::kRoleIssuer | hub::kRoleAcquirer)) == 0)) {
    refusal = kNotPermitted;
  }
  if (!refusal.empty()) {
    counters_.signons_refused.fetch_add(1, std::memory_order_relaxed);
    Respond(link, link.in, kNetworkEchoFields, refusal);
    // The institution id is not secret; the key (field 53) is never logged.
    if (uint64_t suppressed = 0; signon_refused_log_.Allow(&suppressed)) {
      log::Event(log::Level::warn, "cards.signon_refused",
                 {{"link", link.id},
                  {"institution", link.in.field(33)},
                  {"code", refusal},
                  {"suppressed", suppressed}});
    }
    CloseAfterWrite(link, "signon_refused");
    return;
  }
  if (link.signed_on) TakeOutOfRouting(link);
  link.signed_on = true;
  link.participant = m->participant;
  link.institution_id = m->institution_id;
  link.roles = m->roles;
  routing_[link.participant].push_back(link.id);
  counters_.links_signed_on.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(signed_on_mutex_);
    ++signed_on_[link.participant];
  }
  Respond(link, link.in, kNetworkEchoFields, kApproved);
  link.announced = true;  // its close is logged, even when its opening was not (a flood)
  log::Event(log::Level::info, "cards.link_signed_on",
             {{"link", link.id},
              {"participant", link.participant},
              {"institution", link.institution_id},
              {"by", bound != nullptr ? "certificate" : "key"}});
  if (link.roles & hub::kRoleIssuer) PumpForwards(link.participant);
}

}  // namespace corridor::cardgateway
