// camt.029.001.09 (ResolutionOfInvestigation) answering a recall (camt.056) for one
// transaction: the payee's bank accepts it (it then returns the payment with a pacs.004) or
// rejects it with a reason, and the hub forwards the answer to the payer's bank; the hub also
// answers a camt.056 it forwarded (pending) or refused (rejected) with one. BuildCamt029 and
// ReadCamt029, in the manner of pacs002.h. Pure functions: any thread, several at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/case.h"
#include "iso20022/fields.h"
#include "iso20022/xml_reader.h"

namespace corridor::iso20022 {

inline constexpr char kCamt029Namespace[] = "urn:iso:std:iso:20022:tech:xsd:camt.029.001.09";

// Sts/Conf (ExternalInvestigationExecutionConfirmation1Code) and TxCxlSts.
enum class CancellationStatus {
  kAccepted,  // Conf CNCL "cancelled as per request", TxCxlSts ACCR
  kRejected,  // Conf RJCR "rejected cancellation request", TxCxlSts RJCR, with a reason
  kPending,   // Conf PDCR "pending cancellation request", TxCxlSts PDCR
};

struct Camt029 {
  CaseAssignment assignment;     // Assgnmt: the message's id, sender, receiver, time
  std::string case_id;           // RslvdCase/Id, 1..35: the recall's CxlId
  std::string case_creator_bic;  // RslvdCase/Cretr/Agt: the payer's bank
  CancellationStatus status = CancellationStatus::kPending;
  // CxlDtls/TxInfAndSts: the payment recalled.
  std::string original_message_id;  // OrgnlGrpInf/OrgnlMsgId, 1..35: the pacs.008's
  std::string original_message_name_id = "pacs.008.001.08";  // OrgnlMsgNmId
  std::string original_end_to_end_id;                        // OrgnlEndToEndId, 1..35
  std::string original_uetr;                                 // OrgnlUETR: IsUetr
  // CxlStsRsnInf/Rsn/Cd: with kRejected only, and required then; 4 capitals or digits (ISO's
  // ExternalPaymentCancellationRejection1Code: ARDT, LEGL, CUST, NOAS, ...; the hub's own
  // refusals use status reason codes: AG09, FF12, TM01, AM05).
  std::string reason_code;
  std::string additional_info;  // CxlStsRsnInf/AddtlInf, 0..105
  bool operator==(const Camt029&) const = default;
};

Status BuildCamt029(const Camt029& in, std::string* xml);

inline constexpr XmlReadLimits kCamt029Limits{.max_bytes = 64 << 10, .max_depth = 32};

// Reads a camt.029.001.09 within kCamt029Limits: everything ReadXmlDocument refuses, then the
// hub's profile, errors naming the path (no reason codes: the gateway answers 400 to anything
// refused). Assgnmt (Id, Assgnr/Agt, Assgne/Agt, CreDtTm), RslvdCase (Id, Cretr/Agt), Sts/Conf
// CNCL, RJCR or PDCR; exactly one CxlDtls with exactly one TxInfAndSts: OrgnlGrpInf/OrgnlMsgId
// and OrgnlMsgNmId, OrgnlEndToEndId, OrgnlUETR, TxCxlSts matching Conf (ACCR, RJCR, PDCR), at
// most one CxlStsRsnInf whose Rsn/Cd goes with RJCR only (required then), AddtlInf 0..105.
Status ReadCamt029(std::string_view xml, Camt029* out);

}  // namespace corridor::iso20022
