#include "simulator/card_corridor.h"

#include "base/sha256.h"
#include "server/http_server.h"
#include "server/http_client.h"

namespace corridor::simulator {

CardCorridor::CardCorridor(std::vector<CardBankSpec> specs, uint16_t admin_port,
                           uint16_t card_port)
    : specs_(std::move(specs)), admin_port_(admin_port), card_port_(card_port) {
  issuers_.resize(specs_.size());
  acquirers_.resize(specs_.size());
}

CardCorridor::~CardCorridor() { Stop(); }

size_t CardCorridor::IndexOf(const std::string& participant) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].participant == participant) return i;
  }
  return specs_.size();
}

std::string CardCorridor::SettingsJson(const CardBankSpec& s) {
  std::string body = "{\"institution_id\":\"" + s.institution_id + "\",\"bin_prefixes\":[";
  for (size_t i = 0; i < s.bin_prefixes.size(); ++i) {
    body += (i ? ",\"" : "\"") + s.bin_prefixes[i] + "\"";
  }
  body += "],\"signon_key_sha256\":\"" + Sha256Hex(s.signon_key) + "\"";
  if (s.issuer && !s.stand_in.max_amount.empty()) {
    body += ",\"stand_in\":{\"max_amount\":\"" + s.stand_in.max_amount +
            "\",\"daily_count_per_card\":" + std::to_string(s.stand_in.daily_count_per_card) +
            ",\"daily_amount_per_card\":\"" + s.stand_in.daily_amount_per_card +
            "\",\"transaction_types\":[";
    for (size_t i = 0; i < s.stand_in.transaction_types.size(); ++i) {
      body += (i ? ",\"" : "\"") + s.stand_in.transaction_types[i] + "\"";
    }
    body += "]}";
  }
  return body + "}";
}

Status CardCorridor::Onboard() {
  server::ClientOptions o;
  o.host = "127.0.0.1";
  o.port = admin_port_;
  server::HttpClient admin(o);
  for (const CardBankSpec& s : specs_) {
    server::ClientResponse r;
    const std::string target = "/v1/participants/" + s.participant + "/card";
    const Status st = admin.Send("PUT", target, "application/json", SettingsJson(s),
                                 {{server::kCorridorRequestHeader, "1"}}, &r);
    if (!st.ok()) return st;
    if (r.status != 200 && r.status != 201) {
      return Status::Error("PUT " + target + ": HTTP " + std::to_string(r.status) + " " + r.body);
    }
  }
  return Status::Ok();
}

Status CardCorridor::Start() {
  auto link = [this](const CardBankSpec& s) {
    CardLinkOptions l;
    l.hub_port = card_port_;
    l.institution_id = s.institution_id;
    l.signon_key = s.signon_key;
    return l;
  };
  for (size_t i = 0; i < specs_.size(); ++i) {
    const CardBankSpec& s = specs_[i];
    if (!s.issuer) continue;
    IssuerOptions o;
    o.link = link(s);
    o.rules = s.rules;
    issuers_[i] = std::make_unique<CardIssuer>(o);
    if (Status st = issuers_[i]->Start(); !st.ok()) {
      return Status::Error(s.participant + " (issuer): " + st.message());
    }
  }
  for (size_t i = 0; i < specs_.size(); ++i) {
    const CardBankSpec& s = specs_[i];
    if (!s.acquirer) continue;
    AcquirerOptions o;
    o.link = link(s);
    o.pan_prefix = s.pan_prefix;
    o.seed = i + 1;
    o.cards = s.cards;
    o.currency = s.currency;
    o.terminal = s.terminal;
    if (!s.merchant_name.empty()) o.merchant_name = s.merchant_name;
    acquirers_[i] = std::make_unique<CardAcquirer>(o);
    if (Status st = acquirers_[i]->Start(); !st.ok()) {
      return Status::Error(s.participant + " (acquirer): " + st.message());
    }
  }
  return Status::Ok();
}

void CardCorridor::Stop() {
  for (auto& a : acquirers_) {
    if (a) a->Stop();
  }
  for (auto& i : issuers_) {
    if (i) i->Stop();
  }
}

}  // namespace corridor::simulator
