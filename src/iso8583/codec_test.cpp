#include "iso8583/codec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "iso8583/testing.h"

namespace corridor::iso8583 {
namespace {

using namespace corridor::iso8583::testing;  // NOLINT(build/namespaces): shared test helpers
using enum CodecErrorKind;
using namespace std::string_literals;  // NOLINT(build/namespaces): raw bytes with NULs

const std::string kTestdata = CORRIDOR_SOURCE_DIR "/src/iso8583/testdata/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string PackOrFail(const Dialect& dialect, const Message& message) {
  std::string frame;
  CodecError error = Pack(dialect, message, &frame);
  EXPECT_TRUE(error.ok()) << error.ToString();
  return frame;
}

// Every field of `expected` is in `actual` with the same bytes, and nothing else is.
void ExpectSameMessage(const Message& expected, const Message& actual) {
  EXPECT_EQ(expected.mti(), actual.mti());
  for (int number = kMinDataField; number <= kMaxField; ++number) {
    EXPECT_EQ(expected.has(number), actual.has(number)) << "field " << number;
    EXPECT_EQ(expected.field(number), actual.field(number)) << "field " << number;
  }
}

// A frame built by hand: the length prefix computed, then `body` (MTI, bitmaps, fields).
std::string Frame(std::string_view body) {
  std::string frame;
  frame += static_cast<char>(body.size() >> 8);
  frame += static_cast<char>(body.size() & 0xFF);
  frame += body;
  return frame;
}

// A primary bitmap (8 raw bytes) with the given fields' bits set.
std::string Bitmap(std::initializer_list<int> fields) {
  uint64_t bits = 0;
  for (int field : fields) bits |= uint64_t{1} << (64 - field);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(bits >> (56 - 8 * i));
  return out;
}

// Unpacks `frame` to the fields of `expected` and packs them back to the same bytes.
void ExpectReadsBackAndRepacks(const Dialect& dialect, std::string_view frame,
                               const Message& expected) {
  Message read;
  CodecError error = Unpack(dialect, frame, &read);
  ASSERT_TRUE(error.ok()) << error.ToString();
  ExpectSameMessage(expected, read);
  EXPECT_EQ(ToHex(PackOrFail(dialect, read)), ToHex(frame));
}

// --- golden frames --------------------------------------------------------------------------

// Packs `message`, compares the frame with testdata/`file` byte for byte (CORRIDOR_UPDATE_GOLDEN=1
// rewrites the file; review its diff like code), then reads the file back to the same message
// and packs that to the same bytes again.
void ExpectGolden(const Message& message, const std::string& file) {
  std::string frame = PackOrFail(Iso8583_1987(), message);
  if (std::getenv("CORRIDOR_UPDATE_GOLDEN")) {
    std::ofstream(kTestdata + file, std::ios::binary) << ToHexLines(frame);
  }
  std::string golden = FromHex(ReadFile(kTestdata + file));
  ASSERT_FALSE(golden.empty()) << file;
  EXPECT_EQ(ToHex(frame), ToHex(golden)) << file;
  ExpectReadsBackAndRepacks(Iso8583_1987(), golden, message);
}

TEST(Iso8583Golden, Purchase0100MatchesItsFrame) {
  Message message;
  BuildPurchase0100(&message);
  ExpectGolden(message, "0100_purchase.hex");
}

TEST(Iso8583Golden, Approval0110MatchesItsFrame) {
  Message message;
  BuildApproval0110(&message);
  ExpectGolden(message, "0110_approval.hex");
}

TEST(Iso8583Golden, SignOn0800WithFields33And53And70MatchesItsFrame) {
  Message message;
  BuildSignOn0800(&message);
  ExpectGolden(message, "0800_signon.hex");
}

TEST(Iso8583Golden, Reversal0420WithFields90And95MatchesItsFrame) {
  Message message;
  BuildReversal0420(&message);
  ExpectGolden(message, "0420_reversal.hex");
}

// The wire format spelled out once by hand, so that the golden files are not their own proof.
TEST(Iso8583Pack, WritesLengthMtiRawBitmapsAndAsciiFields) {
  Message message;
  message.set_mti("0800");
  message.Set(11, "000042");
  message.Set(33, "911201");
  message.Set(70, "301");
  std::string frame = PackOrFail(Iso8583_1987(), message);
  std::string body = std::string("0800") + "\x80\x20\x00\x00\x80\x00\x00\x00"s  // bits 1, 11, 33
                     + "\x04\x00\x00\x00\x00\x00\x00\x00"s                      // bit 70
                     + "000042" + "06911201" + "301";
  EXPECT_EQ(ToHex(frame), ToHex(Frame(body)));
  EXPECT_EQ(frame.substr(0, 2), "\x00\x25"s);  // 37 bytes follow
}

TEST(Iso8583Pack, WritesNoSecondaryBitmapWithoutFieldsPast64) {
  Message message;
  BuildPurchase0100(&message);
  std::string frame = PackOrFail(Iso8583_1987(), message);
  EXPECT_EQ(static_cast<unsigned char>(frame[6]) & 0x80, 0);
}

// --- round trips over every content type and length kind -------------------------------------

using enum ContentType;
using enum LengthKind;

// One field of each (type, length kind) the codec supports, in both bitmaps.
const Dialect& EveryKindDialect() {
  static const Dialect* const dialect = [] {
    auto* built = new Dialect("every-kind");
    Status status = MakeDialect("every-kind",
                                {{2, kN, kFixed, 6},
                                 {3, kN, kLlvar, 19},
                                 {4, kN, kLllvar, 200},
                                 {5, kAn, kFixed, 4},
                                 {6, kAn, kLlvar, 12},
                                 {7, kAn, kLllvar, 300},
                                 {8, kAns, kFixed, 8},
                                 {9, kAns, kLlvar, 99},
                                 {10, kAns, kLllvar, 999},
                                 {11, kZ, kFixed, 5},
                                 {12, kZ, kLlvar, 37},
                                 {13, kZ, kLllvar, 104},
                                 {14, kB, kFixed, 8},
                                 {64, kB, kFixed, 4},
                                 {65, kN, kFixed, 1},
                                 {100, kAns, kLlvar, 20},
                                 {128, kB, kFixed, 8}},
                                {"0100"}, built);
    EXPECT_TRUE(status.ok()) << status.message();
    return built;
  }();
  return *dialect;
}

TEST(Iso8583RoundTrip, EveryContentTypeAndLengthKindPacksAndUnpacksToTheSameBytes) {
  const std::string long_ans(999, '~');
  Message message;
  message.set_mti("0100");
  message.Set(2, "012345");
  message.Set(3, "1234567890123456789");
  message.SetCopy(4, std::string(200, '7'));
  message.Set(5, "Ab 9");
  message.Set(6, "");
  message.Set(7, "RRN 0042");
  message.Set(8, " !\"#$%&~");
  message.Set(9, "x");
  message.Set(10, long_ans);
  message.Set(11, "12=D3");
  message.Set(12, "4111111111111111=2812");
  message.Set(13, "D");
  message.SetCopy(14, "\x00\xff\x01\x80 \n\r\x7f"s);
  message.SetCopy(64, "\x00\x00\x00\x00"s);
  message.Set(65, "9");
  message.Set(100, "");
  message.SetCopy(128, "\xde\xad\xbe\xef\x00\x01\x02\x03"s);
  std::string frame = PackOrFail(EveryKindDialect(), message);
  // The length prefixes: LLVAR, LLLVAR, and LLLVAR at its most.
  EXPECT_NE(frame.find("191234567890123456789"), std::string::npos);
  EXPECT_NE(frame.find("200" + std::string(200, '7')), std::string::npos);
  EXPECT_NE(frame.find("999" + long_ans), std::string::npos);
  ExpectReadsBackAndRepacks(EveryKindDialect(), frame, message);
}

TEST(Iso8583RoundTrip, ZeroSecondaryBitmapIsAcceptedAndPacksBackTheSame) {
  // What the npm iso_8583 package sends: bit 1 set, a secondary bitmap of zeros.
  std::string body =
      "0810"s + "\x80\x20\x00\x00\x02\x00\x00\x00"s + std::string(8, '\0') + "000001" + "00";
  std::string frame = Frame(body);
  Message read;
  CodecError error = Unpack(Iso8583_1987(), frame, &read);
  ASSERT_TRUE(error.ok()) << error.ToString();
  EXPECT_TRUE(read.secondary_bitmap());
  EXPECT_EQ(read.field(11), "000001");
  EXPECT_EQ(read.field(39), "00");
  EXPECT_EQ(PackOrFail(Iso8583_1987(), read), frame);
  read.set_secondary_bitmap(false);
  EXPECT_EQ(PackOrFail(Iso8583_1987(), read).size(), frame.size() - 8);
}

// --- unpacking errors -------------------------------------------------------------------------

// Unpacks `frame` with ISO 8583:1987 and expects `kind` at `field`.
Message ExpectUnpackError(std::string_view frame, CodecErrorKind kind, int field) {
  Message read;
  CodecError error = Unpack(Iso8583_1987(), frame, &read);
  EXPECT_EQ(error.kind, kind) << error.ToString();
  EXPECT_EQ(error.field, field) << error.ToString();
  EXPECT_FALSE(error.ToString().empty());
  return read;
}

std::string PurchaseFrame() {
  Message message;
  BuildPurchase0100(&message);
  return PackOrFail(Iso8583_1987(), message);
}

TEST(Iso8583Unpack, RefusesAFrameShorterThanItsLengthPrefix) {
  ExpectUnpackError("", kFrameTooShort, 0);
  ExpectUnpackError("\x00"s, kFrameTooShort, 0);
}

TEST(Iso8583Unpack, RefusesALengthPrefixThatIsNotTheFramesLength) {
  std::string frame = PurchaseFrame();
  ExpectUnpackError(frame.substr(0, frame.size() - 1), kFrameLength, 0);
  ExpectUnpackError(frame + "0", kFrameLength, 0);
}

TEST(Iso8583Unpack, RefusesAMissingMti) {
  ExpectUnpackError(Frame(""), kMissingMti, 0);
  ExpectUnpackError(Frame("010"), kMissingMti, 0);
}

TEST(Iso8583Unpack, RefusesAnMtiOfNonDigits) {
  Message read = ExpectUnpackError(Frame("01A0" + Bitmap({11}) + "000001"), kBadMti, 0);
  EXPECT_FALSE(read.has_mti());
}

TEST(Iso8583Unpack, RefusesAnUnknownMtiButKeepsItAndReadsTheFields) {
  const std::string frame = Frame("0105" + Bitmap({11}) + "000001");
  Message read = ExpectUnpackError(frame, kUnknownMti, 0);  // its fields are views of `frame`
  EXPECT_EQ(read.mti(), "0105");
  EXPECT_EQ(read.field(11), "000001");
}

TEST(Iso8583Unpack, RefusesABitmapTheFrameCutsShort) {
  Message read = ExpectUnpackError(Frame("0100\xf2\x3c"), kBadBitmap, 0);
  EXPECT_EQ(read.mti(), "0100");  // enough to answer 0110 "30"
  // Bit 1 announces a secondary bitmap that is not there.
  ExpectUnpackError(Frame("0100" + Bitmap({1, 11}) + "\x00\x00"s), kBadBitmap, 0);
}

TEST(Iso8583Unpack, RefusesAFieldTheDialectLacks) {
  Message read = ExpectUnpackError(Frame("0100" + Bitmap({5, 11}) + "000001"), kUnknownField, 5);
  EXPECT_FALSE(read.has(11));  // its position is unknown once field 5's length is
  // Field 65, the 1987 tertiary bitmap bit, is not in the issue's table either.
  ExpectUnpackError(Frame("0800" + Bitmap({1}) + Bitmap({1})), kUnknownField, 65);
}

TEST(Iso8583Unpack, RefusesALengthPrefixOfNonDigits) {
  ExpectUnpackError(Frame("0100" + Bitmap({2}) + "1A9112010000"), kBadLengthPrefix, 2);
}

TEST(Iso8583Unpack, RefusesALengthPastTheSpec) {
  // Field 2 is n..19.
  ExpectUnpackError(Frame("0100" + Bitmap({2}) + "20" + std::string(20, '9')), kLengthPastSpec, 2);
}

TEST(Iso8583Unpack, RefusesALengthPastTheFrame) {
  ExpectUnpackError(Frame("0100" + Bitmap({2}) + "16" + "91120100"), kLengthPastFrame, 2);
  ExpectUnpackError(Frame("0100" + Bitmap({2}) + "1"), kLengthPastFrame, 2);
  ExpectUnpackError(Frame("0100" + Bitmap({4}) + "0000001500"), kLengthPastFrame, 4);
}

TEST(Iso8583Unpack, RefusesNonDigitsInAnNField) {
  ExpectUnpackError(Frame("0100" + Bitmap({4}) + "00000015000A"), kNotNumeric, 4);
  ExpectUnpackError(Frame("0100" + Bitmap({4}) + "-00000150000"), kNotNumeric, 4);
}

TEST(Iso8583Unpack, RefusesOtherThanLettersDigitsAndSpaceInAnAnField) {
  ExpectUnpackError(Frame("0110" + Bitmap({39}) + "0-"), kNotAlphanumeric, 39);
}

TEST(Iso8583Unpack, RefusesNonPrintableBytesInAnAnsField) {
  ExpectUnpackError(Frame("0100" + Bitmap({41}) +
                          "TERM\x01"
                          "001"),
                    kNotPrintable, 41);
  ExpectUnpackError(Frame("0100" + Bitmap({41}) +
                          "TERM\xC3\xA9"
                          "01"),
                    kNotPrintable, 41);
}

TEST(Iso8583Unpack, RefusesOtherThanTrack2CharactersInAZField) {
  ExpectUnpackError(Frame("0100" + Bitmap({35}) + "069112X0"), kNotTrack2, 35);
}

TEST(Iso8583Unpack, RefusesBytesAfterTheLastField) {
  ExpectUnpackError(Frame("0800" + Bitmap({11}) + "000001" + "X"), kTrailingBytes, 0);
}

// The gateway answers a request it cannot accept with 39 "30" when it read enough to: a content
// error leaves its field out and reading goes on, so the fields a response echoes are there.
TEST(Iso8583Unpack, ARequestWithABadAmountStillYieldsWhatItsFormatErrorResponseNeeds) {
  std::string frame = PurchaseFrame();
  size_t amount = frame.find("000000150000");
  ASSERT_NE(amount, std::string::npos);
  frame[amount + 11] = 'A';  // Pack refuses to write it, so the frame is edited
  Message request = ExpectUnpackError(frame, kNotNumeric, 4);
  EXPECT_FALSE(request.has(4));
  EXPECT_EQ(request.field(11), "000123");
  EXPECT_EQ(request.field(37), "633509000123");
  EXPECT_EQ(request.field(41), "TERM0001");
  EXPECT_EQ(request.field(55), "9F02060000001500009F1A020643");  // read to the end

  std::optional<Mti> response_mti = ResponseMti(request.mti());
  ASSERT_TRUE(response_mti.has_value());
  Message response;
  response.set_mti(std::string_view(response_mti->data(), 4));
  for (int number : {2, 3, 7, 11, 37, 41}) response.Set(number, request.field(number));
  response.Set(39, "30");
  std::string answer = PackOrFail(Iso8583_1987(), response);
  EXPECT_EQ(answer.substr(2, 4), "0110");
}

TEST(Iso8583Unpack, NeverReadsPastTheFrameWhateverItsBytes) {
  // Every prefix and every single-byte change of a real frame, with its length prefix fixed up
  // so that the body is what is read: an error or a message, never a crash (ASan builds check
  // the reads). The fuzz target (fuzz_codec.cpp) explores further.
  std::string frame = PurchaseFrame();
  Message read;
  for (size_t size = 2; size <= frame.size(); ++size) {
    std::string cut = Frame(std::string_view(frame).substr(2, size - 2));
    CodecError error = Unpack(Iso8583_1987(), cut, &read);
    EXPECT_EQ(error.ok(), size == frame.size());
  }
  for (size_t at = 2; at < frame.size(); ++at) {
    for (int value : {0x00, 0x30, 0x39, 0x41, 0x80, 0xFF}) {
      std::string changed = frame;
      changed[at] = static_cast<char>(value);
      if (Unpack(Iso8583_1987(), changed, &read).ok()) {
        EXPECT_EQ(PackOrFail(Iso8583_1987(), read), changed);
      }
    }
  }
}

// --- packing errors --------------------------------------------------------------------------

CodecError PackError(const Message& message) {
  std::string frame = "stale";
  CodecError error = Pack(Iso8583_1987(), message, &frame);
  EXPECT_TRUE(frame.empty());
  return error;
}

TEST(Iso8583Pack, RefusesAMissingBadOrUnknownMti) {
  Message message;
  message.Set(11, "000001");
  EXPECT_EQ(PackError(message).kind, kMissingMti);
  message.set_mti("08x0");
  EXPECT_EQ(PackError(message).kind, kBadMti);
  message.set_mti("080");
  EXPECT_EQ(PackError(message).kind, kBadMti);
  message.set_mti("0600");
  EXPECT_EQ(PackError(message).kind, kUnknownMti);
}

TEST(Iso8583Pack, RefusesAFieldTheDialectLacks) {
  Message message;
  BuildSignOn0800(&message);
  message.Set(5, "000000000100");
  CodecError error = PackError(message);
  EXPECT_EQ(error.kind, kUnknownField);
  EXPECT_EQ(error.field, 5);
}

TEST(Iso8583Pack, RefusesAValueThatBreaksItsSpec) {
  struct Case {
    int field;
    std::string value;
    CodecErrorKind kind;
  };
  const std::vector<Case> cases = {
      {4, "15000", kLengthPastSpec},  // fixed n12: no padding is guessed
      {2, std::string(20, '9'), kLengthPastSpec},
      {52, "\x01\x02"s, kLengthPastSpec},  // b8
      {4, "00000015000A", kNotNumeric},
      {39, "0_", kNotAlphanumeric},
      {43, std::string(39, ' ') + "\n", kNotPrintable},
      {35, "9112=2812?", kNotTrack2},
  };
  for (const Case& c : cases) {
    Message message;
    BuildPurchase0100(&message);
    message.Set(c.field, c.value);
    CodecError error = PackError(message);
    EXPECT_EQ(error.kind, c.kind) << c.field;
    EXPECT_EQ(error.field, c.field);
  }
}

TEST(Iso8583Pack, RefusesAMessageLongerThanATwoByteLength) {
  Dialect dialect("long");
  ASSERT_TRUE(dialect.AllowMti("0100").ok());
  Message message;
  message.set_mti("0100");
  const std::string value(999, 'x');
  for (int number = 2; number <= 70; ++number) {
    ASSERT_TRUE(dialect.Define({number, kAns, kLllvar, 999}).ok());
    message.Set(number, value);
  }
  std::string frame;
  EXPECT_EQ(Pack(dialect, message, &frame).kind, kFrameTooLong);
}

// Errors are logged: they name the field and the reason, never the bytes (a PAN, a PIN block).
TEST(Iso8583Errors, NeverQuoteTheFieldsBytes) {
  Message message;
  BuildPurchase0100(&message);
  message.Set(2, "91120100000000X8");
  CodecError error = PackError(message);
  EXPECT_EQ(error.ToString(), "field 2: a non-digit in an n field");
  EXPECT_EQ(error.ToString().find("9112"), std::string::npos);
}

// --- dialects as data ------------------------------------------------------------------------

TEST(Iso8583Dialect, Iso8583_1987HoldsTheIssuesTable) {
  const Dialect& dialect = Iso8583_1987();
  const std::vector<std::pair<int, std::string>> expected = {
      {2, "n..19"},     {3, "n6"},        {4, "n12"},    {6, "n12"},   {7, "n10"},  {10, "n8"},
      {11, "n6"},       {12, "n6"},       {13, "n4"},    {14, "n4"},   {18, "n4"},  {22, "n3"},
      {32, "n..11"},    {33, "n..11"},    {35, "z..37"}, {37, "an12"}, {38, "an6"}, {39, "an2"},
      {41, "ans8"},     {42, "ans15"},    {43, "ans40"}, {49, "n3"},   {51, "n3"},  {52, "b8"},
      {53, "n16"},      {55, "ans..999"}, {64, "b8"},    {70, "n3"},   {90, "n42"}, {95, "an42"},
      {102, "ans..28"}, {103, "ans..28"}, {128, "b8"}};
  int defined = 0;
  for (int number = 0; number <= kMaxField + 1; ++number)
    defined += dialect.Field(number) != nullptr;
  EXPECT_EQ(defined, static_cast<int>(expected.size()));
  for (const auto& [number, spec] : expected) {
    ASSERT_NE(dialect.Field(number), nullptr) << number;
    EXPECT_EQ(DescribeSpec(*dialect.Field(number)), spec) << number;
  }
  EXPECT_EQ(dialect.Field(35)->length_kind, kLlvar);
  EXPECT_EQ(dialect.Field(55)->length_kind, kLllvar);
  EXPECT_EQ(dialect.known_mtis().size(), 20u);
  EXPECT_TRUE(dialect.IsKnownMti("0421"));
  EXPECT_FALSE(dialect.IsKnownMti("0422"));
}

// A Postilion-flavoured link (the npm iso_8583 package's dialect): field 53 is 48 raw bytes.
// It is a table edit, and the same codec reads it.
TEST(Iso8583Dialect, AnotherNetworksFieldIsATableEditNotCode) {
  Dialect postilion = Iso8583_1987();
  ASSERT_TRUE(postilion.Define({53, kB, kFixed, 48}).ok());
  Message signon;
  BuildSignOn0800(&signon);
  std::string key(48, '\0');
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i * 37);
  signon.Set(53, key);
  std::string frame = PackOrFail(postilion, signon);
  Message read;
  CodecError error = Unpack(postilion, frame, &read);
  ASSERT_TRUE(error.ok()) << error.ToString();
  EXPECT_EQ(read.field(53), key);
  // The 1987 dialect reads field 53 as n16: the same bytes are refused there.
  EXPECT_FALSE(Unpack(Iso8583_1987(), frame, &read).ok());
  std::string ignored;
  EXPECT_EQ(Pack(Iso8583_1987(), signon, &ignored).kind, kLengthPastSpec);
}

