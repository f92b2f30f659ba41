// What the investigation messages (camt.056 recalls, camt.029 resolutions) share: the case
// assignment (Assgnmt: who sends, to whom, when, under which id) and a case (Case5: its id and
// creator), each as the agents' BICs. Built with XmlBuilder, read with xml_reader's helpers,
// errors naming the path. Pure functions: any thread.
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <string>

#include "base/status.h"
#include "iso20022/xml.h"

namespace corridor::iso20022 {

struct CaseAssignment {
  std::string message_id;      // Assgnmt/Id, 1..35
  std::string assigner_bic;    // Assgnmt/Assgnr/Agt/FinInstnId/BICFI: the sender
  std::string assignee_bic;    // Assgnmt/Assgne/Agt/FinInstnId/BICFI: the receiver
  uint64_t created_at_ns = 0;  // Assgnmt/CreDtTm
  bool operator==(const CaseAssignment&) const = default;
};

Status CheckCaseAssignment(const CaseAssignment& in);
void AddCaseAssignment(XmlBuilder& b, xmlNode* parent, const CaseAssignment& in);
// Reads parent/Assgnmt: Id 1..35, Assgnr/Agt and Assgne/Agt with a BICFI, CreDtTm with a zone.
Status ReadCaseAssignment(const xmlNode* parent, CaseAssignment* out);

// <name><Id>id</Id><Cretr><Agt><FinInstnId><BICFI>creator</BICFI>...</name> (Case5).
void AddCase(XmlBuilder& b, xmlNode* parent, const char* name, const std::string& id,
             const std::string& creator_bic);
// Reads parent/name as AddCase writes it: Id 1..35, Cretr/Agt with a BICFI.
Status ReadCase(const xmlNode* parent, std::string_view name, std::string* id,
                std::string* creator_bic);

}  // namespace corridor::iso20022
