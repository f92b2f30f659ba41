// The participant listener's API: what a bank may do as itself.
//
//   GET  /v1/position           its own positions (the admin API's figures, its own only)
//   PUT  /v1/fx/rates           an FX provider publishes its rates
//   POST /v1/quotes             a quote for a send or a receive amount
//   POST /v1/aliases            registers a phone number for one of its customers' accounts
//                               (201; the same again 200; another bank's 409); the number must
//                               be of its domain (prefix, length)
//   GET  /v1/aliases/{alias}    who holds it: the bank, the name masked, account, currency
//   DELETE /v1/aliases/{alias}  its own only (204; unknown or another's: 404)
//   POST /iso20022/acmt.023     a lookup by phone number, answered with an acmt.024 (the
//                               alias's bank, account, currency, masked name; or not
//                               verified, BE23); Assgnr must be the caller, Assgne the hub
//   POST /iso20022/pacs.008     a payment: 202 with a pacs.002 ACTC, or 200 RJCT with its
//                               reason (journaled: a repeat gets the same answer); 400 with an
//                               admi.002 when it cannot be read; 403 when the debtor agent is
//                               not the caller
//   POST /iso20022/pacs.002     the payee bank's answer to a forwarded payment (ACSP or ACSC
//                               to accept, RJCT with a reason): 200; 409 once final
//   GET  /v1/payments/{uetr}    a payment's status, amounts and events as JSON, to its debtor
//                               or creditor agent only (anyone else: 404, as for an unknown
//                               UETR)
//   POST /iso20022/pacs.028     a status request, answered 200 with a pacs.002 of the
//                               payment's current status (ACTC, ACSC, RJCT with its reason) to
//                               its two banks; anyone else, and an unknown UETR, gets RJCT
//                               AG09 quoting the request (iso20022/pacs028.h); 400 with an
//                               admi.002 when it cannot be read; 403 when InstgAgt is not the
//                               caller. A read: nothing is journaled.
//   POST /iso20022/pacs.004     the payee's bank returns a settled payment, in full or in
//                               part: 200 with a pacs.002 about the return, ACSC (posted) or
//                               RJCT with its reason (a repeat gets the same answer); 400 with
//                               an admi.002 when it cannot be read; 403 when InstgAgt is not
//                               the caller or the payment is not to the caller
//   POST /iso20022/camt.056     the payer's bank recalls a settled payment: 202 with a camt.029
//                               PDCR (forwarded to the payee's bank), or 200 with a camt.029
//                               RJCR and the hub's reason; 400 / 403 as for a pacs.004
//   GET  /v1/settlement/windows/{id}/statement?format=xml|csv[&currency=C]
//                               its own statement of a closed window (camt.053.001.08 or
//                               CSV, docs/REPORTS.md) for one of its positions (currency
//                               needed only when it has several); 404 for an unknown or still
//                               open window, 400 for another format or a missing currency
//   POST /iso20022/camt.029     the payee bank's answer to a forwarded recall (CNCL: it will
//                               send the pacs.004; RJCR with a reason), forwarded to the
//                               payer's bank: 200; the same again 200; another answer 409;
//                               an unknown recall 404; 400 / 403 as above
//
// Every request carries `Authorization: Bearer <token>`; the hub hashes it (SHA-256) and
// looks for the participant holding that hash, comparing in constant time. Missing or wrong:
// 401, and nothing is journaled or read. Under TLS with client certificates, the certificate
// must also name that participant (subject CN or a subjectAltName), else 401. Acting beyond
// one's roles (rates without the fx role) or, for writes, while suspended: 403, also before
// anything is journaled. Tokens never appear in
// logs, errors or the journal; only their hashes are compared.
//
// Thread: I/O threads parse and hash; the core's apply thread authenticates and answers.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>

#include "config/config.h"
#include "core/core.h"
#include "hub/hub.h"
#include "iso20022/acmt.h"
#include "iso20022/pacs028.h"
#include "reports/reports.h"
#include "server/http_server.h"