TEST(Iso8583Dialect, KnownMessageClassesAreData) {
  Dialect dialect = Iso8583_1987();
  Message message;
  message.set_mti("0600");  // administrative: not a class the hub switches
  message.Set(11, "000001");
  std::string frame;
  EXPECT_EQ(Pack(dialect, message, &frame).kind, kUnknownMti);
  ASSERT_TRUE(dialect.AllowMti("0600").ok());
  frame = PackOrFail(dialect, message);
  Message read;
  EXPECT_TRUE(Unpack(dialect, frame, &read).ok());
  EXPECT_EQ(Unpack(Iso8583_1987(), frame, &read).kind, kUnknownMti);
  EXPECT_FALSE(dialect.AllowMti("06x0").ok());
}

TEST(Iso8583Dialect, RefusesSpecsThatCannotBeOnTheWire) {
  Dialect dialect("bad");
  EXPECT_FALSE(dialect.Define({1, kB, kFixed, 8}).ok());  // the secondary bitmap bit
  EXPECT_FALSE(dialect.Define({129, kN, kFixed, 3}).ok());
  EXPECT_FALSE(dialect.Define({4, kN, kFixed, 0}).ok());
  EXPECT_FALSE(dialect.Define({4, kN, kFixed, 1000}).ok());
  EXPECT_FALSE(dialect.Define({2, kN, kLlvar, 100}).ok());
  EXPECT_FALSE(dialect.Define({55, kAns, kLllvar, 1000}).ok());
  EXPECT_FALSE(dialect.Define({52, kB, kLlvar, 8}).ok());
  EXPECT_EQ(dialect.Field(4), nullptr);
  Dialect made("made");
  Status twice = MakeDialect("twice", {{3, kN, kFixed, 6}, {3, kN, kFixed, 6}}, {}, &made);
  EXPECT_FALSE(twice.ok());
  EXPECT_EQ(twice.message(), "field 3: defined twice");
}

