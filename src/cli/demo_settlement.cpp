// The demo's settlement of the day (demo_settlement.h).
#include "cli/demo_settlement.h"

#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/bank.h"

namespace corridor::cli {
namespace {

constexpr const char* kFlows[] = {"instant", "card", "return", "reversal", "interchange", "fee"};

// "-1234.5" (major units, two decimals at most: RUB and BYN) -> -123450; 0 when unreadable.
int64_t MinorOf(std::string_view text) {
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  int64_t minor = 0;
  int decimals = -1;
  for (char c : text) {
    if (c == '.') {
      decimals = 0;
    } else if (c >= '0' && c <= '9' && decimals < 2) {
      minor = minor * 10 + (c - '0');
      if (decimals >= 0) ++decimals;
    }
  }
  for (int d = decimals < 0 ? 0 : decimals; d < 2; ++d) minor *= 10;
  return negative ? -minor : minor;
}

std::string Major(int64_t minor) {
  char text[40];
  const int64_t a = minor < 0 ? -minor : minor;
  std::snprintf(text, sizeof(text), "%s%lld.%02lld", minor < 0 ? "-" : "",
                static_cast<long long>(a / 100), static_cast<long long>(a % 100));
  return text;
}

std::string Text(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) == simdjson::SUCCESS) return std::string(v);
  int64_t n = 0;
  if (e[key].get(n) == simdjson::SUCCESS) return std::to_string(n);
  return "?";
}

// Per flow, received - sent, for the flows the entry had ("instant -1500.00, fee -10.00").
std::string ByFlow(simdjson::dom::element entry, int64_t* sent_minor, int64_t* received_minor) {
  std::string out;
  for (const char* flow : kFlows) {
    const int64_t sent = MinorOf(Text(entry["sent"], flow));
    const int64_t received = MinorOf(Text(entry["received"], flow));
    *sent_minor += sent;
    *received_minor += received;
    if (sent == 0 && received == 0) continue;
    out += (out.empty() ? "" : ", ") + std::string(flow) + " " +
           (received - sent >= 0 ? "+" : "") + Major(received - sent);
  }
  return out;
}

void PrintEntries(simdjson::dom::element w) {
  std::printf("  %-11s %-4s %15s %15s %15s  %s\n", "participant", "cur", "sent", "received",
              "net", "by flow (received - sent)");
  simdjson::dom::array entries;
  if (w["entries"].get(entries) != simdjson::SUCCESS) return;
  for (simdjson::dom::element e : entries) {
    int64_t sent = 0, received = 0;
    const std::string flows = ByFlow(e, &sent, &received);
    std::printf("  %-11s %-4s %15s %15s %15s  %s\n", Text(e, "participant").c_str(),
                Text(e, "currency").c_str(), Major(sent).c_str(), Major(received).c_str(),
                Text(e, "net").c_str(), flows.c_str());
  }
}

void PrintObligations(simdjson::dom::element w) {
  simdjson::dom::array obligations;
  if (w["obligations"].get(obligations) != simdjson::SUCCESS) return;
  std::printf("settlement agents' obligations:\n");
  for (simdjson::dom::element o : obligations) {
    std::printf("  %s: %s collects %s from the net debtors and pays %s to the net creditors\n",
                Text(o, "currency").c_str(), Text(o, "agent").c_str(),
                Text(o, "pays_in").c_str(), Text(o, "pays_out").c_str());
  }
}

// POST on the admin API; the answer parsed into *doc when it is 200.
bool Post(simulator::Corridor& corridor, const std::string& target, const std::string& body,
          simdjson::dom::parser& parser, simdjson::dom::element* doc) {
  server::ClientResponse r;
  const Status st = corridor.AdminPost(target, body, &r);
  if (!st.ok() || r.status != 200 || parser.parse(r.body).get(*doc) != simdjson::SUCCESS) {
    std::fprintf(stderr, "demo: POST %s: %s\n", target.c_str(),
                 st.ok() ? ("HTTP " + std::to_string(r.status) + " " + r.body).c_str()
                         : st.message().c_str());
    return false;
  }
  return true;
}

// Each bank's statement of the window, as the bank fetches it from the participant API, in
// both formats, written to `dir`. Prints one line per file.
bool FetchStatements(simulator::Corridor& corridor, const std::string& window,
                     const std::string& dir) {
  std::filesystem::create_directories(dir);
  bool ok = true;
  for (size_t b = 0; b < corridor.size(); ++b) {
    simulator::Bank& bank = corridor.bank(b);
    simulator::HubClient client(bank.options());
    // A participant with several positions (the FX desk) names the currency of each.
    const auto& positions = corridor.spec(b).liquidity;
    for (size_t c = 0; c < positions.size() * 2; ++c) {
      const char* format = c % 2 == 0 ? "xml" : "csv";
      const std::string currency = positions.size() > 1 ? positions[c / 2].first : "";
      if (c / 2 > 0 && currency.empty()) break;
      const std::string target = "/v1/settlement/windows/" + window + "/statement?format=" +
                                 format + (currency.empty() ? "" : "&currency=" + currency);
      server::ClientResponse r;
      const Status st = client.Send("GET", target, "", "", &r);
      if (!st.ok() || r.status != 200) {
        std::printf("  %s: GET %s: %s\n", bank.options().bic.c_str(), target.c_str(),
                    st.ok() ? ("HTTP " + std::to_string(r.status)).c_str() : st.message().c_str());
        ok = false;
        continue;
      }
      const std::string path = dir + "/window-" + window + "-" + bank.options().bic +
                               (currency.empty() ? "" : "-" + currency) + "." + format;
      std::ofstream(path, std::ios::binary) << r.body;
      std::printf("  %s\n", path.c_str());
    }
  }
  return ok;
}

