// Tests of the pacs.028 status request: the golden request reads as expected and validates
// against the XSD, what the builder builds validates and reads back, each rule of the hub's
// profile is refused naming its path, and hostile documents are refused unread.
#include "iso20022/pacs028.h"

#include <gtest/gtest.h>

#include <string>

#include "iso20022/pacs002.h"
#include "iso20022/testing.h"

namespace corridor::iso20022 {
namespace {

using namespace corridor::iso20022::testing;  // NOLINT(build/namespaces): shared test helpers

const XmlSchema& Pacs028Schema() { return Schema("pacs.028.001.03"); }

std::string Golden() { return ReadFile(kTestdata + "pacs028_status_request.xml"); }

// What the golden file holds.
Pacs028 Expected() {
  Pacs028 p;
  p.message_id = "AKBB-P028-20261201-000003";
  p.created_at_ns = 1796099412345000000;  // 2026-12-01T04:30:12.345Z
  p.instructing_agent_bic = "AKBBBY2X";
  p.instructed_agent_bic = "CRDRRUMMXXX";
  p.original_message_id = "CRDR-P008-20261201-000042";
  p.status_request_id = "STSREQ-000003";
  p.original_instruction_id = "Q-20261201-000311";
  p.original_end_to_end_id = "E2E-INV-4471";
  p.original_uetr = kUetr;
  return p;
}

std::string Build(const Pacs028& in) {
  std::string xml;
  const Status st = BuildPacs028(in, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

std::string Refusal(const std::string& xml) {
  Pacs028 out;
  const Status st = ReadPacs028(xml, &out);
  EXPECT_FALSE(st.ok()) << xml;
  return st.message();
}

TEST(Pacs028ReaderTest, GoldenRequestValidatesAgainstTheXsdAndReadsAsExpected) {
  const std::string xml = Golden();
  ASSERT_FALSE(xml.empty());
  const Status valid = Pacs028Schema().Validate(xml);
  EXPECT_TRUE(valid.ok()) << valid.message();
  Pacs028 read;
  const Status st = ReadPacs028(xml, &read);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(read, Expected());
}

TEST(Pacs028ReaderTest, WhatTheBuilderBuildsValidatesAndReadsBack) {
  Pacs028 full = Expected();
  full.created_at_ns = kCreatedAtNs - kCreatedAtNs % 1'000'000;  // CreDtTm has milliseconds
  Pacs028 minimal = full;
  minimal.status_request_id.clear();
  minimal.original_instruction_id.clear();
  minimal.original_end_to_end_id.clear();
  for (const Pacs028& in : {full, minimal}) {
    const std::string xml = Build(in);
    const Status valid = Pacs028Schema().Validate(xml);
    EXPECT_TRUE(valid.ok()) << valid.message() << xml;
    Pacs028 back;
    ASSERT_TRUE(ReadPacs028(xml, &back).ok()) << xml;
    EXPECT_EQ(back, in);
  }
  Pacs028 bad = full;
  bad.original_uetr = "not-a-uetr";
  std::string xml;
  EXPECT_FALSE(BuildPacs028(bad, &xml).ok());
  EXPECT_TRUE(xml.empty());
}

TEST(Pacs028ReaderTest, ProfileRulesAreRefusedNamingThePath) {
  const std::string golden = Golden();
  const struct {
    std::string xml;
    std::string error;
  } cases[] = {
      {Replace(golden, "<MsgId>AKBB-P028-20261201-000003</MsgId>", ""),
       "FIToFIPmtStsReq/GrpHdr/MsgId: missing"},
      {Replace(golden, "07:30:12.345+03:00", "07:30:12.345"), "FIToFIPmtStsReq/GrpHdr/CreDtTm"},
      {Replace(golden, "<BICFI>AKBBBY2X</BICFI>", "<BICFI>AKBB</BICFI>"),
       "FIToFIPmtStsReq/GrpHdr/InstgAgt/FinInstnId/BICFI"},
      {Replace(Replace(golden, "<InstdAgt>", "<Othr>"), "</InstdAgt>", "</Othr>"),
       "FIToFIPmtStsReq/GrpHdr/InstdAgt: missing"},
      {Replace(golden, "<OrgnlMsgNmId>pacs.008.001.08", "<OrgnlMsgNmId>camt.056.001.08"),
       "FIToFIPmtStsReq/OrgnlGrpInf/OrgnlMsgNmId: camt.056.001.08, expected pacs.008.001.08"},
      {Replace(golden, "<TxInf>", "<TxInf><StsReqId>A</StsReqId></TxInf><TxInf>"),
       "FIToFIPmtStsReq/TxInf: 2 elements, expected 1"},
      {Replace(golden, "<OrgnlUETR>eb6305c9-1f7f-49de-aed0-16487c27b42d</OrgnlUETR>", ""),
       "FIToFIPmtStsReq/TxInf/OrgnlUETR: missing"},
      {Replace(golden, "eb6305c9-1f7f-49de", "EB6305C9-1F7F-49DE"),
       "FIToFIPmtStsReq/TxInf/OrgnlUETR"},
      {Replace(golden, "<OrgnlEndToEndId>E2E-INV-4471", "<OrgnlEndToEndId>" + std::string(36, 'E')),
       "FIToFIPmtStsReq/TxInf/OrgnlEndToEndId: 36 characters, at most 35"},
  };
  for (const auto& c : cases) {
    const std::string error = Refusal(c.xml);
    EXPECT_NE(error.find(c.error), std::string::npos) << error;
  }
}

TEST(Pacs028ReaderTest, HostileOrForeignDocumentsAreRefusedUnread) {
  EXPECT_NE(
      Refusal(R"(<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>)"
              R"(<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.028.001.03">&e;</Document>)")
          .find("DOCTYPE"),
      std::string::npos);
  std::string deep = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pacs.028.001.03\">";
  for (int i = 0; i < 40; ++i) deep += "<a>";
  for (int i = 0; i < 40; ++i) deep += "</a>";
  deep += "</Document>";
  EXPECT_NE(Refusal(deep).find("nested"), std::string::npos);
  EXPECT_NE(Refusal(std::string(kPacs028Limits.max_bytes + 1, ' ')).find("at most"),
            std::string::npos);
  // Another version, or another message.
  EXPECT_NE(Refusal(Replace(Golden(), "pacs.028.001.03", "pacs.028.001.05")).find("namespace"),
            std::string::npos);
  EXPECT_NE(Refusal(ReadFile(kTestdata + "pacs002_acsc.xml")).find("namespace"), std::string::npos);
}

TEST(Pacs028ReaderTest, TheUnknownPaymentReasonIsAnIsoStatusReason) {
  EXPECT_TRUE(IsKnownStatusReason(kUnknownPaymentReason));
  EXPECT_FALSE(IsKnownStatusReason("NOTF"));
}

}  // namespace
}  // namespace corridor::iso20022
