// Interoperability with the npm iso_8583 package (2.6.7, pinned in tests/interop/package-lock.json
// and installed there by scripts/setup.sh with `npm ci`): an ISO 8583 implementation the hub
// did not write packs what we unpack and unpacks what we pack. The package's field 53 is given
// ISO 8583:1987's n16 as a custom format (tests/interop/iso8583.js); MACs are left out, as its
// field 64 is 4 bytes.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "base/temp_dir.h"
#include "iso8583/codec.h"
#include "iso8583/testing.h"

namespace corridor::iso8583 {
namespace {

using namespace corridor::iso8583::testing;  // NOLINT(build/namespaces): shared test helpers

const std::string kInteropDir = CORRIDOR_SOURCE_DIR "/tests/interop";

// Runs `node iso8583.js ARGS`; its stdout, or a test failure with its exit status.
std::string RunNode(const std::string& args) {
  const std::string command = "node " + kInteropDir + "/iso8583.js " + args;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return "";
  }
  std::string out;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  int status = ::pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command << " failed: " << out;
  return out;
}

// Skips when node is not installed (scripts/setup.sh installs it, so only on a bare machine);
// fails when the package is not installed, as that is a broken setup, not a missing tool.
#define SKIP_WITHOUT_NODE()                                                                       \
  do {                                                                                            \
    if (std::system("command -v node >/dev/null 2>&1") != 0) {                                    \
      GTEST_SKIP() << "node is not installed: scripts/setup.sh installs nodejs and npm";          \
    }                                                                                             \
    ASSERT_TRUE(std::filesystem::exists(kInteropDir + "/node_modules/iso_8583"))                  \
        << "the npm iso_8583 package is missing: run scripts/setup.sh (npm ci in tests/interop)"; \
  } while (0)

// The fields as the package takes and gives them: "0" the MTI, b fields as hex.
std::map<int, std::string> PackageFields(const Message& message) {
  std::map<int, std::string> fields = {{0, std::string(message.mti())}};
  message.ForEachField([&](int number, std::string_view value) {
    bool binary = Iso8583_1987().Field(number)->type == ContentType::kB;
    fields[number] = binary ? ToHex(value) : std::string(value);
  });
  return fields;
}

// Our messages hold printable ASCII only (b fields become hex), so quotes and backslashes are
// all JSON needs escaped.
std::string ToJson(const std::map<int, std::string>& fields) {
  std::string json = "{";
  for (const auto& [number, value] : fields) {
    if (json.size() > 1) json += ",";
    json += "\"" + std::to_string(number) + "\":\"";
    for (char c : value) {
      if (c == '"' || c == '\\') json += '\\';
      json += c;
    }
    json += "\"";
  }
  return json + "}";
}

std::map<int, std::string> ParseLines(const std::string& text) {
  std::map<int, std::string> fields;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    fields[std::stoi(line.substr(0, tab))] = line.substr(tab + 1);
  }
  return fields;
}

using Builder = void (*)(Message*);

TEST(Iso8583Interop, RequestsThePackagePacksAreReadByUnpackAndPackBackTheSame) {
  SKIP_WITHOUT_NODE();
  TempDir dir;
  for (Builder build : {BuildPurchase0100, BuildSignOn0800, BuildReversal0420}) {
    Message expected;
    build(&expected);
    const std::string file = dir.path() + "/fields.json";
    std::ofstream(file) << ToJson(PackageFields(expected));
    const std::string frame = FromHex(RunNode("pack " + file));
    ASSERT_FALSE(frame.empty());

    Message read;
    CodecError error = Unpack(Iso8583_1987(), frame, &read);
    ASSERT_TRUE(error.ok()) << expected.mti() << ": " << error.ToString();
    EXPECT_EQ(PackageFields(read), PackageFields(expected)) << expected.mti();
    EXPECT_TRUE(read.secondary_bitmap());  // the package always sends one
    std::string packed;
    ASSERT_TRUE(Pack(Iso8583_1987(), read, &packed).ok());
    EXPECT_EQ(ToHex(packed), ToHex(frame)) << expected.mti();
  }
}

// The responses the hub sends, and a forwarded request, read by the package.
TEST(Iso8583Interop, MessagesWePackAreReadByThePackage) {
  SKIP_WITHOUT_NODE();
  Message signon_response;
  BuildSignOn0800(&signon_response);
  signon_response.set_mti("0810");
  signon_response.Remove(53);
  signon_response.Set(39, "00");
  Message approval, purchase, reversal;
  BuildApproval0110(&approval);
  BuildPurchase0100(&purchase);  // with the PIN block, 8 raw bytes
  BuildReversal0420(&reversal);
  for (const Message* message : {&approval, &signon_response, &purchase, &reversal}) {
    std::string frame;
    CodecError error = Pack(Iso8583_1987(), *message, &frame);
    ASSERT_TRUE(error.ok()) << error.ToString();
    std::map<int, std::string> read = ParseLines(RunNode("unpack " + ToHex(frame)));
    EXPECT_EQ(read, PackageFields(*message)) << message->mti();
  }
}

}  // namespace
}  // namespace corridor::iso8583
