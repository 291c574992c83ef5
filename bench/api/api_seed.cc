// Fills a pasaprod database with a large synthetic history for the API benchmark
// (bench/README.md, "API"): N releases spread over the given systems, past years, kinds and
// states, each with its transitions, and M audit events in all (hash-chained through the
// store, anchored at <db>.anchor as the server expects).
//
// Usage: pasaprod_api_seed --db PATH --systems CODE[,CODE...] --requester USER[,USER...]
//                          [--releases N] [--events M]
// Release i is on system i mod |systems| and opened by requester i mod |requesters|. The
// systems and the requesters must already exist (`pasaprod system add`, `user add`).
// Inserts in transactions of 2,000 releases; prints progress and the time taken.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "audit/file_anchor.h"
#include "bench/common/synthetic_text.h"
#include "storage/open/open_store.h"

namespace pasaprod {
namespace {

struct Args {
  std::string db;
  std::vector<std::string> systems;
  std::vector<std::string> requesters;
  int releases = 100000;
  long events = 1000000;
};

void check(const Status& st) {
  if (!st.ok()) throw std::runtime_error(st.error().en);
}

// The path a release walks, in order; a release stops somewhere along it.
constexpr const char* kPath[][3] = {
    {"request_qa", "draft", "in_qa"},           {"qa_accept", "in_qa", "qa_approved"},
    {"request_production", "qa_approved", "submitted"}, {"validate", "submitted", "validated"},
    {"prepare_report", "validated", "pending_approval"}, {"pre_approve", "pending_approval", "pre_approved"},
    {"approve", "pre_approved", "approved"},    {"deploy", "approved", "deployed"},
    {"verify", "deployed", "verified"},         {"accept", "verified", "closed"},
};
constexpr int kPathLength = sizeof(kPath) / sizeof(kPath[0]);

int run(const Args& a) {
  audit::FileAnchor anchor(a.db + ".anchor");
  auto opened = open_store(a.db, &anchor);
  check(opened.ok() ? ok_status() : Status(opened.error()));
  AnchoredStore& store = **opened;
  const auto start = std::chrono::steady_clock::now();
  const long per_release = std::max(1L, a.events / std::max(1, a.releases));
  long events = 0;
  constexpr int kBatch = 2000;
  constexpr int kFirstYear = 2014;
  constexpr int kYears = 12;
  const int per_year = (a.releases + kYears - 1) / kYears;
  for (int first = 0; first < a.releases; first += kBatch) {
    check(store.write([&](WriteTx& tx) -> Status {
      for (int i = first; i < std::min(a.releases, first + kBatch); ++i) {
        Release r;
        const int year = kFirstYear + i / per_year;
        r.number = fmt::format("PP-{}-{:04}", year, i % per_year + 1);
        r.system = a.systems[static_cast<std::size_t>(i) % a.systems.size()];
        r.kind = i % 10 == 0 ? "emergency" : (i % 10 < 3 ? "project" : "maintenance");
        r.version = fmt::format("{}.{}", 1 + i / 5000, i % 5000);
        r.title = bench::synthetic_title(i);
        r.summary = bench::synthetic_summary(i);
        r.requester = a.requesters[static_cast<std::size_t>(i) % a.requesters.size()];
        const int steps = std::min<long>(kPathLength, per_release - 1) > 0 ? (i * 7) % (kPathLength + 1) : 0;
        r.state = steps == 0 ? "draft" : kPath[steps - 1][2];
        r.edition = "02";
        r.created_at = (static_cast<std::int64_t>(year) - 1970) * 31'556'952'000LL + static_cast<std::int64_t>(i % per_year) * 3'000'000;
        r.updated_at = r.created_at + steps * 3'600'000LL;
        r.row_version = steps;
        if (auto st = tx.insert_release(r); !st) return st;
        for (long e = 0; e < per_release; ++e) {
          AuditEvent ev;
          ev.at = r.created_at + e * 60'000;
          ev.actor = r.requester;
          ev.subject = r.number;
          if (e == 0) {
            ev.action = "release.create";
            ev.after = fmt::format(R"({{"state":"draft","version":"{}"}})", r.version);
          } else {
            const auto& step = kPath[(e - 1) % kPathLength];
            ev.action = "release.act";
            ev.before = fmt::format(R"({{"state":"{}"}})", step[1]);
            ev.after = fmt::format(R"({{"state":"{}","action":"{}"}})", step[2], step[0]);
            if (e <= steps) {
              if (auto st = tx.add_transition(r.number, {step[0], step[1], step[2], r.requester, "", ev.at, ""}); !st) return st;
            }
          }
          auto done = tx.append_event(std::move(ev));
          if (!done) return done.error();
          ++events;
        }
      }
      return ok_status();
    }));
    if ((first / kBatch) % 10 == 9) fmt::print(stderr, "  {} releases, {} events\n", first + kBatch, events);
  }
  fmt::print("seeded {} releases and {} events in {:.1f} s\n", a.releases, events,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}

}  // namespace
}  // namespace pasaprod

int main(int argc, char** argv) {
  pasaprod::Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      fmt::print(stderr, "{} needs a value\n", a);
      return 2;
    }
    const std::string v = argv[++i];
    if (a == "--db") args.db = v;
    else if (a == "--requester") {
      std::stringstream ss(v);
      for (std::string user; std::getline(ss, user, ',');) args.requesters.push_back(user);
    }
    else if (a == "--releases") args.releases = std::stoi(v);
    else if (a == "--events") args.events = std::stol(v);
    else if (a == "--systems") {
      std::stringstream ss(v);
      for (std::string code; std::getline(ss, code, ',');) args.systems.push_back(code);
    } else {
      fmt::print(stderr, "usage: {} --db PATH --systems A,B --requester U1,U2 [--releases N] [--events M]\n", argv[0]);
      return 2;
    }
  }
  if (args.db.empty() || args.systems.empty() || args.requesters.empty()) {
    fmt::print(stderr, "--db, --systems and --requester are required\n");
    return 2;
  }
  try {
    return pasaprod::run(args);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
