#include "hub/commands.h"

#include <array>
#include <string>


namespace corridor::hub {
namespace {

// Strings in commands are short by construction (ids, names, URLs); a longer one in a journal
// body is damage.
constexpr size_t kStringMax = 4096;

}  // namespace

void EncodeMoney(WireWriter& w, const Money& m) {
  w.Str(m.currency);
  w.I64(m.minor);
}
Money DecodeMoney(WireReader& r) {
  Money m;
  m.currency = r.Str(kStringMax);
  m.minor = r.I64();
  return m;
}
void EncodeCard(WireWriter& w, const Card& c) {
  for (const std::string* f : {&c.bin, &c.last4, &c.pan_hash, &c.sealed_pan}) w.Str(*f);
}
Card DecodeCard(WireReader& r) {
  Card c;
  for (std::string* f : {&c.bin, &c.last4, &c.pan_hash, &c.sealed_pan}) *f = r.Str(kStringMax);
  return c;
}

namespace {

void Put(WireWriter& w, const Money& m) { EncodeMoney(w, m); }
Money GetMoney(WireReader& r) { return DecodeMoney(r); }

// Fee settings (payments' and cards'): the same layout.
void PutFees(WireWriter& w, const std::vector<FeeSettings>& fees) {
  w.U32(static_cast<uint32_t>(fees.size()));
  for (const FeeSettings& f : fees) {
    w.Str(f.currency);
    w.I64(f.fixed_minor);
    w.U32(f.share_bp);
  }
}
void GetFees(WireReader& r, std::vector<FeeSettings>* fees) {
  for (uint32_t n = r.Count(16); n > 0; --n) {
    FeeSettings f;
    f.currency = r.Str(kStringMax);
    f.fixed_minor = r.I64();
    f.share_bp = r.U32();
    fees->push_back(std::move(f));
  }
}

bool HasSettlementSettings(const Configure& c) {
  for (const DomainSettings& d : c.domains) {
    if (d.utc_offset_minutes != 0) return true;
  }
  return !c.card_fees.empty() || !c.interchange.empty() || c.settlement != SettlementSchedule{};
}
void PutSettlementSettings(WireWriter& w, const Configure& c) {
  for (const DomainSettings& d : c.domains) w.I64(d.utc_offset_minutes);
  PutFees(w, c.card_fees);
  w.U32(static_cast<uint32_t>(c.interchange.size()));
  for (const InterchangeSettings& i : c.interchange) {
    w.Str(i.issuer_domain);
    w.Str(i.acquirer_domain);
    w.U32(i.purchase_bp);
    w.U32(i.cash_bp);
  }
  w.U32(c.settlement.every_seconds);
  w.Str(c.settlement.cutoff_domain);
  w.U32(static_cast<uint32_t>(c.settlement.cutoffs_minutes.size()));
  for (uint32_t m : c.settlement.cutoffs_minutes) w.U32(m);
}
void GetSettlementSettings(WireReader& r, Configure* c) {
  for (DomainSettings& d : c->domains) d.utc_offset_minutes = static_cast<int32_t>(r.I64());
  GetFees(r, &c->card_fees);
  for (uint32_t n = r.Count(16); n > 0; --n) {
    InterchangeSettings i;
    i.issuer_domain = r.Str(kStringMax);
    i.acquirer_domain = r.Str(kStringMax);
    i.purchase_bp = r.U32();
    i.cash_bp = r.U32();
    c->interchange.push_back(std::move(i));
  }
  c->settlement.every_seconds = r.U32();
  c->settlement.cutoff_domain = r.Str(kStringMax);
  for (uint32_t n = r.Count(4); n > 0; --n) c->settlement.cutoffs_minutes.push_back(r.U32());
}

void Put(WireWriter& w, const Configure& c) {
  w.Str(c.hub_bic);
  w.U32(static_cast<uint32_t>(c.domains.size()));
  for (const DomainSettings& d : c.domains) {
    w.Str(d.code);
    w.Str(d.currency);
    w.U32(d.ledger);
    w.U32(d.exponent);
    w.Str(d.settlement_agent);
    w.I64(d.max_payment_minor);
  }
  w.U32(c.quote_lifetime_seconds);
  w.U32(c.rate_max_age_seconds);
  w.U32(static_cast<uint32_t>(c.pairs.size()));
  for (const FxPair& p : c.pairs) {
    w.Str(p.source);
    w.Str(p.target);
  }
  PutFees(w, c.fees);
  // The domains' BIN ranges, appended after everything else only when there are some, so
  // that a configuration without them encodes as before (journals written before them).
  bool any_bins = false;
  for (const DomainSettings& d : c.domains) any_bins = any_bins || !d.bin_ranges.empty();
  const bool any_settlement = HasSettlementSettings(c);
  if (!any_bins && !any_settlement) return;
  for (const DomainSettings& d : c.domains) {
    w.U32(static_cast<uint32_t>(d.bin_ranges.size()));
    for (const auto& [first, last] : d.bin_ranges) {
      w.Str(first);
      w.Str(last);
    }
  }
  // Then, the same way, the settings of issue 17 (time zones, card fees, interchange,
  // the settlement schedule).
  if (any_settlement) PutSettlementSettings(w, c);
}
void Get(WireReader& r, Configure* c) {
  c->hub_bic = r.Str(kStringMax);
  for (uint32_t n = r.Count(28); n > 0; --n) {
    DomainSettings d;
    d.code = r.Str(kStringMax);
    d.currency = r.Str(kStringMax);
    d.ledger = r.U32();
    d.exponent = r.U32();
    d.settlement_agent = r.Str(kStringMax);
    d.max_payment_minor = r.I64();
    c->domains.push_back(std::move(d));
  }
  c->quote_lifetime_seconds = r.U32();
  c->rate_max_age_seconds = r.U32();
  for (uint32_t n = r.Count(8); n > 0; --n) {
    FxPair p;
    p.source = r.Str(kStringMax);
    p.target = r.Str(kStringMax);
    c->pairs.push_back(std::move(p));
  }
  GetFees(r, &c->fees);
  if (r.Rest().empty()) return;  // Written without BIN ranges.
  for (DomainSettings& d : c->domains) {
    for (uint32_t n = r.Count(8); n > 0; --n) {
      std::string first = r.Str(kStringMax);
      std::string last = r.Str(kStringMax);
      d.bin_ranges.emplace_back(std::move(first), std::move(last));
    }
  }
  if (r.Rest().empty()) return;  // Written without the settings of issue 17.
  GetSettlementSettings(r, c);
}

void Put(WireWriter& w, const CreateParticipant& c) { EncodeRegistration(w, c); }
void Get(WireReader& r, CreateParticipant* c) { DecodeRegistration(r, c); }

void Put(WireWriter& w, const Liquidity& c) {
  w.Str(c.participant);
  w.Str(c.client_id);
  Put(w, c.amount);
  w.Bool(c.deposit);
}
void Get(WireReader& r, Liquidity* c) {
  c->participant = r.Str(kStringMax);
  c->client_id = r.Str(kStringMax);
  c->amount = GetMoney(r);
  c->deposit = r.Bool();
}

void Put(WireWriter& w, const SetNetDebitCap& c) {
  w.Str(c.participant);
  Put(w, c.cap);
}
void Get(WireReader& r, SetNetDebitCap* c) {
  c->participant = r.Str(kStringMax);
  c->cap = GetMoney(r);
}

void Put(WireWriter& w, const RotateToken& c) {
  w.Str(c.participant);
  w.Str(c.token_sha256);
  w.U32(c.previous_valid_seconds);
}
void Get(WireReader& r, RotateToken* c) {
  c->participant = r.Str(kStringMax);
  c->token_sha256 = r.Str(kStringMax);
  c->previous_valid_seconds = r.U32();
}

void Put(WireWriter& w, const SetSuspended& c) {
  w.Str(c.participant);
  w.Bool(c.suspended);
}
void Get(WireReader& r, SetSuspended* c) {
  c->participant = r.Str(kStringMax);
  c->suspended = r.Bool();
}

void Put(WireWriter& w, const PublishRates& c) {
  w.Str(c.provider);
  w.U32(static_cast<uint32_t>(c.rates.size()));
  for (const Rate& rate : c.rates) {
    w.Str(rate.source);
    w.Str(rate.target);
    w.I64(rate.rate_e8);
  }
}
void Get(WireReader& r, PublishRates* c) {
  c->provider = r.Str(kStringMax);
  for (uint32_t n = r.Count(16); n > 0; --n) {
    Rate rate;
    rate.source = r.Str(kStringMax);
    rate.target = r.Str(kStringMax);
    rate.rate_e8 = r.I64();
    c->rates.push_back(std::move(rate));
  }
}

void Put(WireWriter& w, const RequestQuote& c) {
  w.Str(c.participant);
  w.Str(c.source_currency);
  w.Str(c.target_currency);
  w.I64(c.amount_minor);
  w.Bool(c.receive_amount);
}
void Get(WireReader& r, RequestQuote* c) {
  c->participant = r.Str(kStringMax);
  c->source_currency = r.Str(kStringMax);
  c->target_currency = r.Str(kStringMax);
  c->amount_minor = r.I64();
  c->receive_amount = r.Bool();
}

void Put(WireWriter& w, const AcknowledgeMessages& c) {
  w.U32(static_cast<uint32_t>(c.seqs.size()));
  for (const uint64_t seq : c.seqs) w.U64(seq);
}
void Get(WireReader& r, AcknowledgeMessages* c) {
  for (uint32_t n = r.Count(8); n > 0; --n) c->seqs.push_back(r.U64());
}

void Put(WireWriter& w, const RegisterAlias& c) {
  for (const std::string* f : {&c.participant, &c.alias, &c.account, &c.name, &c.currency}) {
    w.Str(*f);
  }
}
void Get(WireReader& r, RegisterAlias* c) {
  for (std::string* f : {&c->participant, &c->alias, &c->account, &c->name, &c->currency}) {
    *f = r.Str(kStringMax);
  }
}

void Put(WireWriter& w, const DeleteAlias& c) {
  w.Str(c.participant);
  w.Str(c.alias);
}
void Get(WireReader& r, DeleteAlias* c) {
  c->participant = r.Str(kStringMax);
  c->alias = r.Str(kStringMax);
}

// The text fields of a payment, in their encoding's order.
template <typename P>
auto PaymentTexts(P& c) {
  return std::array{&c.debtor_agent,      &c.message_id,        &c.uetr,
                    &c.end_to_end_id,     &c.creditor_agent,    &c.creditor_account,
                    &c.creditor_alias,    &c.creditor_name,     &c.debtor_name,
                    &c.debtor_account,    &c.debtor_town,       &c.debtor_country,
                    &c.debtor_birth_date, &c.debtor_birth_city, &c.debtor_birth_country,
                    &c.debtor_id,         &c.remittance_info,   &c.rejection};
}

void Put(WireWriter& w, const SubmitPayment& c) {
  for (const std::string* f : PaymentTexts(c)) w.Str(*f);
  Put(w, c.amount);
  w.Str(c.quote_id);
  w.U32(c.answer_within_seconds);
  w.U64(c.fingerprint);
}
void Get(WireReader& r, SubmitPayment* c) {
  for (std::string* f : PaymentTexts(*c)) *f = r.Str(kStringMax);
  c->amount = GetMoney(r);
  c->quote_id = r.Str(kStringMax);
  c->answer_within_seconds = r.U32();
  c->fingerprint = r.U64();
}

void Put(WireWriter& w, const PayeeAnswer& c) {
  w.Str(c.creditor_agent);
  w.Str(c.uetr);
  w.Bool(c.accept);
  w.Str(c.reason);
  w.Str(c.message_id);
}
void Get(WireReader& r, PayeeAnswer* c) {
  c->creditor_agent = r.Str(kStringMax);
  c->uetr = r.Str(kStringMax);
  c->accept = r.Bool();
  c->reason = r.Str(kStringMax);
  c->message_id = r.Str(kStringMax);
}

void Put(WireWriter& w, const ReturnPayment& c) {
  for (const std::string* f : {&c.creditor_agent, &c.message_id, &c.return_id, &c.uetr}) {
    w.Str(*f);
  }
  Put(w, c.amount);
  w.Str(c.reason);
  w.U32(c.return_period_seconds);
  w.U64(c.fingerprint);
}
void Get(WireReader& r, ReturnPayment* c) {
  for (std::string* f : {&c->creditor_agent, &c->message_id, &c->return_id, &c->uetr}) {
    *f = r.Str(kStringMax);
  }
  c->amount = GetMoney(r);
  c->reason = r.Str(kStringMax);
  c->return_period_seconds = r.U32();
  c->fingerprint = r.U64();
}

void Put(WireWriter& w, const RecallPayment& c) {
  for (const std::string* f :
       {&c.debtor_agent, &c.message_id, &c.cancellation_id, &c.uetr, &c.reason}) {
    w.Str(*f);
  }
  w.U32(c.recall_period_seconds);
  w.U64(c.fingerprint);
}
void Get(WireReader& r, RecallPayment* c) {
  for (std::string* f :
       {&c->debtor_agent, &c->message_id, &c->cancellation_id, &c->uetr, &c->reason}) {
    *f = r.Str(kStringMax);
  }
  c->recall_period_seconds = r.U32();
  c->fingerprint = r.U64();
}

void Put(WireWriter& w, const RecallAnswer& c) {
  for (const std::string* f : {&c.creditor_agent, &c.message_id, &c.uetr, &c.cancellation_id}) {
    w.Str(*f);
  }
  w.Bool(c.accept);
  w.Str(c.reason);
}
void Get(WireReader& r, RecallAnswer* c) {
  for (std::string* f : {&c->creditor_agent, &c->message_id, &c->uetr, &c->cancellation_id}) {
    *f = r.Str(kStringMax);
  }
  c->accept = r.Bool();
  c->reason = r.Str(kStringMax);
}

void Put(WireWriter& w, const StandInRules& c) {
  w.Bool(c.enabled);
  w.I64(c.max_amount_minor);
  w.U32(c.daily_count_per_card);
  w.I64(c.daily_amount_per_card_minor);
  w.U8(c.transaction_types);
}
void Get(WireReader& r, StandInRules* c) {
  c->enabled = r.Bool();
  c->max_amount_minor = r.I64();
  c->daily_count_per_card = r.U32();
  c->daily_amount_per_card_minor = r.I64();
  c->transaction_types = r.U8();
}

void Put(WireWriter& w, const SetCardSettings& c) {
  w.Str(c.participant);
  w.Str(c.institution_id);
  w.U32(static_cast<uint32_t>(c.bin_prefixes.size()));
  for (const std::string& b : c.bin_prefixes) w.Str(b);
  w.Str(c.signon_key_sha256);
  Put(w, c.stand_in);
}
void Get(WireReader& r, SetCardSettings* c) {
  c->participant = r.Str(kStringMax);
  c->institution_id = r.Str(kStringMax);
  for (uint32_t n = r.Count(4); n > 0; --n) c->bin_prefixes.push_back(r.Str(kStringMax));
  c->signon_key_sha256 = r.Str(kStringMax);
  Get(r, &c->stand_in);
}

void Put(WireWriter& w, const Card& c) { EncodeCard(w, c); }
void Get(WireReader& r, Card* c) { *c = DecodeCard(r); }

void Put(WireWriter& w, const CardTrace& c) {
  for (const std::string* f : {&c.stan, &c.transmission_time, &c.rrn, &c.terminal, &c.merchant,
                               &c.acquirer_institution, &c.mcc, &c.merchant_name}) {
    w.Str(*f);
  }
}
void Get(WireReader& r, CardTrace* c) {
  for (std::string* f : {&c->stan, &c->transmission_time, &c->rrn, &c->terminal, &c->merchant,
                         &c->acquirer_institution, &c->mcc, &c->merchant_name}) {
    *f = r.Str(kStringMax);
  }
}

void Put(WireWriter& w, const CardRequest& c) {
  w.Str(c.acquirer);
  w.U16(c.mti);
  w.U8(c.type);
  w.Str(c.processing_code);
  Put(w, c.amount);
  Put(w, c.card);
  Put(w, c.trace);
  w.Str(c.issuer);
  w.Bool(c.issuer_online);
  w.U32(c.timeout_ms);
  w.U32(c.hold_seconds);
}
void Get(WireReader& r, CardRequest* c) {
  c->acquirer = r.Str(kStringMax);
  c->mti = r.U16();
  c->type = r.U8();
  c->processing_code = r.Str(kStringMax);
  c->amount = GetMoney(r);
  Get(r, &c->card);
  Get(r, &c->trace);
  c->issuer = r.Str(kStringMax);
  c->issuer_online = r.Bool();
  c->timeout_ms = r.U32();
  c->hold_seconds = r.U32();
}

void Put(WireWriter& w, const CardIssuerAnswer& c) {
  w.Str(c.issuer);
  w.U64(c.authorization);
  w.Str(c.response_code);
  w.Str(c.approval_code);
}
void Get(WireReader& r, CardIssuerAnswer* c) {
  c->issuer = r.Str(kStringMax);
  c->authorization = r.U64();
  c->response_code = r.Str(kStringMax);
  c->approval_code = r.Str(kStringMax);
}

void Put(WireWriter& w, const CardAdvice& c) {
  w.Str(c.acquirer);
  w.U16(c.mti);
  Put(w, c.card);
  Put(w, c.trace);
  Put(w, c.amount);
  w.I64(c.actual_minor);
  w.Str(c.approval_code);
  w.U16(c.original_mti);
  w.Str(c.original_stan);
  w.Str(c.original_transmission_time);
  w.Str(c.original_acquirer_institution);
}
void Get(WireReader& r, CardAdvice* c) {
  c->acquirer = r.Str(kStringMax);
  c->mti = r.U16();
  Get(r, &c->card);
  Get(r, &c->trace);
  c->amount = GetMoney(r);
  c->actual_minor = r.I64();
  c->approval_code = r.Str(kStringMax);
  c->original_mti = r.U16();
  c->original_stan = r.Str(kStringMax);
  c->original_transmission_time = r.Str(kStringMax);
  c->original_acquirer_institution = r.Str(kStringMax);
}

void Put(WireWriter& w, const CloseWindow& c) { w.U64(c.window); }
void Get(WireReader& r, CloseWindow* c) { c->window = r.U64(); }

void Put(WireWriter& w, const SettleWindow& c) {
  w.U64(c.window);
  w.U32(static_cast<uint32_t>(c.entries.size()));
  for (const SettlementEntryUpdate& e : c.entries) {
    w.Str(e.participant);
    w.Str(e.currency);
    w.Bool(e.settled);
    w.Str(e.reference);
  }
  w.Bool(c.all);
  w.Bool(c.all_settled);
  w.Str(c.all_reference);
}
void Get(WireReader& r, SettleWindow* c) {
  c->window = r.U64();
  for (uint32_t n = r.Count(4); n > 0; --n) {
    SettlementEntryUpdate e;
    e.participant = r.Str(kStringMax);
    e.currency = r.Str(kStringMax);
    e.settled = r.Bool();
    e.reference = r.Str(kStringMax);
    c->entries.push_back(std::move(e));
  }
  c->all = r.Bool();
  c->all_settled = r.Bool();
  c->all_reference = r.Str(kStringMax);
}

void Put(WireWriter& w, const CardForwardAck& c) {
  w.Str(c.issuer);
  w.U32(static_cast<uint32_t>(c.seqs.size()));
  for (uint64_t s : c.seqs) w.U64(s);
}
void Get(WireReader& r, CardForwardAck* c) {
  c->issuer = r.Str(kStringMax);
  for (uint32_t n = r.Count(8); n > 0; --n) c->seqs.push_back(r.U64());
}

void Put(WireWriter& w, const CardUnmatchedAnswer& c) {
  w.Str(c.issuer);
  w.U16(c.mti);
  w.Str(c.stan);
  w.Str(c.transmission_time);
  w.Str(c.response_code);
  w.Str(c.approval_code);
  Put(w, c.amount);
  Put(w, c.billing);
  w.Str(c.conversion_rate);
  w.Str(c.acquirer_institution);
  w.Str(c.rrn);
  w.Str(c.terminal);
}
void Get(WireReader& r, CardUnmatchedAnswer* c) {
  c->issuer = r.Str(kStringMax);
  c->mti = r.U16();
  c->stan = r.Str(kStringMax);
  c->transmission_time = r.Str(kStringMax);
  c->response_code = r.Str(kStringMax);
  c->approval_code = r.Str(kStringMax);
  c->amount = GetMoney(r);
  c->billing = GetMoney(r);
  c->conversion_rate = r.Str(kStringMax);
  c->acquirer_institution = r.Str(kStringMax);
  c->rrn = r.Str(kStringMax);
  c->terminal = r.Str(kStringMax);
}

// The variant's alternatives in CommandKind order (kind = index + 1).
static_assert(std::variant_size_v<Command> == 24);

template <size_t I = 0>
bool DecodeAlternative(size_t index, WireReader& r, Command* command) {
  if constexpr (I < std::variant_size_v<Command>) {
    if (index == I) {
      std::variant_alternative_t<I, Command> value;
      Get(r, &value);
      *command = std::move(value);
      return true;
    }
    return DecodeAlternative<I + 1>(index, r, command);
  }
  return false;
}

}  // namespace

void EncodeRegistration(WireWriter& w, const CreateParticipant& c) {
  w.Str(c.id);
  w.Str(c.name);
  w.Str(c.domain);
  w.U8(c.roles);
  w.Str(c.callback_url);
  w.Str(c.token_sha256);
  w.U32(static_cast<uint32_t>(c.net_debit_caps.size()));
  for (const Money& m : c.net_debit_caps) Put(w, m);
}

void DecodeRegistration(WireReader& r, CreateParticipant* c) {
  c->id = r.Str(kStringMax);
  c->name = r.Str(kStringMax);
  c->domain = r.Str(kStringMax);
  c->roles = r.U8();
  c->callback_url = r.Str(kStringMax);
  c->token_sha256 = r.Str(kStringMax);
  for (uint32_t n = r.Count(12); n > 0; --n) c->net_debit_caps.push_back(GetMoney(r));
}

const DomainSettings* Configure::DomainOfCurrency(std::string_view currency) const {
  for (const DomainSettings& d : domains) {
    if (d.currency == currency) return &d;
  }
  return nullptr;
}

const DomainSettings* Configure::DomainNamed(std::string_view code) const {
  for (const DomainSettings& d : domains) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

bool Configure::PairAllowed(std::string_view source, std::string_view target) const {
  for (const FxPair& p : pairs) {
    if (p.source == source && p.target == target) return true;
  }
  return false;
}

CommandKind KindOf(const Command& command) {
  return static_cast<CommandKind>(command.index() + 1);
}

const char* KindName(CommandKind kind) {
  switch (kind) {
    case CommandKind::configure: return "configure";
    case CommandKind::create_participant: return "create_participant";
    case CommandKind::liquidity: return "liquidity";
    case CommandKind::set_net_debit_cap: return "set_net_debit_cap";
    case CommandKind::rotate_token: return "rotate_token";
    case CommandKind::set_suspended: return "set_suspended";
    case CommandKind::publish_rates: return "publish_rates";
    case CommandKind::request_quote: return "request_quote";
    case CommandKind::acknowledge_messages: return "acknowledge_messages";
    case CommandKind::register_alias:
      return "register_alias";
    case CommandKind::delete_alias:
      return "delete_alias";
    case CommandKind::submit_payment:
      return "submit_payment";
    case CommandKind::payee_answer:
      return "payee_answer";
    case CommandKind::return_payment:
      return "return_payment";
    case CommandKind::recall_payment:
      return "recall_payment";
    case CommandKind::recall_answer:
      return "recall_answer";
    case CommandKind::set_card_settings: return "set_card_settings";
    case CommandKind::card_request: return "card_request";
    case CommandKind::card_issuer_answer: return "card_issuer_answer";
    case CommandKind::card_advice: return "card_advice";
    case CommandKind::card_forward_ack: return "card_forward_ack";
    case CommandKind::close_window: return "close_window";
    case CommandKind::settle_window: return "settle_window";
    case CommandKind::card_unmatched_answer: return "card_unmatched_answer";
  }
  return "unknown";
}

std::vector<std::byte> EncodeCommand(const Command& command) {
  std::vector<std::byte> out;
  EncodeCommand(command, &out);
  return out;
}

void EncodeCommand(const Command& command, std::vector<std::byte>* out) {
  // One buffer, sized for the hot commands (a card request is about 400 bytes; under 1 KiB,
  // which glibc serves without consolidating its fast bins): growing from empty, then copying
  // into a second writer, was a dozen allocations per command.
  WireWriter w(std::move(*out));
  w.Reserve(768);
  w.U16(static_cast<uint16_t>(KindOf(command)));
  w.U16(kCommandVersion);
  w.U32(0);  // the payload's size, patched below
  const size_t start = w.size();
  std::visit([&w](const auto& c) { Put(w, c); }, command);
  w.PatchU32(4, static_cast<uint32_t>(w.size() - start));
  w.PadTo(8);
  *out = w.Take();
}

Status DecodeCommand(std::span<const std::byte> body, Command* command) {
  WireReader header(body);
  const uint16_t kind = header.U16();
  const uint16_t version = header.U16();
  const uint32_t size = header.U32();
  if (!header.ok()) return Status::Error("command body shorter than its header");
  if (kind == 0 || kind > std::variant_size_v<Command>) {
    return Status::Error("unknown command kind " + std::to_string(kind) +
                         " (written by a newer binary?)");
  }
  const char* name = KindName(static_cast<CommandKind>(kind));
  if (version != kCommandVersion) {
    return Status::Error(std::string("command ") + name + " has version " +
                         std::to_string(version) + ", this binary knows " +
                         std::to_string(kCommandVersion) + " (written by a newer binary?)");
  }
  if (size > header.Rest().size()) {
    return Status::Error(std::string("command ") + name + ": payload size past the body");
  }
  WireReader r(header.Rest().first(size));
  DecodeAlternative(kind - 1, r, command);
  if (!r.ok() || !r.Rest().empty()) {
    return Status::Error(std::string("command ") + name + ": malformed payload");
  }
  WireReader tail(header.Rest().subspan(size));
  if (!tail.AtPaddedEnd(8)) return Status::Error(std::string("command ") + name + ": bad padding");
  return Status::Ok();
}

}  // namespace corridor::hub
