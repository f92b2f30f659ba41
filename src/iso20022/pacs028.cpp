#include "iso20022/pacs028.h"

#include <libxml/tree.h>

#include <utility>

#include "iso20022/fields.h"
#include "iso20022/pacs008.h"
#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

// The rules ReadPacs028 checks, on domain values: what the reader accepts the builder builds.
Status CheckPacs028(const Pacs028& in) {
  Status st;
  if (!(st = CheckText("message_id", in.message_id, 35)).ok() ||
      !(st = CheckBic("instructing_agent_bic", in.instructing_agent_bic)).ok() ||
      !(st = CheckBic("instructed_agent_bic", in.instructed_agent_bic)).ok() ||
      !(st = CheckText("original_message_id", in.original_message_id, 35)).ok() ||
      !(st = CheckOptionalText("status_request_id", in.status_request_id, 35)).ok() ||
      !(st = CheckOptionalText("original_instruction_id", in.original_instruction_id, 35)).ok() ||
      !(st = CheckOptionalText("original_end_to_end_id", in.original_end_to_end_id, 35)).ok() ||
      !(st = CheckUetr("original_uetr", in.original_uetr)).ok()) {
    return st;
  }
  if (in.original_message_name_id != kPacs008MessageName) {
    return Status::Error("original_message_name_id: " + in.original_message_name_id +
                         ", expected " + kPacs008MessageName);
  }
  return Status::Ok();
}

// OrgnlGrpInf: the message the request is about, a payment.
Status ReadOriginalGroup(const xmlNode* request, Pacs028* p) {
  const xmlNode* group = nullptr;
  Status st;
  if (!(st = Child(request, {"OrgnlGrpInf"}, &group)).ok() ||
      !(st = ChildText(group, {"OrgnlMsgId"}, 35, &p->original_message_id)).ok() ||
      !(st = ChildText(group, {"OrgnlMsgNmId"}, 35, &p->original_message_name_id)).ok()) {
    return st;
  }
  if (p->original_message_name_id != kPacs008MessageName) {
    return Status::Error(PathOf(group, "OrgnlMsgNmId") + ": " + p->original_message_name_id +
                         ", expected " + kPacs008MessageName + " (status of payments only)");
  }
  return Status::Ok();
}

Status ReadTransaction(const xmlNode* request, Pacs028* p) {
  const xmlNode* tx = nullptr;
  Status st;
  if (!(st = Child(request, {"TxInf"}, &tx)).ok() ||
      !(st = OptionalChildText(tx, "StsReqId", 35, &p->status_request_id)).ok() ||
      !(st = OptionalChildText(tx, "OrgnlInstrId", 35, &p->original_instruction_id)).ok() ||
      !(st = OptionalChildText(tx, "OrgnlEndToEndId", 35, &p->original_end_to_end_id)).ok() ||
      !(st = ChildText(tx, {"OrgnlUETR"}, 36, &p->original_uetr)).ok() ||
      !(st = CheckUetr(PathOf(tx, "OrgnlUETR"), p->original_uetr)).ok()) {
    return st;
  }
  return Status::Ok();
}

void AddAgent(XmlBuilder& b, xmlNode* parent, const char* name, const std::string& bic) {
  b.Text(b.Element(b.Element(parent, name), "FinInstnId"), "BICFI", bic);
}

}  // namespace

Status ReadPacs028(std::string_view xml, Pacs028* out) {
  XmlDocPtr doc;
  Status st = ReadXmlDocument(xml, kPacs028Namespace, kPacs028Limits, &doc);
  if (!st.ok()) return st;
  const xmlNode* request = nullptr;
  Pacs028 p;
  if (!(st = Child(xmlDocGetRootElement(doc.get()), {"FIToFIPmtStsReq"}, &request)).ok() ||
      !(st = ReadGroupHeader(request, &p)).ok() || !(st = ReadOriginalGroup(request, &p)).ok() ||
      !(st = ReadTransaction(request, &p)).ok()) {
    return st;
  }
  // Read what the builder builds, and build what the reader reads.
  if (!(st = CheckPacs028(p)).ok()) return Status::Error("read but not buildable: " + st.message());
  *out = std::move(p);
  return Status::Ok();
}

Status BuildPacs028(const Pacs028& in, std::string* xml) {
  Status st = CheckPacs028(in);
  if (!st.ok()) return st;
  XmlBuilder b(kPacs028Namespace);
  xmlNode* request = b.Element(b.root(), "FIToFIPmtStsReq");
  xmlNode* grp_hdr = b.Element(request, "GrpHdr");
  b.Text(grp_hdr, "MsgId", in.message_id);
  b.Text(grp_hdr, "CreDtTm", FormatIsoDateTime(in.created_at_ns));
  AddAgent(b, grp_hdr, "InstgAgt", in.instructing_agent_bic);
  AddAgent(b, grp_hdr, "InstdAgt", in.instructed_agent_bic);
  xmlNode* group = b.Element(request, "OrgnlGrpInf");
  b.Text(group, "OrgnlMsgId", in.original_message_id);
  b.Text(group, "OrgnlMsgNmId", in.original_message_name_id);
  xmlNode* tx = b.Element(request, "TxInf");
  // The XSD's order: StsReqId, OrgnlGrpInf, OrgnlInstrId, OrgnlEndToEndId, OrgnlTxId, OrgnlUETR.
  if (!in.status_request_id.empty()) b.Text(tx, "StsReqId", in.status_request_id);
  if (!in.original_instruction_id.empty()) b.Text(tx, "OrgnlInstrId", in.original_instruction_id);
  if (!in.original_end_to_end_id.empty()) {
    b.Text(tx, "OrgnlEndToEndId", in.original_end_to_end_id);
  }
  b.Text(tx, "OrgnlUETR", in.original_uetr);
  return b.Finish("pacs.028", xml);
}

}  // namespace corridor::iso20022
