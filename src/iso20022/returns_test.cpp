// Tests of the return and recall messages: pacs.004, camt.056 and camt.029. Each golden file is
// compared byte for byte and validated against ISO's XSD, reads back as built, and the readers
// refuse hostile documents with no reason and each profile rule with its reason, naming the
// path. The return and cancellation reason tables are checked against ISO's code sets.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "iso20022/camt029.h"
#include "iso20022/camt056.h"
#include "iso20022/pacs004.h"
#include "iso20022/testing.h"

namespace corridor::iso20022 {
namespace {

using namespace corridor::iso20022::testing;  // NOLINT(build/namespaces): shared test helpers

// Documents carry milliseconds: the fixtures' time reads back as it was built.
constexpr uint64_t kCreatedAt = kCreatedAtNs / 1'000'000 * 1'000'000;

// Sberbank returns RUB 1,000.00 of the golden pacs.008's RUB 2,750.00 to the hub.
Pacs004 PartialReturn() {
  Pacs004 in;
  in.message_id = "SABR-R004-20261201-000007";
  in.created_at_ns = kCreatedAt;
  in.instructing_agent_bic = "SABRRUMM";
  in.instructed_agent_bic = "CRDRRUMMXXX";
  in.return_id = "SABR-RTR-000007";
  in.original_message_id = "N000000000000004200";
  in.original_instruction_id = "Q-20261201-000311";
  in.original_end_to_end_id = "E2E-INV-4471";
  in.original_uetr = kUetr;
  in.original_settlement_amount = Money{275000, "RUB", 2};
  in.returned_amount = Money{100000, "RUB", 2};
  in.reason_code = "AC04";
  in.additional_info = "account closed";
  return in;
}

// The hub forwards it to Belarusbank: BYN 36.36 back, the RUB amount and the rate beside.
Pacs004 ForwardedReturn() {
  Pacs004 in = PartialReturn();
  in.message_id = "N00000000000000A100";
  in.instructing_agent_bic = "CRDRRUMMXXX";
  in.instructed_agent_bic = "AKBBBY2X";
  in.original_message_id = "CRDR-P008-20261201-000042";
  in.original_settlement_amount = Money{10000, "BYN", 2};
  in.returned_amount = Money{3636, "BYN", 2};
  in.returned_instructed_amount = Money{100000, "RUB", 2};
  in.exchange_rate_e8 = 2'750'000'000;
  in.additional_info.clear();
  return in;
}

Camt056 RecallRequest() {
  Camt056 in;
  in.assignment = {"AKBB-C056-20261201-000003", "AKBBBY2X", "CRDRRUMMXXX", kCreatedAt};
  in.cancellation_id = "AKBB-CXL-000003";
  in.original_message_id = "CRDR-P008-20261201-000042";
  in.original_end_to_end_id = "E2E-INV-4471";
  in.original_uetr = kUetr;
  in.original_settlement_amount = Money{10000, "BYN", 2};
  in.reason_code = "DUPL";
  in.additional_info = "sent twice by the customer";
  return in;
}

Camt029 RecallRejected() {
  Camt029 in;
  in.assignment = {"SABR-C029-20261201-000001", "SABRRUMM", "CRDRRUMMXXX", kCreatedAt};
  in.case_id = "AKBB-CXL-000003";
  in.case_creator_bic = "AKBBBY2X";
  in.status = CancellationStatus::kRejected;
  in.original_message_id = "N000000000000004200";
  in.original_end_to_end_id = "E2E-INV-4471";
  in.original_uetr = kUetr;
  in.reason_code = "CUST";
  in.additional_info = "the customer does not agree";
  return in;
}

template <typename T>
std::string BuildOf(const T& in, Status (*build)(const T&, std::string*)) {
  std::string xml;
  const Status st = build(in, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

struct Read004 {
  Status st;
  Pacs004 out;
  std::string reason;
};
Read004 Read(const std::string& xml) {
  Read004 r;
  r.st = ReadPacs004(xml, Exponent, &r.out, &r.reason);
  return r;
}

// --- pacs.004 -------------------------------------------------------------------------------

TEST(Pacs004Test, GoldenFilesMatchValidateAndReadBackAsBuilt) {
  for (const auto& [in, file] : {std::pair{PartialReturn(), "pacs004_partial_return.xml"},
                                 std::pair{ForwardedReturn(), "pacs004_forwarded.xml"}}) {
    const std::string xml = BuildOf(in, BuildPacs004);
    ExpectGolden(xml, file);
    ExpectValid("pacs.004.001.10", xml);
    const Read004 r = Read(xml);
    ASSERT_TRUE(r.st.ok()) << r.st.message();
    EXPECT_EQ(r.reason, "");
    EXPECT_TRUE(r.out == in) << file;
    EXPECT_EQ(BuildOf(r.out, BuildPacs004), xml);
  }
  const std::string forwarded = BuildOf(ForwardedReturn(), BuildPacs004);
  EXPECT_TRUE(Contains(forwarded, "<RtrdIntrBkSttlmAmt Ccy=\"BYN\">36.36</RtrdIntrBkSttlmAmt>"));
  EXPECT_TRUE(Contains(forwarded, "<XchgRate>27.50000000</XchgRate>"));
}

TEST(Pacs004Test, KnownReturnReasonsAreExactlyTheCodesOfTheJson) {
  const std::set<std::string> json = CodesOfJson("external_return_reason_code.json");
  ASSERT_GT(json.size(), 50u);
  const std::set<std::string> table(KnownReturnReasons().begin(), KnownReturnReasons().end());
  EXPECT_EQ(table, json) << "regenerate the table in pacs004.cpp from the JSON";
  EXPECT_EQ(KnownReturnReasons().size(), table.size());
  Pacs004 in = PartialReturn();
  in.reason_code = "AM99";
  std::string xml = "untouched";
  EXPECT_EQ(BuildPacs004(in, &xml).message(),
            "reason_code: \"AM99\" is not an ISO external return reason code");
  EXPECT_EQ(xml, "untouched");
}

TEST(Pacs004Test, EachProfileRuleRefusesWithItsReasonNamingThePath) {
  const std::string xml = BuildOf(PartialReturn(), BuildPacs004);
  struct Case {
    std::string from, to, reason, path;
  };
  const std::vector<Case> cases = {
      {"<NbOfTxs>1</NbOfTxs>", "<NbOfTxs>2</NbOfTxs>", "AM18", "PmtRtr/GrpHdr/NbOfTxs"},
      {"<SttlmMtd>CLRG</SttlmMtd>", "<SttlmMtd>INDA</SttlmMtd>", "FF01", "SttlmInf/SttlmMtd"},
      {"<BICFI>SABRRUMM</BICFI>", "<BICFI>sabr</BICFI>", "RC05", "GrpHdr/InstgAgt"},
      {"<OrgnlEndToEndId>E2E-INV-4471</OrgnlEndToEndId>", "", "FF08", "TxInf/OrgnlEndToEndId"},
      {">1000.00<", ">1000.001<", "AM12", "TxInf/RtrdIntrBkSttlmAmt"},
      {"<RtrdIntrBkSttlmAmt Ccy=\"RUB\"", "<RtrdIntrBkSttlmAmt Ccy=\"USD\"", "AM03",
       "RtrdIntrBkSttlmAmt/@Ccy"},
      {"<Cd>AC04</Cd>", "<Cd>AM99</Cd>", "MS03", "TxInf/RtrRsnInf/Rsn/Cd"},
      {"<ChrgBr>SLEV</ChrgBr>", "<ChrgBr>DEBT</ChrgBr>", "FF01", "TxInf/ChrgBr"},
  };
  for (const Case& c : cases) {
    const Read004 r = Read(Replace(xml, c.from, c.to));
    EXPECT_FALSE(r.st.ok()) << c.from;
    EXPECT_EQ(r.reason, c.reason) << c.from << ": " << r.st.message();
    EXPECT_TRUE(Contains(r.st.message(), c.path)) << r.st.message();
  }
  // A refusal gives what was read before it, so that the RJCT can name the return.
  const Read004 r = Read(Replace(xml, "<Cd>AC04</Cd>", "<Cd>AM99</Cd>"));
  EXPECT_EQ(r.out.return_id, "SABR-RTR-000007");
  EXPECT_EQ(r.out.original_uetr, kUetr);
}

TEST(Pacs004Test, HostileDocumentsAreRefusedWithNoReason) {
  const std::string valid = BuildOf(PartialReturn(), BuildPacs004);
  auto cases = HostileDocuments(kPacs004Namespace, valid);
  cases.push_back({"pacs.004.001.09", Replace(valid, "pacs.004.001.10", "pacs.004.001.09")});
  cases.push_back({"no PmtRtr", "<Document xmlns=\"" + std::string(kPacs004Namespace) + "\"/>"});
  for (const auto& [what, xml] : cases) {
    const Read004 r = Read(xml);
    EXPECT_FALSE(r.st.ok()) << what;
    EXPECT_EQ(r.reason, "") << what << ": " << r.st.message();
  }
}

TEST(Pacs004Test, FingerprintIsTheSameHoweverWrittenAndDiffersWithTheContent) {
  const std::string xml = BuildOf(PartialReturn(), BuildPacs004);
  const Read004 a = Read(xml);
  const Read004 b = Read(Replace(xml, "<RtrId>", "\n   <RtrId>"));
  ASSERT_TRUE(a.st.ok() && b.st.ok());
  EXPECT_EQ(Fingerprint(a.out), Fingerprint(b.out));
  Pacs004 other = a.out;
  other.additional_info = "account closed!";
  EXPECT_NE(Fingerprint(other), Fingerprint(a.out));
}

// --- camt.056 -------------------------------------------------------------------------------

TEST(Camt056Test, GoldenFileMatchesValidatesAndReadsBackAsBuilt) {
  Camt056 forwarded = RecallRequest();
  forwarded.assignment = {"N00000000000000B100", "CRDRRUMMXXX", "SABRRUMM", kCreatedAt};
  forwarded.case_creator_bic = "AKBBBY2X";
  for (const auto& [in, file] : {std::pair{RecallRequest(), "camt056_recall.xml"},
                                 std::pair{forwarded, "camt056_forwarded.xml"}}) {
    const std::string xml = BuildOf(in, BuildCamt056);
    ExpectGolden(xml, file);
    ExpectValid("camt.056.001.08", xml);
    Camt056 out;
    std::string reason;
    const Status st = ReadCamt056(xml, Exponent, &out, &reason);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_TRUE(out == in) << file;
  }
}

TEST(Camt056Test, KnownCancellationReasonsAreExactlyTheCodesOfTheJson) {
  const std::set<std::string> json = CodesOfJson("external_cancellation_reason_code.json");
  const std::set<std::string> table(KnownCancellationReasons().begin(),
                                    KnownCancellationReasons().end());
  EXPECT_EQ(table, json) << "regenerate the table in camt056.cpp from the JSON";
  EXPECT_EQ(KnownCancellationReasons().size(), table.size());
}

TEST(Camt056Test, ProfileRulesRefuseWithTheirReasonAndHostileDocumentsWithNone) {
  const std::string xml = BuildOf(RecallRequest(), BuildCamt056);
  Camt056 out;
  std::string reason;
  EXPECT_FALSE(
      ReadCamt056(Replace(xml, "<Cd>DUPL</Cd>", "<Cd>AC04</Cd>"), Exponent, &out, &reason).ok());
  EXPECT_EQ(reason, "MS03");
  EXPECT_EQ(out.cancellation_id, "AKBB-CXL-000003");
  EXPECT_FALSE(
      ReadCamt056(Replace(xml, "<CxlId>AKBB-CXL-000003</CxlId>", ""), Exponent, &out, &reason)
          .ok());
  EXPECT_EQ(reason, "FF01");
  EXPECT_FALSE(ReadCamt056(Replace(xml, ">100.00<", ">-1<"), Exponent, &out, &reason).ok());
  EXPECT_EQ(reason, "AM12");
  for (const auto& [what, hostile] : HostileDocuments(kCamt056Namespace, xml)) {
    EXPECT_FALSE(ReadCamt056(hostile, Exponent, &out, &reason).ok()) << what;
    EXPECT_EQ(reason, "") << what;
  }
}

// --- camt.029 -------------------------------------------------------------------------------

TEST(Camt029Test, GoldenFilesMatchValidateAndReadBackAsBuilt) {
  Camt029 accepted = RecallRejected();
  accepted.status = CancellationStatus::kAccepted;
  accepted.reason_code.clear();
  accepted.additional_info.clear();
  Camt029 pending = accepted;
  pending.status = CancellationStatus::kPending;
  for (const auto& [in, file] :
       {std::pair{RecallRejected(), "camt029_rejected.xml"},
        std::pair{accepted, "camt029_accepted.xml"}, std::pair{pending, "camt029_pending.xml"}}) {
    const std::string xml = BuildOf(in, BuildCamt029);
    ExpectGolden(xml, file);
    ExpectValid("camt.029.001.09", xml);
    Camt029 out;
    const Status st = ReadCamt029(xml, &out);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_TRUE(out == in) << file;
  }
}

TEST(Camt029Test, AReasonGoesWithARejectionOnlyAndTheStatusesMustAgree) {
  Camt029 in = RecallRejected();
  in.reason_code.clear();
  std::string xml;
  EXPECT_EQ(BuildCamt029(in, &xml).message(), "reason_code: with RJCR only, and required then");
  in = RecallRejected();
  in.status = CancellationStatus::kAccepted;
  EXPECT_FALSE(BuildCamt029(in, &xml).ok());
  in.reason_code = "cust";
  in.status = CancellationStatus::kRejected;
  EXPECT_FALSE(BuildCamt029(in, &xml).ok());
  const std::string valid = BuildOf(RecallRejected(), BuildCamt029);
  Camt029 out;
  EXPECT_TRUE(
      Contains(ReadCamt029(Replace(valid, "<TxCxlSts>RJCR", "<TxCxlSts>ACCR"), &out).message(),
               "TxCxlSts: ACCR, expected RJCR with Sts/Conf RJCR"));
  EXPECT_TRUE(Contains(ReadCamt029(Replace(valid, "<Conf>RJCR", "<Conf>XXXX"), &out).message(),
                       "RsltnOfInvstgtn/Sts/Conf: XXXX"));
  for (const auto& [what, hostile] : HostileDocuments(kCamt029Namespace, valid)) {
    EXPECT_FALSE(ReadCamt029(hostile, &out).ok()) << what;
  }
}

}  // namespace
}  // namespace corridor::iso20022
