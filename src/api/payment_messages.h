// The participant listener's translation between ISO 20022 payment messages and the hub's
// commands and outcomes, in domain values: shared by the gateway (participant_api.cpp) and the
// golden message tests (payment_golden_test.cpp), so that both see the same mapping.
//
// Thread: any (pure functions).
#pragma once

#include <cstdint>
#include <string>

#include "hub/commands.h"
#include "hub/module.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"

namespace corridor::api {

// A read pacs.008 as the command the state machine applies; `reason`: a rule the reader found
// broken (the payment is then stored refused with it). The debtor agent is the message's, to be
// checked against the caller.
hub::SubmitPayment SubmitPaymentOf(const iso20022::Pacs008& m, const std::string& reason,
                                   uint32_t answer_within_seconds);

// The hub's pacs.002 answer to a payer's pacs.008: ACTC, or RJCT with its reason, or the stored
// status of a repeat. Its MsgId follows from the payment and the status, so a repeat gets the
// same one.
iso20022::Pacs002 AnswerToPayer(const hub::SubmitPayment& c, const hub::Outcome& outcome,
                                const std::string& hub_bic, uint64_t created_at_ns);

// A payee bank's pacs.002 as its answer; false when the status is not an answer (ACSP or ACSC
// accept, RJCT rejects).
bool PayeeAnswerOf(const iso20022::Pacs002& m, hub::PayeeAnswer* answer);

}  // namespace corridor::api