namespace corridor::api {

class ParticipantApi {
 public:
  // `require_certificate`: the listener runs TLS with client certificates, whose names must
  // include the participant's id. `config` must outlive this.
  ParticipantApi(core::Core* core, const config::HubConfig* config, bool require_certificate);
  // A server::Handler.
  void Handle(server::Request& request, server::Respond respond);
  // The core's after_apply hook: rebuilds the credentials the I/O threads authenticate with
  // when a participant, token or suspension changed. Refresh() builds them once through the
  // core; call it after hooking OnApplied in, before serving.
  void OnApplied(const hub::Hub& hub);
  void Refresh();

 private:
  enum class Route {
    position,
    rates,
    quotes,
    register_alias,
    get_alias,
    delete_alias,
    lookup,
    payment,
    payee_answer,
    get_payment,
    status_request,
    return_payment,
    recall_payment,
    recall_answer,
    statement,
  };
  // What answering a pacs.004 or camt.056 needs beyond its command: the sender, the fields an
  // answer quotes, and a rule of the hub's profile the reader found broken (answered at once
  // with that reason, nothing journaled: the same message again reads the same).
  struct Reply {
    std::string sender;  // InstgAgt, Assgnr: must be the caller
    std::string original_message_id;
    std::string end_to_end_id;
    std::string rejection;
  };
  // What the I/O threads know of a participant by its token's SHA-256: a copy of the state's
  // (participants module), replaced whole when that changes, so that a request is
  // authenticated without a round trip through the apply thread. A lookup by the hash of a
  // high-entropy token reveals through its timing nothing about the token itself.
  struct Credential {
    std::string id;
    std::string domain;
    uint8_t roles = 0;
    bool suspended = false;
  };
  using Credentials = std::unordered_map<std::string, Credential>;
  // The participant a request is from, or the refusal (401).
  const Credential* Authenticate(const server::Request& request, const Credentials* credentials,
                                 server::Response* refusal) const;

  // `alias`: the alias, or the UETR of get_payment, that the path or body names.
  bool Plan(server::Request& request, Route* route, hub::Command* command, std::string* alias,
            iso20022::Acmt023* lookup, iso20022::Pacs028* status_request, Reply* reply,
            reports::Request* statement, server::Response* refusal) const;
  bool PlanReturnOrRecall(const server::Request& request, Route route, hub::Command* command,
                          Reply* reply, server::Response* refusal) const;
  void RespondLookup(const hub::Hub& hub, const participants::Participant& p,
                     const iso20022::Acmt023& q, server::Respond& respond);
  void RespondPayment(const hub::Hub& hub, const participants::Participant& p,
                      const std::string& uetr, server::Respond& respond) const;
  void RespondStatus(const hub::Hub& hub, const participants::Participant& p,
                     const iso20022::Pacs028& q, server::Respond& respond);
  static void RespondStatement(const hub::Hub& hub, const participants::Participant& p,
                               const reports::Request& q, server::Respond& respond);
  void Submit(const Credential& p, Route route, hub::Command command, Reply reply,
              server::Respond respond);
  // Parse the body of a write into a command for `participant` (filled in once known).
  bool ParseRates(std::string_view body, hub::PublishRates* c, std::string* error) const;
  bool ParseQuote(std::string_view body, hub::RequestQuote* c, std::string* error) const;
  bool ParseAlias(std::string_view body, hub::RegisterAlias* c, std::string* error) const;
  bool AliasBelongs(std::string_view alias, std::string_view domain, std::string* error) const;

  core::Core* core_;
  const config::HubConfig* config_;
  hub::Configure settings_;
  bool require_certificate_;
  std::atomic<uint64_t> lookups_{0};   // numbers the acmt.024 answers
  std::atomic<uint64_t> statuses_{0};  // numbers the pacs.002 answers to status requests
  std::atomic<std::shared_ptr<const Credentials>> credentials_;
  uint64_t credentials_version_ = UINT64_MAX;  // of the copy; apply thread only
};

}  // namespace corridor::api
