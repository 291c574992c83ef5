// Fills a pasaprod database with a large synthetic history for the API benchmark
// (bench/README.md, "API"): N releases spread over the given systems, past years, kinds and
// states, and about M audit events in all (hash-chained through the store, anchored at
// <db>.anchor as the server expects). Each release's events are those the service writes for
// its history, so `pasaprod audit verify` replays them to the seeded rows: "release.open",
// then, while in draft, "release.record" of consulted opinions (records of type consultation,
// as many as bring the release to M/N events), then a "release.act" per transition.
//
// Usage: pasaprod_api_seed --db PATH --systems CODE[,CODE...] --requester USER[,USER...]
//                          [--releases N] [--events M]
// Release i is on system i mod |systems| and opened by requester i mod |requesters|. The
// systems and the requesters must already exist (`pasaprod system add`, `user add`).
// Inserts in transactions of 2,000 releases; prints progress and the time taken.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "audit/file_anchor.h"
#include "bench/common/synthetic_text.h"
#include "core/manifest.h"
#include "storage/open/open_store.h"

namespace pasaprod {
namespace {

using nlohmann::json;

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
        const int steps = per_release > 1 ? (i * 7) % (kPathLength + 1) : 0;
        const long opinions = std::max(0L, per_release - 1 - steps);
        r.state = steps == 0 ? "draft" : kPath[steps - 1][2];
        r.edition = "02";
        r.created_at = (static_cast<std::int64_t>(year) - 1970) * 31'556'952'000LL + static_cast<std::int64_t>(i % per_year) * 3'000'000;
        r.updated_at = r.created_at + (opinions + steps) * 60'000LL;
        r.row_version = 1 + opinions + steps;  // opened at 1, each record and action bumps it
        if (auto st = tx.insert_release(r); !st) return st;
        const std::string manifest = manifest_sha256(r);  // no files: the same all along
        Timestamp at = r.created_at;
        const auto append = [&](std::string action, const json& before, const json& after) -> Status {
          AuditEvent ev;
          ev.at = at;
          ev.actor = r.requester;
          ev.subject = r.number;
          ev.action = std::move(action);
          ev.before = before.is_null() ? "" : before.dump();
          ev.after = after.dump();
          auto done = tx.append_event(std::move(ev));
          if (!done) return done.error();
          ++events;
          at += 60'000;
          return ok_status();
        };
        // As Office::open_release, record and act_view write them.
        if (auto st = append("release.open", nullptr,
                             {{"system", r.system}, {"kind", r.kind}, {"version", r.version}, {"title", r.title},
                              {"state", "draft"}, {"edition", r.edition}, {"changes_database", r.changes_database}});
            !st) {
          return st;
        }
        for (long k = 0; k < opinions; ++k) {
          Record rec;
          rec.type = "consultation";
          rec.fields = {{"opinion", "favorable"}, {"note", fmt::format("Opinión {}", k + 1)}};
          rec.by = r.requester;
          rec.at = at;
          rec.manifest_sha256 = manifest;
          if (auto added = tx.add_record(r.number, rec); !added) return added.error();
          if (auto st = append("release.record", nullptr, {{"type", rec.type}, {"fields", rec.fields}, {"manifest_sha256", manifest}}); !st) {
            return st;
          }
        }
        for (int k = 0; k < steps; ++k) {
          const auto& step = kPath[k];
          if (auto st = tx.add_transition(r.number, {step[0], step[1], step[2], r.requester, "", at, manifest}); !st) return st;
          json after = {{"state", step[2]}, {"action", step[0]}, {"manifest_sha256", manifest}};
          if (std::string(step[0]) == "deploy") after["deployed_manifest_sha256"] = manifest;
          if (auto st = append("release.act", {{"state", step[1]}}, after); !st) return st;
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
