#include "iso20022/xml_schema.h"

#include <libxml/xmlschemas.h>

#include "iso20022/xml.h"

namespace corridor::iso20022 {

XmlSchema::~XmlSchema() { xmlSchemaFree(schema_); }

Status XmlSchema::Load(const std::string& xsd_path, std::unique_ptr<XmlSchema>* schema) {
  InitXml();
  XmlErrorLog log;
  XmlErrorCapture capture(&log);
  xmlSchemaParserCtxt* ctxt = xmlSchemaNewParserCtxt(xsd_path.c_str());
  if (!ctxt) return Status::Error(xsd_path + ": out of memory");
  xmlSchemaSetParserStructuredErrors(ctxt, CollectXmlError, &log);
  xmlSchema* parsed = xmlSchemaParse(ctxt);
  xmlSchemaFreeParserCtxt(ctxt);
  if (!parsed) {
    return Status::Error(xsd_path + ": " + (log.count() ? log.Summary() : "cannot load schema"));
  }
  schema->reset(new XmlSchema(parsed));
  return Status::Ok();
}

Status XmlSchema::Validate(std::string_view xml) const {
  if (xml.size() > kMaxDocumentBytes) {
    return Status::Error(std::to_string(xml.size()) + " bytes, at most " +
                         std::to_string(kMaxDocumentBytes));
  }
  InitXml();
  XmlErrorLog log;
  XmlErrorCapture capture(&log);
  XmlDocPtr doc = ParseUntrustedXml(xml, /*max_depth=*/0, &log);
  if (!doc) return Status::Error(log.Summary());
  xmlSchemaValidCtxt* ctxt = xmlSchemaNewValidCtxt(schema_);
  if (!ctxt) return Status::Error("out of memory");
  xmlSchemaSetValidStructuredErrors(ctxt, CollectXmlError, &log);
  const int rc = xmlSchemaValidateDoc(ctxt, doc.get());
  xmlSchemaFreeValidCtxt(ctxt);
  if (rc == 0) return Status::Ok();
  return Status::Error(log.count() ? log.Summary()
                                   : "invalid (libxml2 code " + std::to_string(rc) + ")");
}

}  // namespace corridor::iso20022