// Windows before `id` that the schedule closed during the day (the shipped configuration's
// cut-off at 18:00 Moscow time) are settled first: windows settle in order.
bool SettleEarlier(simulator::Corridor& corridor, uint64_t id, simdjson::dom::parser& parser) {
  for (uint64_t w = 1; w < id; ++w) {
    std::string body;
    simdjson::dom::element doc;
    if (!corridor.AdminGet("/v1/settlement/windows/" + std::to_string(w), &body).ok() ||
        parser.parse(body).get(doc) != simdjson::SUCCESS) {
      return false;
    }
    if (Text(doc, "state") == "settled") continue;
    const std::string target = "/v1/settlement/windows/" + std::to_string(w) + "/settle";
    if (!Post(corridor, target, "{\"all\":\"settled\",\"reference\":\"DEMO-RTGS-" +
                                    std::to_string(w) + "\"}",
              parser, &doc)) {
      return false;
    }
    std::printf("window %llu (closed at the day's cut-off): %s\n",
                static_cast<unsigned long long>(w), Text(doc, "state").c_str());
  }
  return true;
}

// Runs this binary with `args`; its exit code (-1 when it could not run).
int RunSelf(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"corridor"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace

bool WriteReports(const std::string& data_dir, uint64_t window, const std::string& hub_bic,
                  const std::vector<std::string>& card_banks, const std::string& reports_dir) {
  const std::string w = std::to_string(window);
  std::vector<std::vector<std::string>> asks = {{"agent"}, {"reconciliation"}};
  for (const std::string& bank : card_banks) asks.push_back({"clearing", bank});
  if (!hub_bic.empty()) asks.push_back({"fees", hub_bic});
  std::printf("reports of window %s (corridor report %s --format F --data %s):\n", w.c_str(),
              w.c_str(), data_dir.c_str());
  std::fflush(stdout);
  bool ok = true;
  for (const std::vector<std::string>& ask : asks) {
    std::string path = reports_dir + "/" + ask[0] + "-window-" + w;
    std::vector<std::string> args = {"report", w, "--format", ask[0], "--data", data_dir};
    if (ask.size() > 1) {
      path += "-" + ask[1];
      args.insert(args.end(), {"--participant", ask[1]});
    }
    path += ask[0] == "agent" ? ".csv" : ".txt";
    args.insert(args.end(), {"--out", path});
    const int code = RunSelf(args);
    std::printf("  %s%s\n", path.c_str(),
                code == 0 ? "" : (" (not written: exit " + std::to_string(code) + ")").c_str());
    ok = ok && code == 0;
  }
  return ok;
}

bool SettleTheDay(simulator::Corridor& corridor, const std::string& reports_dir,
                  uint64_t* window, std::string* hub_bic) {
  simdjson::dom::parser parser;
  simdjson::dom::element closed;
  std::printf("settlement: closing the window (POST /v1/settlement/windows/close)\n");
  if (!Post(corridor, "/v1/settlement/windows/close", "", parser, &closed)) return false;
  const std::string id = Text(closed, "id");
  *window = std::strtoull(id.c_str(), nullptr, 10);
  std::string body;
  simdjson::dom::element w;
  if (!corridor.AdminGet("/v1/settlement/windows/" + id, &body).ok() ||
      parser.parse(body).get(w) != simdjson::SUCCESS) {
    std::fprintf(stderr, "demo: GET /v1/settlement/windows/%s failed\n", id.c_str());
    return false;
  }
  const std::string opened = Text(w, "opened_at");
  std::printf("window %s: %s, opened %s, closed %s; net positions (net > 0: the hub owes it):\n",
              id.c_str(), Text(w, "state").c_str(),
              opened == "?" ? "with the hub" : opened.c_str(), Text(w, "closed_at").c_str());
  PrintEntries(w);
  simdjson::dom::array list;
  if (w["entries"].get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : list) {
      if (MinorOf(Text(e["received"], "fee")) != 0) *hub_bic = Text(e, "participant");
    }
  }
  PrintObligations(w);
  if (!SettleEarlier(corridor, *window, parser)) return false;
  const std::string reference = "DEMO-RTGS-" + id;
  std::printf("settlement: the agents report every net paid (POST /v1/settlement/windows/%s/"
              "settle, reference %s)\n", id.c_str(), reference.c_str());
  simdjson::dom::element settled;
  if (!Post(corridor, "/v1/settlement/windows/" + id + "/settle",
            "{\"all\":\"settled\",\"reference\":\"" + reference + "\"}", parser, &settled)) {
    return false;
  }
  size_t entries = 0, done = 0;
  std::string advances;
  if (settled["entries"].get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : list) {
      ++entries;
      if (Text(e, "state") == "settled") ++done;
      const std::string advance = Text(e, "advance");
      if (MinorOf(advance) != 0) {
        advances += " " + Text(e, "participant") + " " + Text(e, "currency") + " " + advance;
      }
    }
  }
  const std::string state = Text(settled, "state");
  std::printf("window %s: %s, %zu of %zu entries settled%s%s\n", id.c_str(), state.c_str(), done,
              entries, advances.empty() ? "" : "; advanced to net creditors short of room:",
              advances.c_str());
  std::printf("statements (camt.053 and CSV, as each bank fetches its own: GET "
              "/v1/settlement/windows/%s/statement?format=xml|csv):\n", id.c_str());
  const bool statements = FetchStatements(corridor, id, reports_dir);
  std::fflush(stdout);  // before the hub's own lines as it stops
  return state == "settled" && done == entries && statements;
}

}  // namespace corridor::cli
