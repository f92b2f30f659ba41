#include "iso20022/case.h"

#include "iso20022/fields.h"
#include "iso20022/xml_reader.h"

namespace corridor::iso20022 {
namespace {

// <name><Agt><FinInstnId><BICFI>bic</BICFI></FinInstnId></Agt></name> (Party40Choice).
void AddPartyAgent(XmlBuilder& b, xmlNode* parent, const char* name, const std::string& bic) {
  b.Text(b.Element(b.Element(b.Element(parent, name), "Agt"), "FinInstnId"), "BICFI", bic);
}

Status ReadPartyAgent(const xmlNode* parent, std::string_view name, std::string* bic) {
  const xmlNode* party = nullptr;
  Status st = Child(parent, {name}, &party);
  return st.ok() ? ReadBic(party, "Agt", bic) : st;
}

}  // namespace

Status CheckCaseAssignment(const CaseAssignment& in) {
  Status st = CheckText("assignment.message_id", in.message_id, 35);
  if (st.ok()) st = CheckBic("assignment.assigner_bic", in.assigner_bic);
  if (st.ok()) st = CheckBic("assignment.assignee_bic", in.assignee_bic);
  return st;
}

void AddCaseAssignment(XmlBuilder& b, xmlNode* parent, const CaseAssignment& in) {
  xmlNode* assignment = b.Element(parent, "Assgnmt");
  b.Text(assignment, "Id", in.message_id);
  AddPartyAgent(b, assignment, "Assgnr", in.assigner_bic);
  AddPartyAgent(b, assignment, "Assgne", in.assignee_bic);
  b.Text(assignment, "CreDtTm", FormatIsoDateTime(in.created_at_ns));
}

Status ReadCaseAssignment(const xmlNode* parent, CaseAssignment* out) {
  const xmlNode* assignment = nullptr;
  std::string created_at;
  Status st;
  if (!(st = Child(parent, {"Assgnmt"}, &assignment)).ok() ||
      !(st = ChildText(assignment, {"Id"}, 35, &out->message_id)).ok() ||
      !(st = ReadPartyAgent(assignment, "Assgnr", &out->assigner_bic)).ok() ||
      !(st = ReadPartyAgent(assignment, "Assgne", &out->assignee_bic)).ok() ||
      !(st = ChildText(assignment, {"CreDtTm"}, 64, &created_at)).ok()) {
    return st;
  }
  return ParseIsoDateTime(PathOf(assignment, "CreDtTm"), created_at, &out->created_at_ns);
}

void AddCase(XmlBuilder& b, xmlNode* parent, const char* name, const std::string& id,
             const std::string& creator_bic) {
  xmlNode* node = b.Element(parent, name);
  b.Text(node, "Id", id);
  AddPartyAgent(b, node, "Cretr", creator_bic);
}

Status ReadCase(const xmlNode* parent, std::string_view name, std::string* id,
                std::string* creator_bic) {
  const xmlNode* node = nullptr;
  Status st = Child(parent, {name}, &node);
  if (st.ok()) st = ChildText(node, {"Id"}, 35, id);
  return st.ok() ? ReadPartyAgent(node, "Cretr", creator_bic) : st;
}

}  // namespace corridor::iso20022
