// The admin listener's payment and card search, for the operator's console (issue 18 item 2):
//
//   GET /v1/payments/{uetr}                a payment's whole history: {"payment":{...} (as
//                                          the banks see it: hub_json.h AppendPayment, with
//                                          its messages by type, id and time), "transfers":
//                                          [ledger transfers: its legs with their state, its
//                                          returns' postings, each with "kind", "debit" and
//                                          "credit" as {"participant","currency"}]}; 404
//   GET /v1/payments?end_to_end_id=X       {"payments":[{"uetr","end_to_end_id","status",
//                                          "debtor_agent","creditor_agent"}]} (at most 50;
//                                          a scan of every payment: an operator's search)
//   GET /v1/cards/authorizations?rrn=X     {"authorizations":[{"id","mti","rrn","stan",
//   GET /v1/cards/authorizations?stan=Y     "terminal","acquirer","issuer","status",
//                                          "response_code","approval_code","at","stand_in",
//                                          "amount","billing","transfers":[...]}]} by the
//                                          acquirer's field 37 or 11, newest first, at most 50
//                                          (a scan of the newest million)
//
// Never card data: no PAN, BIN, last digits or PAN hash (payments carry none).
//
// Thread: the apply thread reads the hub; an I/O thread renders.
#pragma once

#include <string>
#include <string_view>

#include "core/core.h"
#include "hub/commands.h"
#include "server/http_server.h"

namespace corridor::api {

// Answers the request when it is one of the routes above (true); false leaves it to others.
bool HandlePaymentSearch(core::Core* core, const hub::Configure* settings,
                         server::Request& request, server::Respond& respond);

// The value of `key` in a query string (the part after '?'), %XX-decoded ('+' is a space,
// as forms send it); "" when absent.
std::string QueryValue(std::string_view query, std::string_view key);

}  // namespace corridor::api