TEST(Iso8583Dialect, ResponseMtiIsTheRequestsClassPlusOne) {
  auto response = [](std::string_view mti) {
    std::optional<Mti> out = ResponseMti(mti);
    return out ? std::string(out->data(), 4) : std::string("none");
  };
  EXPECT_EQ(response("0100"), "0110");
  EXPECT_EQ(response("0121"), "0130");
  EXPECT_EQ(response("0200"), "0210");
  EXPECT_EQ(response("0401"), "0410");
  EXPECT_EQ(response("0420"), "0430");
  EXPECT_EQ(response("0800"), "0810");
  EXPECT_EQ(response("0110"), "none");
  EXPECT_EQ(response("01x0"), "none");
  EXPECT_EQ(response("010"), "none");
}

// --- the framer -------------------------------------------------------------------------------

std::string GoldenStream() {
  std::string stream;
  for (const char* file :
       {"0100_purchase.hex", "0110_approval.hex", "0800_signon.hex", "0420_reversal.hex"}) {
    stream += FromHex(ReadFile(kTestdata + file));
  }
  return stream;
}

// Feeds `stream` to a framer in the pieces `cuts` makes and returns the frames it yields.
std::vector<std::string> SplitFrames(std::string_view stream, const std::vector<size_t>& cuts) {
  Framer framer;
  std::vector<std::string> frames;
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(stream.size());
  for (size_t to : ends) {
    framer.Append(stream.substr(from, to - from));
    from = to;
    std::string_view frame;
    while (framer.Next(&frame) == Framer::Result::kFrame) frames.emplace_back(frame);
  }
  EXPECT_EQ(framer.buffered_bytes(), 0u);
  return frames;
}

