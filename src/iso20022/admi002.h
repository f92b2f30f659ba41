// admi.002.001.01 (MessageReject): the hub's answer to a message it could not read at all
// (malformed XML, a DOCTYPE, schema-invalid, another message type or version, past a bound),
// sent with HTTP 400 and never journaled. Domain values in, a UTF-8 XML document out, built
// with libxml2's tree API. A pure function: any thread may call it.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace corridor::iso20022 {

// The XSD's target namespace, on <Document>.
inline constexpr char kAdmi002Namespace[] = "urn:iso:std:iso:20022:tech:xsd:admi.002.001.01";

// RltdRef/Ref when the rejected message's MsgId could not be read.
inline constexpr char kNoReference[] = "NONREF";

// Rsn/RjctgPtyRsn: the XSD takes any text of 1..35 characters (no code list exists for
// admi.002); these are the hub's reasons, the only ones it sends.
inline constexpr char kRejectMalformed[] = "MALFORMED";       // not well-formed XML, not UTF-8
inline constexpr char kRejectDoctype[] = "DOCTYPE";           // a DTD or entity declaration
inline constexpr char kRejectMessageType[] = "MESSAGE_TYPE";  // another namespace or version
inline constexpr char kRejectSchema[] = "SCHEMA";             // invalid against the XSD
inline constexpr char kRejectBound[] = "BOUND";               // past a size or depth bound

struct Admi002 {
  std::string related_reference = kNoReference;  // RltdRef/Ref, 1..35: the rejected MsgId
  std::string reason;                            // Rsn/RjctgPtyRsn, 1..35: kReject*
  uint64_t created_at_ns = 0;  // Rsn/RjctnDtTm (ns since the Unix epoch, UTC): the only
                               // time admi.002 carries
  std::string error_location;  // Rsn/ErrLctn, 0..350 ("line 3"); empty leaves it out
  std::string description;     // Rsn/RsnDesc, 1..350 ("DOCTYPE refused")
};

// Builds the document into *xml (UTF-8 with an XML declaration, indented). Returns an error
// naming the first field past its limit above and leaves *xml unchanged then. Never throws.
Status BuildAdmi002(const Admi002& in, std::string* xml);

}  // namespace corridor::iso20022
