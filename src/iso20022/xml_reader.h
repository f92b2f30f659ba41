// Reading ISO 20022 documents that participants send: a bounded, safe parse (no network, no
// DTD, no entity, a size and a depth bound, the expected <Document> namespace), then small
// helpers that fetch the one element or text at a path, with errors naming that path. Shared
// by every message reader (acmt.023, pacs.008, pacs.002, pacs.028).
//
// Thread: pure functions over a document the caller owns; any thread may call them, several
// at once on separate documents.
#pragma once

#include <libxml/tree.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/xml.h"

namespace corridor::iso20022 {

// Bounds of one document read. A request of the hub's profile is a few KiB, nested about ten
// deep; the defaults leave room for optional elements and supplementary data.
struct XmlReadLimits {
  size_t max_bytes = 64 << 10;  // refused unread past this
  size_t max_depth = 32;        // <Document> is depth 1
};

// Parses untrusted `xml` into *doc. Refuses, with a Status and nothing printed:
// - more than limits.max_bytes: "65537 bytes, at most 65536";
// - anything not well-formed (libxml2's message with its line, or "empty document");
// - any DOCTYPE, before its declarations are read: "line 2: DOCTYPE refused (no DTDs or
//   entities)" (XXE, external DTDs, "billion laughs"; nothing is fetched or expanded);
// - an element deeper than limits.max_depth: "line 40: element nested 33 deep, at most 32";
// - a root other than <Document> in `document_namespace`: "root element Foo, expected
//   Document", "Document: namespace \"urn:...\", expected \"urn:...\"" (so another message or
//   another version of it is refused here).
// Leaves *doc unchanged on error.
Status ReadXmlDocument(std::string_view xml, std::string_view document_namespace,
                       const XmlReadLimits& limits, XmlDocPtr* doc);

// Where `node` sits below <Document>, for errors: "IdVrfctnReq/Assgnmt/MsgId" ("" for
// <Document> itself).
std::string XmlPath(const xmlNode* node);

// The number of child elements of `parent` named `name` in parent's namespace.
size_t CountChildren(const xmlNode* parent, std::string_view name);

// The one element at `path` below `parent`: each step is the one child element of that local
// name in parent's namespace. Errors name the path from below <Document>:
// "IdVrfctnReq/Assgnmt/Assgnr/Agt: missing", "IdVrfctnReq/Vrfctn: 2 elements, expected 1".
Status Child(const xmlNode* parent, std::initializer_list<std::string_view> path,
             const xmlNode** child);

// The text of the one element at `path` (as Child): an element with no child elements, of
// 1..max_chars characters (CheckText in fields.h, counted as the XSD counts them). Errors
// name the path: "IdVrfctnReq/Vrfctn/Id: 36 characters, at most 35".
Status ChildText(const xmlNode* parent, std::initializer_list<std::string_view> path,
                 size_t max_chars, std::string* text);

// `parent`'s path, then `rest`: "FIToFICstmrCdtTrf/GrpHdr" + "/MsgId".
std::string PathOf(const xmlNode* parent, std::string_view rest);
// The child `name` of `parent` when there is one (null when there is none); two is an error.
Status OptionalChild(const xmlNode* parent, std::string_view name, const xmlNode** child);
// The text of the optional child `name` ("" when absent; 1..max_chars when present).
Status OptionalChildText(const xmlNode* parent, std::string_view name, size_t max_chars,
                         std::string* text);
// <agent><FinInstnId><BICFI>, checked to be a BIC.
Status ReadBic(const xmlNode* parent, std::string_view agent, std::string* bic);

// The exponent (minor-unit digits, 0..kMaxCurrencyExponent) of an ISO 4217 currency the hub
// settles, or nullopt for one it does not.
using CurrencyExponentFn = std::function<std::optional<uint32_t>(std::string_view currency)>;

// <name Ccy="RUB">2750.00</name>, the one child `name` of `parent`: a Ccy of 3 capitals that
// `currency_exponent` knows (else *unknown_currency is set), the text digits with at most the
// currency's exponent of fraction digits, no sign, 1..kMaxAmountMinor minor units. Errors name
// the path; *money is set only on success.
Status ReadCurrencyAmount(const xmlNode* parent, std::string_view name,
                          const CurrencyExponentFn& currency_exponent, Money* money,
                          bool* unknown_currency);

// The GrpHdr of a pacs message below `message` into *m's message_id (MsgId, 1..35),
// created_at_ns (CreDtTm, ParseIsoDateTime: with a zone), instructing_agent_bic and
// instructed_agent_bic (InstgAgt and InstdAgt, each with a BICFI).
template <typename Message>
Status ReadGroupHeader(const xmlNode* message, Message* m) {
  const xmlNode* grp_hdr = nullptr;
  std::string created_at;
  Status st;
  if (!(st = Child(message, {"GrpHdr"}, &grp_hdr)).ok() ||
      !(st = ChildText(grp_hdr, {"MsgId"}, 35, &m->message_id)).ok() ||
      !(st = ChildText(grp_hdr, {"CreDtTm"}, 64, &created_at)).ok()) {
    return st;
  }
  // The path only for an error (a payee's answer is read at the payments' rate).
  if (!ParseIsoDateTime("", created_at, &m->created_at_ns).ok()) {
    return ParseIsoDateTime(PathOf(grp_hdr, "CreDtTm"), created_at, &m->created_at_ns);
  }
  if (!(st = ReadBic(grp_hdr, "InstgAgt", &m->instructing_agent_bic)).ok()) return st;
  return ReadBic(grp_hdr, "InstdAgt", &m->instructed_agent_bic);
}

}  // namespace corridor::iso20022