TEST(Iso8583Framer, YieldsTheSameFramesWhereverTheStreamIsSplit) {
  const std::string stream = GoldenStream();
  const std::vector<std::string> whole = SplitFrames(stream, {});
  ASSERT_EQ(whole.size(), 4u);
  Message read;
  for (const std::string& frame : whole) {
    EXPECT_TRUE(Unpack(Iso8583_1987(), frame, &read).ok());
  }
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    EXPECT_EQ(SplitFrames(stream, {cut}), whole) << "split at " << cut;
  }
  std::vector<size_t> every_byte;
  for (size_t cut = 1; cut < stream.size(); ++cut) every_byte.push_back(cut);
  EXPECT_EQ(SplitFrames(stream, every_byte), whole);
}

TEST(Iso8583Framer, RefusesALengthPastItsBoundAndStaysRefusing) {
  Framer framer(256);
  std::string_view frame;
  framer.Append("\x01\x00"s + std::string(256, '0'));  // exactly the bound: accepted
  EXPECT_EQ(framer.Next(&frame), Framer::Result::kFrame);
  EXPECT_EQ(frame.size(), 258u);
  framer.Append("\x01\x01"s);  // 257
  EXPECT_EQ(framer.Next(&frame), Framer::Result::kTooLong);
  framer.Append(PurchaseFrame());
  EXPECT_EQ(framer.Next(&frame), Framer::Result::kTooLong);
  EXPECT_EQ(framer.buffered_bytes(), 2u);  // nothing more kept once refused
}

