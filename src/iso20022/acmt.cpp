#include "iso20022/acmt.h"

#include <libxml/tree.h>

#include <utility>
#include <vector>

#include "iso20022/fields.h"
#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

// E.164: "+", then 1..15 digits with no leading 0 (a country code never starts with 0).
bool IsE164(std::string_view number) {
  if (number.size() < 2 || number.size() > 16 || number[0] != '+' || number[1] == '0') {
    return false;
  }
  for (char c : number.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The BICFI of an agent: Assgnr or Assgne as Agt/FinInstnId/BICFI.
Status ReadAgentBic(const xmlNode* assgnmt, std::string_view role, std::string* bic) {
  std::string value;
  Status st = ChildText(assgnmt, {role, "Agt", "FinInstnId", "BICFI"}, 11, &value);
  if (!st.ok()) return st;
  const std::string path = XmlPath(assgnmt) + "/" + std::string(role) + "/Agt/FinInstnId/BICFI";
  if (!(st = CheckBic(path, value)).ok()) return st;
  *bic = std::move(value);
  return Status::Ok();
}

Status ReadAssignment(const xmlNode* request, Acmt023* a) {
  const xmlNode* assgnmt = nullptr;
  Status st;
  if (!(st = Child(request, {"Assgnmt"}, &assgnmt)).ok() ||
      !(st = ChildText(assgnmt, {"MsgId"}, 35, &a->message_id)).ok() ||
      !(st = ChildText(assgnmt, {"CreDtTm"}, 64, &a->created_at)).ok() ||
      !(st = CheckIsoDateTime(XmlPath(assgnmt) + "/CreDtTm", a->created_at)).ok() ||
      !(st = ReadAgentBic(assgnmt, "Assgnr", &a->assigner_bic)).ok() ||
      !(st = ReadAgentBic(assgnmt, "Assgne", &a->assignee_bic)).ok()) {
    return st;
  }
  return Status::Ok();
}

// The one Vrfctn: its Id and its telephone-number proxy.
Status ReadVerification(const xmlNode* request, Acmt023* a) {
  const xmlNode* vrfctn = nullptr;
  const xmlNode* prxy = nullptr;
  Status st;
  if (!(st = Child(request, {"Vrfctn"}, &vrfctn)).ok() ||
      !(st = ChildText(vrfctn, {"Id"}, 35, &a->verification_id)).ok() ||
      !(st = Child(vrfctn, {"PtyAndAcctId", "Acct", "Prxy"}, &prxy)).ok() ||
      !(st = ChildText(prxy, {"Tp", "Cd"}, 4, &a->proxy_type)).ok()) {
    return st;
  }
  if (a->proxy_type != kProxyTypeTelephone) {
    return Status::Error(XmlPath(prxy) + "/Tp/Cd: " + a->proxy_type + ", expected " +
                         kProxyTypeTelephone);
  }
  if (!(st = ChildText(prxy, {"Id"}, 2048, &a->proxy_id)).ok()) return st;
  if (!IsE164(a->proxy_id)) {
    return Status::Error(XmlPath(prxy) + "/Id: not an E.164 number (+ and 1..15 digits)");
  }
  return Status::Ok();
}

bool IsReasonCode(std::string_view code) {
  if (code.empty() || code.size() > 4) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// The fields of a verified answer, or their absence from a refusal.
Status CheckOutcome(const Acmt024& r) {
  const std::pair<const char*, const std::string*> found[] = {
      {"masked_name", &r.masked_name},
      {"account_id", &r.account_id},
      {"account_currency", &r.account_currency},
      {"agent_bic", &r.agent_bic}};
  if (!r.verified) {
    if (!IsReasonCode(r.reason_code)) {
      return Status::Error(r.reason_code.empty()
                               ? "reason_code: required when not verified"
                               : "reason_code: not an ExternalVerificationReason1Code (1..4 "
                                 "capitals or digits)");
    }
    for (const auto& [field, value] : found) {
      if (!value->empty()) return Status::Error(std::string(field) + ": set when not verified");
    }
    return Status::Ok();
  }
  if (!r.reason_code.empty()) return Status::Error("reason_code: set when verified");
  Status st;
  if (!(st = CheckText("masked_name", r.masked_name, 140)).ok() ||
      !(st = CheckText("account_id", r.account_id, 34)).ok() ||
      !(st = CheckCurrency("account_currency", r.account_currency)).ok() ||
      !(st = CheckBic("agent_bic", r.agent_bic)).ok()) {
    return st;
  }
  return Status::Ok();
}

Status CheckReport(const Acmt024& r) {
  Status st;
  if (!(st = CheckText("message_id", r.message_id, 35)).ok() ||
      !(st = CheckBic("assigner_bic", r.assigner_bic)).ok() ||
      !(st = CheckBic("assignee_bic", r.assignee_bic)).ok() ||
      !(st = CheckText("original_message_id", r.original_message_id, 35)).ok() ||
      !(st = CheckText("original_verification_id", r.original_verification_id, 35)).ok()) {
    return st;
  }
  return CheckOutcome(r);
}

// <Tag><Agt><FinInstnId><BICFI>bic</BICFI></FinInstnId></Agt></Tag>, or without the Tag.
void AddAgent(XmlBuilder& b, xmlNode* parent, const char* tag, const std::string& bic) {
  xmlNode* agt = tag ? b.Element(b.Element(parent, tag), "Agt") : b.Element(parent, "Agt");
  b.Text(b.Element(agt, "FinInstnId"), "BICFI", bic);
}

void AddReport(XmlBuilder& b, xmlNode* report, const Acmt024& r) {
  xmlNode* rpt = b.Element(report, "Rpt");
  b.Text(rpt, "OrgnlId", r.original_verification_id);
  b.Text(rpt, "Vrfctn", r.verified ? "true" : "false");
  if (!r.verified) {
    b.Text(b.Element(rpt, "Rsn"), "Cd", r.reason_code);
    return;
  }
  xmlNode* updated = b.Element(rpt, "UpdtdPtyAndAcctId");
  b.Text(b.Element(updated, "Pty"), "Nm", r.masked_name);
  xmlNode* acct = b.Element(updated, "Acct");
  b.Text(b.Element(b.Element(acct, "Id"), "Othr"), "Id", r.account_id);
  b.Text(acct, "Ccy", r.account_currency);
  AddAgent(b, updated, nullptr, r.agent_bic);
}

// UTF-8 and name helpers of MaskName.
bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length of the blank at text[at], 0 when there is none: ASCII white space or U+00A0.
size_t BlankAt(std::string_view text, size_t at) {
  const char c = text[at];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return 1;
  return text.substr(at, 2) == "\xC2\xA0" ? 2 : 0;
}

// The first letter of `word`: its first UTF-8 sequence and the combining marks
// (U+0300..U+036F, encoded CC 80..CD AF) that follow it.
std::string_view FirstLetter(std::string_view word) {
  size_t end = 1;
  while (end < word.size() && IsContinuation(static_cast<unsigned char>(word[end]))) ++end;
  while (end + 1 < word.size() &&
         (word[end] == '\xCC' ||
          (word[end] == '\xCD' && static_cast<unsigned char>(word[end + 1]) <= 0xAF))) {
    end += 2;
  }
  return word.substr(0, end);
}

}  // namespace

Status ReadAcmt023(std::string_view xml, Acmt023* out) {
  XmlDocPtr doc;
  Status st = ReadXmlDocument(xml, kAcmt023Namespace, kAcmt023Limits, &doc);
  if (!st.ok()) return st;
  const xmlNode* request = nullptr;
  Acmt023 a;
  if (!(st = Child(xmlDocGetRootElement(doc.get()), {"IdVrfctnReq"}, &request)).ok() ||
      !(st = ReadAssignment(request, &a)).ok() || !(st = ReadVerification(request, &a)).ok()) {
    return st;
  }
  *out = std::move(a);
  return Status::Ok();
}

Status BuildAcmt024(const Acmt024& in, std::string* xml) {
  Status st = CheckReport(in);
  if (!st.ok()) return st;
  XmlBuilder b(kAcmt024Namespace);
  xmlNode* report = b.Element(b.root(), "IdVrfctnRpt");
  xmlNode* assgnmt = b.Element(report, "Assgnmt");
  b.Text(assgnmt, "MsgId", in.message_id);
  b.Text(assgnmt, "CreDtTm", FormatIsoDateTime(in.created_at_ns));
  AddAgent(b, assgnmt, "Assgnr", in.assigner_bic);
  AddAgent(b, assgnmt, "Assgne", in.assignee_bic);
  b.Text(b.Element(report, "OrgnlAssgnmt"), "MsgId", in.original_message_id);
  AddReport(b, report, in);
  return b.Finish("acmt.024", xml);
}

std::string MaskName(std::string_view full_name) {
  std::vector<std::string_view> words;
  size_t at = 0;
  while (at < full_name.size()) {
    if (const size_t blank = BlankAt(full_name, at); blank > 0) {
      at += blank;
      continue;
    }
    const size_t start = at;
    while (at < full_name.size() && BlankAt(full_name, at) == 0) ++at;
    words.push_back(full_name.substr(start, at - start));
  }
  std::string masked;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) masked += ' ';
    if (i + 1 < words.size() || words.size() == 1) {
      masked += words[i];
    } else {
      masked += FirstLetter(words[i]);
      masked += '.';
    }
  }
  return masked;
}

}  // namespace corridor::iso20022
