// Tests of the proxy lookup messages: the acmt.023 reader (the golden request, every refusal
// naming what is wrong, the attacks on XML parsers refused without fetching anything, the
// size and depth bounds at their edges), the acmt.024 builder (golden files byte for byte,
// valid against ISO's XSD whether verified or not, fields checked by name) and MaskName.
#include "iso20022/acmt.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "iso20022/testing.h"
#include "iso20022/xml_schema.h"

namespace corridor::iso20022 {
namespace {

using namespace corridor::iso20022::testing;  // NOLINT(build/namespaces): shared test helpers


const XmlSchema& Acmt023Schema() { return Schema("acmt.023.001.03"); }

const XmlSchema& Acmt024Schema() { return Schema("acmt.024.001.03"); }

const std::string& Request() {
  static const std::string xml = ReadFile(kTestdata + "acmt023_lookup.xml");
  return xml;
}

// Reads `xml`, which must be refused; returns the error. *out must stay untouched.
std::string Refusal(const std::string& xml) {
  Acmt023 out;
  out.message_id = "untouched";
  const Status st = ReadAcmt023(xml, &out);
  EXPECT_FALSE(st.ok()) << xml;
  EXPECT_EQ(out.message_id, "untouched");
  EXPECT_TRUE(out.proxy_id.empty());
  return st.message();
}

// --- acmt.023 -----------------------------------------------------------------------------

TEST(Acmt023Test, TheGoldenRequestIsValidAndReadsIntoDomainValues) {
  const Status valid = Acmt023Schema().Validate(Request());
  ASSERT_TRUE(valid.ok()) << valid.message();
  Acmt023 a;
  const Status st = ReadAcmt023(Request(), &a);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(a.message_id, "SABRRUMM-A023-20261201-000017");
  EXPECT_EQ(a.created_at, "2026-12-01T07:30:00.123+03:00");
  EXPECT_EQ(a.assigner_bic, "SABRRUMM");
  EXPECT_EQ(a.assignee_bic, "CRDRRUMMXXX");
  EXPECT_EQ(a.verification_id, "VRFCTN-20261201-000017");
  EXPECT_EQ(a.proxy_type, "TELE");
  EXPECT_EQ(a.proxy_id, "+375291234567");
}

TEST(Acmt023Test, OptionalElementsTheHubDoesNotReadAreAccepted) {
  // Cretr and FrstAgt before Assgnr, a Pty beside the Acct, supplementary data: valid, read.
  std::string xml = Replace(Request(), "      <Assgnr>",
                            "      <Cretr><Pty><Nm>Ivan</Nm></Pty></Cretr>\n"
                            "      <FrstAgt><FinInstnId><BICFI>SABRRUMM</BICFI></FinInstnId>"
                            "</FrstAgt>\n      <Assgnr>");
  xml = Replace(xml, "        <Acct>", "        <Pty><Nm>?</Nm></Pty>\n        <Acct>");
  xml = Replace(xml, "  </IdVrfctnReq>",
                "    <SplmtryData><Envlp><x:Any xmlns:x=\"urn:x\">1</x:Any></Envlp></SplmtryData>\n"
                "  </IdVrfctnReq>");
  EXPECT_TRUE(Acmt023Schema().Validate(xml).ok()) << Acmt023Schema().Validate(xml).message();
  Acmt023 a;
  const Status st = ReadAcmt023(xml, &a);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(a.proxy_id, "+375291234567");
}

TEST(Acmt023Test, TextIsReadAsTextWhateverItsForm) {
  // Character references, predefined entities and CDATA are text; no markup comes through.
  Acmt023 a;
  std::string xml = Replace(Request(), "<MsgId>SABRRUMM-A023-20261201-000017</MsgId>",
                            "<MsgId>&#x41;&lt;B&gt;&amp;<![CDATA[<C/>]]></MsgId>");
  ASSERT_TRUE(ReadAcmt023(xml, &a).ok());
  EXPECT_EQ(a.message_id, "A<B>&<C/>");
  // Two Cyrillic letters of two bytes each: characters are counted, not bytes.
  std::string id;
  for (int i = 0; i < 35; ++i) id += "\xD0\x96";
  xml = Replace(Request(), "VRFCTN-20261201-000017", id);
  ASSERT_TRUE(ReadAcmt023(xml, &a).ok());
  EXPECT_EQ(a.verification_id, id);
}

TEST(Acmt023Test, ProfileRefusalsNameThePath) {
  const std::string& ok = Request();
  const size_t v_begin = ok.find("    <Vrfctn>");
  const size_t v_end = ok.find("  </IdVrfctnReq>");
  const std::string vrfctn = ok.substr(v_begin, v_end - v_begin);
  const std::string prxy = "IdVrfctnReq/Vrfctn/PtyAndAcctId/Acct/Prxy";
  const std::string bicfi = "IdVrfctnReq/Assgnmt/Assgnr/Agt/FinInstnId/BICFI";
  const std::string msg_id = "<MsgId>SABRRUMM-A023-20261201-000017</MsgId>";
  const struct {
    std::string xml;
    std::string error;
  } cases[] = {
      {std::string(ok).insert(v_end, vrfctn), "IdVrfctnReq/Vrfctn: 2 elements, expected 1"},
      {std::string(ok).erase(v_begin, v_end - v_begin), "IdVrfctnReq/Vrfctn: missing"},
      {Replace(ok, "<Cd>TELE</Cd>", "<Cd>EMAL</Cd>"), prxy + "/Tp/Cd: EMAL, expected TELE"},
      {Replace(ok, "<Cd>TELE</Cd>", "<Prtry>TELE</Prtry>"), prxy + "/Tp/Cd: missing"},
      {Replace(ok, "<Cd>TELE</Cd>", "<Cd>TELEX</Cd>"), prxy + "/Tp/Cd: 5 characters, at most 4"},
      {Replace(ok, "+375291234567", "375291234567"),
       prxy + "/Id: not an E.164 number (+ and 1..15 digits)"},
      {Replace(ok, "+375291234567", "+3752912345678901"),
       prxy + "/Id: not an E.164 number (+ and 1..15 digits)"},
      {Replace(ok, "+375291234567", "+375 29 123-45-67"),
       prxy + "/Id: not an E.164 number (+ and 1..15 digits)"},
      {Replace(ok, "<BICFI>SABRRUMM</BICFI>", ""), bicfi + ": missing"},
      {Replace(ok, "<BICFI>SABRRUMM</BICFI>", "<BICFI></BICFI>"), bicfi + ": empty"},
      {Replace(ok, "<BICFI>SABRRUMM</BICFI>", "<BICFI>sabrrumm</BICFI>"),
       bicfi + ": not a BIC (ISO 9362, 8 or 11 characters)"},
      {Replace(ok, "<BICFI>SABRRUMM</BICFI>", "<BICFI>SABRRUMM123456</BICFI>"),
       bicfi + ": 14 characters, at most 11"},
      {Replace(Replace(ok, "<Assgnr>\n        <Agt>", "<Assgnr>\n        <Pty>"),
               "</Agt>\n      </Assgnr>", "</Pty>\n      </Assgnr>"),
       "IdVrfctnReq/Assgnmt/Assgnr/Agt: missing"},
      {Replace(ok, "<BICFI>CRDRRUMMXXX</BICFI>", "<BICFI>CRDRRUM</BICFI>"),
       "IdVrfctnReq/Assgnmt/Assgne/Agt/FinInstnId/BICFI: not a BIC (ISO 9362, 8 or 11 "
       "characters)"},
      {Replace(ok, msg_id, "<MsgId>" + std::string(36, 'M') + "</MsgId>"),
       "IdVrfctnReq/Assgnmt/MsgId: 36 characters, at most 35"},
      {Replace(ok, msg_id, "<MsgId/>"), "IdVrfctnReq/Assgnmt/MsgId: empty"},
      {Replace(ok, msg_id, msg_id + msg_id), "IdVrfctnReq/Assgnmt/MsgId: 2 elements, expected 1"},
      {Replace(ok, msg_id, "<MsgId>A<B>1</B></MsgId>"),
       "IdVrfctnReq/Assgnmt/MsgId: has child elements"},
      {Replace(ok, msg_id, "<MsgId>A&#1;B</MsgId>"),
       "line 5: xmlParseCharRef: invalid xmlChar "
       "value 1"},
      {Replace(ok, "<Id>VRFCTN-20261201-000017</Id>", "<Id>" + std::string(36, 'V') + "</Id>"),
       "IdVrfctnReq/Vrfctn/Id: 36 characters, at most 35"},
      {Replace(ok, "2026-12-01T07:30:00.123+03:00", "2026-02-29T07:30:00Z"),
       "IdVrfctnReq/Assgnmt/CreDtTm: not an ISODateTime (2026-12-01T04:30:00.000Z)"},
      {Replace(ok, "2026-12-01T07:30:00.123+03:00", "2026-12-01 07:30:00"),
       "IdVrfctnReq/Assgnmt/CreDtTm: not an ISODateTime (2026-12-01T04:30:00.000Z)"},
      {Replace(ok, "<IdVrfctnReq>", "<IdVrfctnReq xmlns=\"urn:other\">"), "IdVrfctnReq: missing"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Refusal(c.xml), c.error);
  }
}

TEST(Acmt023Test, TheProfileIsStricterThanTheSchemaOnlyWhereTheHubReliesOnIt) {
  // Two verifications, a proxy without a type, a number not in E.164: the XSD accepts all
  // three; the hub answers one lookup of one telephone number per request.
  const std::string& ok = Request();
  const size_t v_begin = ok.find("    <Vrfctn>");
  const size_t v_end = ok.find("  </IdVrfctnReq>");
  for (const std::string& xml :
       {std::string(ok).insert(v_end, ok.substr(v_begin, v_end - v_begin)),
        Replace(ok, "<Tp>\n              <Cd>TELE</Cd>\n            </Tp>", ""),
        Replace(ok, "+375291234567", "8 029 123 45 67")}) {
    EXPECT_TRUE(Acmt023Schema().Validate(xml).ok());
    Acmt023 a;
    EXPECT_FALSE(ReadAcmt023(xml, &a).ok());
  }
}

TEST(Acmt023Test, OtherNamespacesVersionsAndNonXmlAreRefused) {
  const std::string& ok = Request();
  const std::string ns = kAcmt023Namespace;
  EXPECT_EQ(Refusal(Replace(ok, ns, "urn:iso:std:iso:20022:tech:xsd:acmt.023.001.02")),
            "Document: namespace \"urn:iso:std:iso:20022:tech:xsd:acmt.023.001.02\", expected \"" +
                ns + "\"");
  EXPECT_EQ(
      Refusal(Replace(ok, ns, kAcmt024Namespace)),
      "Document: namespace \"" + std::string(kAcmt024Namespace) + "\", expected \"" + ns + "\"");
  EXPECT_EQ(Refusal(Replace(ok, " xmlns=\"" + ns + "\"", "")),
            "Document: no namespace, expected \"" + ns + "\"");
  // A prefix is only a name: the same namespace with one reads the same.
  std::string prefixed = Replace(ok, "xmlns=", "xmlns:a=");
  for (size_t at = 0; (at = prefixed.find('<', at)) != std::string::npos; ++at) {
    if (prefixed[at + 1] == '?') continue;
    prefixed.insert(at + (prefixed[at + 1] == '/' ? 2 : 1), "a:");
  }
  Acmt023 a;
  const Status st = ReadAcmt023(prefixed, &a);
  EXPECT_TRUE(st.ok()) << st.message() << prefixed;
  EXPECT_EQ(Refusal(Replace(Replace(ok, "<Document", "<Doc"), "</Document>", "</Doc>")),
            "root element Doc, expected Document");
  EXPECT_EQ(Refusal(""), "empty document");
  EXPECT_EQ(Refusal("{\"MsgId\": 1}"), "line 1: Start tag expected, '<' not found");
  EXPECT_TRUE(Contains(Refusal(ok.substr(0, ok.size() / 2)), "line ")) << "truncated";
  EXPECT_TRUE(Contains(Refusal(Replace(ok, "</MsgId>", "</MsgID>")), "line 5: "));
  EXPECT_TRUE(Contains(Refusal(ok + "<Document/>"), "Extra content at the end of the document"));
}

// Counts every attempt of libxml2 to open an external resource, and opens none.
int external_loads = 0;
xmlParserInputPtr CountingLoader(const char*, const char*, xmlParserCtxtPtr) {
  ++external_loads;
  return nullptr;
}

TEST(Acmt023Test, DoctypesAreRefusedAndNothingIsFetchedOrExpanded) {
  // A secret the external entity names: if it were ever read, it could show in an error.
  char dir[] = "/tmp/corridor-acmt-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string secret_path = std::string(dir) + "/secret";
  std::ofstream(secret_path) << "SECRET-7f3a";
  const std::string body = Request().substr(Request().find("<Document"));
  const std::string msg_id = "<MsgId>SABRRUMM-A023-20261201-000017</MsgId>";
  const std::vector<std::string> attacks = {
      // XXE: a file and a URL as external entities.
      "<?xml version=\"1.0\"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM \"file://" + secret_path +
          "\">]>\n" + Replace(body, msg_id, "<MsgId>&x;</MsgId>"),
      "<!DOCTYPE Document [<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">]>" +
          Replace(body, msg_id, "<MsgId>&x;</MsgId>"),
      // An external DTD and a parameter entity.
      "<!DOCTYPE Document SYSTEM \"http://127.0.0.1:9/acmt.dtd\">" + body,
      "<!DOCTYPE Document [<!ENTITY % p SYSTEM \"file://" + secret_path + "\"> %p;]>" + body,
      // Billion laughs: ten levels of ten, 10^9 copies if expanded.
      [&] {
        std::string dtd = "<!DOCTYPE Document [<!ENTITY l0 \"lol\">";
        for (int i = 1; i < 10; ++i) {
          dtd += "<!ENTITY l" + std::to_string(i) + " \"";
          for (int j = 0; j < 10; ++j) dtd += "&l" + std::to_string(i - 1) + ";";
          dtd += "\">";
        }
        return dtd + "]>" + Replace(body, msg_id, "<MsgId>&l9;</MsgId>");
      }(),
      // An entity declared nowhere: not well-formed, and still nothing is looked up.
      Replace(body, msg_id, "<MsgId>&x;</MsgId>"),
  };
  xmlExternalEntityLoader saved = xmlGetExternalEntityLoader();
  xmlSetExternalEntityLoader(CountingLoader);
  external_loads = 0;
  for (size_t i = 0; i < attacks.size(); ++i) {
    const std::string error = Refusal(attacks[i]);
    EXPECT_FALSE(Contains(error, "SECRET")) << error;
    if (i + 1 < attacks.size()) {
      EXPECT_TRUE(Contains(error, "DOCTYPE refused (no DTDs or entities)")) << error;
    } else {
      EXPECT_EQ(error, "line 4: Entity 'x' not defined");
    }
  }
  xmlSetExternalEntityLoader(saved);
  EXPECT_EQ(external_loads, 0);
  ::unlink(secret_path.c_str());
  ::rmdir(dir);
}

// The golden request with elements nested inside its supplementary data so that the deepest
// sits at `depth` (<Document> is 1, SplmtryData 3, Envlp 4).
std::string NestedTo(size_t depth) {
  std::string open, close;
  for (size_t d = 5; d <= depth; ++d) {
    open += "<x:E xmlns:x=\"urn:x\">";
    close += "</x:E>";
  }
  return Replace(Request(), "  </IdVrfctnReq>",
                 "    <SplmtryData><Envlp>" + open + "deep" + close +
                     "</Envlp></SplmtryData>\n  </IdVrfctnReq>");
}

TEST(Acmt023Test, DepthIsBoundedAt32) {
  Acmt023 a;
  const Status at_bound = ReadAcmt023(NestedTo(32), &a);
  EXPECT_TRUE(at_bound.ok()) << at_bound.message();
  EXPECT_TRUE(Acmt023Schema().Validate(NestedTo(32)).ok());
  EXPECT_EQ(Refusal(NestedTo(33)), "line 35: element nested 33 deep, at most 32");
  EXPECT_EQ(Refusal(NestedTo(100)), "line 35: element nested 33 deep, at most 32");
  // libxml2's own bound (256) holds too: the parse stops at 33 long before it.
  EXPECT_EQ(Refusal(NestedTo(1500)), "line 35: element nested 33 deep, at most 32");
}

TEST(Acmt023Test, SizeIsBoundedAt64KiB) {
  const size_t bound = kAcmt023Limits.max_bytes;
  ASSERT_EQ(bound, 65536u);
  // White space after the root element pads a valid request to exactly the bound.
  const std::string at_bound = Request() + std::string(bound - Request().size(), ' ');
  ASSERT_EQ(at_bound.size(), bound);
  Acmt023 a;
  const Status st = ReadAcmt023(at_bound, &a);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(Refusal(at_bound + " "), "65537 bytes, at most 65536");
  EXPECT_EQ(Refusal(std::string(10 << 20, '<')), "10485760 bytes, at most 65536");
}

TEST(Acmt023Test, ReadsRunOnSeveralThreadsAtOnce) {
  const std::string deep = NestedTo(100);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&deep, &failures, t] {
      for (int i = 0; i < 50; ++i) {
        Acmt023 a;
        if (!ReadAcmt023(Request(), &a).ok() || a.proxy_id != "+375291234567") ++failures[t];
        if (ReadAcmt023(deep, &a).message() != "line 35: element nested 33 deep, at most 32") {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// --- acmt.024 -----------------------------------------------------------------------------

// The answer to the golden request when +375291234567 is Ivan Petrov's at BPS-Sberbank.
Acmt024 Verified() {
  Acmt024 r;
  r.message_id = "CRDR-A024-20261201-000017";
  r.created_at_ns = 1796099400456000000;  // 2026-12-01T04:30:00.456Z (07:30:00.456 +03:00)
  r.assigner_bic = "CRDRRUMMXXX";
  r.assignee_bic = "SABRRUMM";
  r.original_message_id = "SABRRUMM-A023-20261201-000017";
  r.original_verification_id = "VRFCTN-20261201-000017";
  r.verified = true;
  r.masked_name = MaskName("Ivan Petrov");
  r.account_id = "BY13NBRB3600900000002Z00AB00";
  r.account_currency = "BYN";
  r.agent_bic = "BPSBBY2X";
  return r;
}

// The same request when no account has that number. The reason code is the caller's choice
// (the hub's table of reason codes); BE23 is "AccountProxyInvalid" in ISO's external codes.
Acmt024 NotFound() {
  Acmt024 r = Verified();
  r.verified = false;
  r.reason_code = "BE23";
  r.masked_name.clear();
  r.account_id.clear();
  r.account_currency.clear();
  r.agent_bic.clear();
  return r;
}

std::string Build(const Acmt024& r) {
  std::string xml;
  const Status st = BuildAcmt024(r, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

TEST(Acmt024Test, AnswersMatchTheGoldenFilesByteForByteAndValidate) {
  for (const auto& [report, name] : {std::pair{Verified(), "acmt024_verified.xml"},
                                     std::pair{NotFound(), "acmt024_not_found.xml"}}) {
    const std::string xml = Build(report);
    const std::string path = kTestdata + name;
    // CORRIDOR_UPDATE_GOLDEN=1 rewrites the files; review their diff like code.
    if (std::getenv("CORRIDOR_UPDATE_GOLDEN")) std::ofstream(path, std::ios::binary) << xml;
    EXPECT_EQ(xml, ReadFile(path)) << name;
    const Status st = Acmt024Schema().Validate(xml);
    EXPECT_TRUE(st.ok()) << name << ": " << st.message();
  }
  const std::string verified = Build(Verified());
  EXPECT_TRUE(Contains(verified, "<Vrfctn>true</Vrfctn>"));
  EXPECT_TRUE(Contains(verified, "<Nm>Ivan P.</Nm>"));
  EXPECT_FALSE(Contains(verified, "Petrov"));
  EXPECT_FALSE(Contains(verified, "<Rsn>"));
  const std::string not_found = Build(NotFound());
  EXPECT_TRUE(Contains(not_found, "<Vrfctn>false</Vrfctn>"));
  EXPECT_TRUE(Contains(not_found, "<Rsn>\n        <Cd>BE23</Cd>\n      </Rsn>"));
  EXPECT_FALSE(Contains(not_found, "UpdtdPtyAndAcctId"));
}

TEST(Acmt024Test, TheAnswerToTheGoldenRequestCarriesItsIds) {
  Acmt023 request;
  ASSERT_TRUE(ReadAcmt023(Request(), &request).ok());
  Acmt024 r = Verified();
  r.assigner_bic = request.assignee_bic;
  r.assignee_bic = request.assigner_bic;
  r.original_message_id = request.message_id;
  r.original_verification_id = request.verification_id;
  r.masked_name = MaskName("Иван  Петров");
  const std::string xml = Build(r);
  EXPECT_TRUE(Contains(xml, "<OrgnlAssgnmt>\n      <MsgId>" + request.message_id + "</MsgId>"));
  EXPECT_TRUE(Contains(xml, "<OrgnlId>" + request.verification_id + "</OrgnlId>"));
  EXPECT_TRUE(Contains(xml, "<Nm>Иван П.</Nm>"));
  const Status st = Acmt024Schema().Validate(xml);
  EXPECT_TRUE(st.ok()) << st.message();
  // Escaped text still validates; the name carries no markup.
  r.masked_name = MaskName("O'Brien <b>&amp;");
  const std::string escaped = Build(r);
  EXPECT_TRUE(Contains(escaped, "<Nm>O'Brien &lt;.</Nm>")) << escaped;
  EXPECT_TRUE(Acmt024Schema().Validate(escaped).ok());
}

TEST(Acmt024Test, FieldsAreCheckedByName) {
  const struct {
    Acmt024 report;
    std::string error;
  } cases[] = {
      {[] {
         auto r = Verified();
         r.message_id = std::string(36, 'M');
         return r;
       }(),
       "message_id: 36 characters, at most 35"},
      {[] {
         auto r = Verified();
         r.assigner_bic = "CRDR";
         return r;
       }(),
       "assigner_bic: not a BIC (ISO 9362, 8 or 11 characters)"},
      {[] {
         auto r = Verified();
         r.assignee_bic = "";
         return r;
       }(),
       "assignee_bic: not a BIC (ISO 9362, 8 or 11 characters)"},
      {[] {
         auto r = Verified();
         r.original_message_id = "";
         return r;
       }(),
       "original_message_id: empty"},
      {[] {
         auto r = Verified();
         r.original_verification_id = std::string(36, 'V');
         return r;
       }(),
       "original_verification_id: 36 characters, at most 35"},
      {[] {
         auto r = Verified();
         r.reason_code = "BE23";
         return r;
       }(),
       "reason_code: set when verified"},
      {[] {
         auto r = Verified();
         r.masked_name = "";
         return r;
       }(),
       "masked_name: empty"},
      {[] {
         auto r = Verified();
         r.masked_name = std::string(141, 'N');
         return r;
       }(),
       "masked_name: 141 characters, at most 140"},
      {[] {
         auto r = Verified();
         r.account_id = std::string(35, '1');
         return r;
       }(),
       "account_id: 35 characters, at most 34"},
      {[] {
         auto r = Verified();
         r.account_currency = "byn";
         return r;
       }(),
       "account_currency: not an ISO 4217 code (3 capitals)"},
      {[] {
         auto r = Verified();
         r.agent_bic = "BPSBBY2";
         return r;
       }(),
       "agent_bic: not a BIC (ISO 9362, 8 or 11 characters)"},
      {[] {
         auto r = NotFound();
         r.reason_code = "";
         return r;
       }(),
       "reason_code: required when not verified"},
      {[] {
         auto r = NotFound();
         r.reason_code = "BE234";
         return r;
       }(),
       "reason_code: not an ExternalVerificationReason1Code (1..4 capitals or digits)"},
      {[] {
         auto r = NotFound();
         r.reason_code = "be23";
         return r;
       }(),
       "reason_code: not an ExternalVerificationReason1Code (1..4 capitals or digits)"},
      {[] {
         auto r = NotFound();
         r.masked_name = "Ivan P.";
         return r;
       }(),
       "masked_name: set when not verified"},
      {[] {
         auto r = NotFound();
         r.account_id = "BY13";
         return r;
       }(),
       "account_id: set when not verified"},
      {[] {
         auto r = NotFound();
         r.agent_bic = "BPSBBY2X";
         return r;
       }(),
       "agent_bic: set when not verified"},
  };
  for (const auto& c : cases) {
    std::string xml = "untouched";
    EXPECT_EQ(BuildAcmt024(c.report, &xml).message(), c.error);
    EXPECT_EQ(xml, "untouched");
  }
  // At the limits: built and valid.
  Acmt024 r = Verified();
  r.masked_name = std::string(140, 'N');
  r.account_id = std::string(34, '1');
  r.original_verification_id = std::string(35, 'V');
  const Status st = Acmt024Schema().Validate(Build(r));
  EXPECT_TRUE(st.ok()) << st.message();
}

// --- MaskName -----------------------------------------------------------------------------

TEST(MaskNameTest, KeepsTheGivenNamesAndTheInitialOfTheLast) {
  const struct {
    const char* full;
    const char* masked;
  } cases[] = {
      {"Ivan Petrov", "Ivan P."},
      {"Иван Петров", "Иван П."},
      {"Иван Иванович Петров", "Иван Иванович П."},
      {"Madonna", "Madonna"},
      {"Аляксандр", "Аляксандр"},
      {"  Ivan \t  Petrov  ", "Ivan P."},
      {"Ivan\xC2\xA0Petrov", "Ivan P."},                     // a no-break space separates too
      {"Кузьма Петров-Водкин", "Кузьма П."},                 // a hyphenated name is one word
      {"Ян Ёлкин", "Ян Ё."},                                 // Ё precomposed (U+0401)
      {"Ян \xD0\x95\xCC\x88lkin", "Ян \xD0\x95\xCC\x88."},   // E + U+0308: the mark stays
      {"Ivan \xF0\x9D\x90\x80x", "Ivan \xF0\x9D\x90\x80."},  // a 4-byte letter
      {"ivan petrov", "ivan p."},                            // case is left alone
      {"", ""},
      {"   ", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(MaskName(c.full), c.masked) << c.full;
}

}  // namespace
}  // namespace corridor::iso20022