TEST(Iso8583Framer, WaitsForTheRestOfAPartialFrame) {
  Framer framer;
  std::string_view frame;
  EXPECT_EQ(framer.Next(&frame), Framer::Result::kNeedMore);
  framer.Append("\x00"s);
  EXPECT_EQ(framer.Next(&frame), Framer::Result::kNeedMore);
  framer.Append(
      "\x04"
      "08"s);
  EXPECT_EQ(framer.Next(&frame), Framer::Result::kNeedMore);
  framer.Append("00\x00"s);  // the rest, and the first byte of the next length prefix
  EXPECT_EQ(framer.Next(&frame), Framer::Result::kFrame);
  EXPECT_EQ(frame,
            "\x00\x04"
            "0800"s);
  EXPECT_EQ(framer.Next(&frame), Framer::Result::kNeedMore);
  EXPECT_EQ(framer.buffered_bytes(), 1u);
  // A zero length is a frame to the framer (Unpack then refuses it: no MTI).
  framer.Append("\x00"s);
  EXPECT_EQ(framer.Next(&frame), Framer::Result::kFrame);
  EXPECT_EQ(frame.size(), 2u);
}

// --- the message ------------------------------------------------------------------------------

TEST(Iso8583Message, SetCopyOwnsItsBytesAcrossMovesAndCopies) {
  Message message;
  message.set_mti("0110");
  {
    std::string stan = "000777";
    std::string big(700, '9');  // past the arena's first block
    message.SetCopy(11, stan);
    message.SetCopy(55, big);
    stan.assign("xxxxxx");
    big.assign(700, 'x');
  }
  Message moved = std::move(message);
  EXPECT_EQ(moved.field(11), "000777");
  EXPECT_EQ(moved.field(55), std::string(700, '9'));
  Message copy;
  copy.CopyFrom(moved);
  moved.Clear();
  moved.SetCopy(11, "111111");
  EXPECT_EQ(copy.mti(), "0110");
  EXPECT_EQ(copy.field(11), "000777");
  EXPECT_EQ(copy.field(55), std::string(700, '9'));
  EXPECT_FALSE(moved.has(55));
  EXPECT_EQ(moved.field(11), "111111");
}

TEST(Iso8583Message, VisitsFieldsInAscendingOrderAndIgnoresNumbersOutOfRange) {
  Message message;
  for (int number : {128, 2, 65, 64, 70}) message.Set(number, "1");
  std::vector<int> seen;
  message.ForEachField([&](int number, std::string_view) { seen.push_back(number); });
  EXPECT_EQ(seen, (std::vector<int>{2, 64, 65, 70, 128}));
  EXPECT_FALSE(message.has(0));
  EXPECT_FALSE(message.has(1));
  EXPECT_FALSE(message.has(129));
  EXPECT_EQ(message.field(-5), "");
  message.Remove(65);
  EXPECT_FALSE(message.has(65));
}

}  // namespace
}  // namespace corridor::iso8583
