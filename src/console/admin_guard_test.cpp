#include "console/admin_guard.h"

#include <gtest/gtest.h>

#include "console/console.h"

namespace corridor::console {
namespace {

server::Request Write(std::string_view host, std::string_view origin, std::string_view header) {
  server::Request r;
  r.method = server::Method::post;
  r.method_name = "POST";
  r.target = "/v1/participants";
  r.host = host;
  r.origin = origin;
  r.corridor_request = header;
  return r;
}

const ListenerIdentity kListener{"hub.example", 8080, false};

TEST(AdminGuard, AllowsWritesFromTheListenersOwnOriginWithTheHeader) {
  EXPECT_EQ(ForgedWriteReason(Write("127.0.0.1:8080", "", "1"), kListener), "");
  EXPECT_EQ(ForgedWriteReason(Write("localhost:8080", "http://localhost:8080", "1"), kListener), "");
  EXPECT_EQ(ForgedWriteReason(Write("[::1]:8080", "http://[::1]:8080", "1"), kListener), "");
  EXPECT_EQ(ForgedWriteReason(Write("HUB.example:8080", "http://hub.example:8080", "1"), kListener),
            "");
}

TEST(AdminGuard, RefusesWritesWithoutTheHeader) {
  const std::string reason = ForgedWriteReason(Write("127.0.0.1:8080", "", ""), kListener);
  EXPECT_NE(reason.find("X-Corridor-Request"), std::string::npos) << reason;
}

TEST(AdminGuard, RefusesAForeignOrigin) {
  for (const char* origin : {"http://evil.example", "http://127.0.0.1:3000", "null",
                             "https://127.0.0.1:8080", "http://127.0.0.1:8080.evil"}) {
    const std::string reason =
        ForgedWriteReason(Write("127.0.0.1:8080", origin, "1"), kListener);
    EXPECT_NE(reason.find("Origin"), std::string::npos) << origin << ": " << reason;
  }
}

TEST(AdminGuard, RefusesAHostThatDoesNotNameTheListener) {
  // A DNS name rebound to 127.0.0.1, another port, no port (80), garbage.
  for (const char* host : {"evil.example:8080", "127.0.0.1:8081", "127.0.0.1", "", "[::1",
                           "localhost:", "localhost:99999", "localhost:80x"}) {
    const std::string reason = ForgedWriteReason(Write(host, "", "1"), kListener);
    EXPECT_NE(reason.find("Host"), std::string::npos) << host << ": " << reason;
  }
}

TEST(AdminGuard, WildcardListenersNameNoHostButLoopback) {
  const ListenerIdentity any{"0.0.0.0", 8080, false};
  EXPECT_FALSE(HostNamesListener("0.0.0.0:8080", any));
  EXPECT_TRUE(HostNamesListener("localhost:8080", any));
  const ListenerIdentity tls{"127.0.0.1", 443, true};
  EXPECT_TRUE(HostNamesListener("localhost", tls));
  EXPECT_EQ(ForgedWriteReason(Write("localhost", "https://localhost", "1"), tls), "");
  EXPECT_NE(ForgedWriteReason(Write("localhost", "http://localhost", "1"), tls), "");
}

TEST(AdminGuard, ReadsStayOpen) {
  server::Request r = Write("evil.example", "http://evil.example", "");
  r.method = server::Method::get;
  r.method_name = "GET";
  EXPECT_EQ(ForgedWriteReason(r, kListener), "");
  r.method = server::Method::other;
  r.method_name = "HEAD";
  EXPECT_EQ(ForgedWriteReason(r, kListener), "");
  r.method_name = "OPTIONS";
  EXPECT_NE(ForgedWriteReason(r, kListener), "");
}

TEST(Console, EmbedsItsPagesAndTheChartLibrary) {
  const EmbeddedFile* index = FindFile("");
  ASSERT_NE(index, nullptr);
  EXPECT_NE(index->body.find("<html"), std::string_view::npos);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  const EmbeddedFile* uplot = FindFile("uPlot.iife.min.js");
  ASSERT_NE(uplot, nullptr);
  EXPECT_GT(uplot->body.size(), 10000u) << "the chart library is missing: npm ci in src/console";
  EXPECT_EQ(FindFile("../CMakeLists.txt"), nullptr);
}

}  // namespace
}  // namespace corridor::console
