// Adherence report benchmark (bench/README.md, "adherence"). For each size N (synthetic
// maintenance, project and emergency releases with full histories: ~9 files, ~9 reviews, ~8
// records, ~9 transitions each), in one run:
//   (0) baseline: a plain SELECT scan of the same rows (releases and their four child tables,
//       every column read) on a bare sqlite3 connection;
//   (1) pure computation: reports::AdherenceBuilder over releases already in memory (timed
//       over the add() calls and finish() only);
//   (2) end-to-end: Office::adherence_report itself (a local caller, the whole period) on the
//       same database, three ways: cold (no stored facts: every history is read, its facts
//       gathered and kept — the first report after the v5 migration), warm (every release's
//       facts stored and current — the next report), and with 10% of the releases changed
//       since the last report (their facts dropped, as a change to a history drops them);
// printed in CPU seconds of the process and as ratios to (0), with wall times. The paths must
// agree release by release. Target: (2) under 2 s wall at N = 100,000.
//
// Usage: pasaprod_adherence_bench [--dir DIR] [--sizes 10000,100000] [--with-1m] [--rounds R] [--keep]
// The databases go in a new subdirectory of DIR (default: $TMPDIR or /tmp), removed at the end
// unless --keep.
#include <fmt/format.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/procedure.h"
#include "library/library.h"
#include "reports/adherence.h"
#include "service/office.h"
#include "service/procedures.h"
#include "storage/open/open_store.h"
#include "util/system_clock.h"

namespace pasaprod {
namespace {

using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// The process's CPU time in seconds. The machine is shared: wall time varies with the load,
// CPU time much less, so figures are CPU seconds (wall time of end-to-end printed beside).
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double seconds_since(SteadyClock::time_point t0) { return std::chrono::duration<double>(SteadyClock::now() - t0).count(); }

void check(const Status& st) {
  if (!st.ok()) throw std::runtime_error(st.error().en);
}

constexpr Timestamp kStart = 1'735'689'600'000;  // 2025-01-01
constexpr Timestamp kHour = 3'600'000;
const char* const kMaintenanceSlots[] = {"install_manual", "user_manual", "system_manual", "source_code", "executables",
                                         "installers", "db_scripts", "qa_acceptance", "backout_plan"};

// Release i of n: created over two years, on one of 60 systems; most follow the procedure to
// the end, some miss a backup, some are approved late, some rejected, some rolled back.
Release synth(int i, int n) {
  Release r;
  r.number = fmt::format("PP-{}-{:07}", 2025 + (i * 2 / n), i);
  r.system = fmt::format("SYS{:02}", i % 60);
  r.kind = i % 10 == 0 ? "emergency" : (i % 10 == 1 ? "project" : "maintenance");
  r.version = fmt::format("{}.{}", i % 9 + 1, i % 17);
  r.title = fmt::format("Cambio #{}", i);
  r.summary = "Corrige incidencias.";
  r.requester = fmt::format("user{:03}", i % 150);
  r.edition = "02";
  r.created_at = kStart + static_cast<Timestamp>(i) * (2LL * 365 * 24 * kHour / n);
  r.updated_at = r.created_at;
  Timestamp t = r.created_at;
  auto step = [&](const char* action, const char* from, const char* to, Timestamp dt) {
    t += dt;
    r.transitions.push_back({action, from, to, "user", "", t, std::string(64, 'f')});
    r.state = to;
  };
  auto rec = [&](const char* type, std::map<std::string, std::string> fields, Timestamp dt) {
    t += dt;
    r.records.push_back({0, type, std::move(fields), "user", t, std::string(64, 'f'), {}});
  };
  for (const char* slot : kMaintenanceSlots) {
    if (r.kind == "emergency" && std::strcmp(slot, "install_manual") == 0) continue;
    r.files.push_back({slot, std::string(slot) + ".zip", 12345, std::string(64, 'a'), "user", t});
  }
  if (r.kind != "emergency") {
    step("request_qa", "draft", "in_qa", kHour);
    step("qa_accept", "in_qa", "qa_approved", 24 * kHour);
    step("request_production", "qa_approved", "submitted", kHour);
  } else {
    step("request_production", "draft", "submitted", kHour);
  }
  for (const auto& f : r.files) r.reviews.push_back({f.slot, "accepted", "", "op", t + kHour, std::string(64, 'b')});
  const std::string day = format_date(t + 48 * kHour);
  rec("window", {{"from", day + "T00:00:00Z"}, {"to", day + "T23:59:00Z"}}, 2 * kHour);
  rec("security_conformity", {{"note", "ok"}}, kHour);
  rec("infra_readiness", {{"note", "ok"}}, kHour);
  step("validate", "submitted", "validated", kHour);
  step("prepare_report", "validated", "pending_approval", kHour);
  if (i % 17 == 3) {
    step("reject", "pending_approval", "rejected", 5 * kHour);
    return r;
  }
  const bool late_approval = i % 23 == 5;
  if (r.kind == "emergency") {
    step("committee_approve", "pending_approval", "approved", 2 * kHour);
  } else if (!late_approval) {
    step("pre_approve", "pending_approval", "pre_approved", 3 * kHour);
    step("approve", "pre_approved", "approved", 5 * kHour);
  }
  t = std::max(t, *parse_iso(day + "T09:00:00Z"));
  if (i % 13 != 7) rec("backup", {{"what", "bd"}, {"where", "nas"}, {"sha256", std::string(64, 'c')}}, 10 * 60000);
  rec("deployment", {{"steps", "deployment_guide"}}, 10 * 60000);
  step("deploy", "approved", "deployed", 10 * 60000);
  if (late_approval) step("approve", "deployed", "deployed", kHour);
  if (i % 19 == 11) {
    rec("verification", {{"result", "failed"}, {"evidence", "error"}}, kHour);
    rec("rollback", {{"result", "ok"}, {"note", "revertido"}}, kHour);
    step("rollback", "deployed", "rolled_back", kHour);
    return r;
  }
  rec("verification", {{"result", "ok"}, {"evidence", "ok"}}, kHour);
  step("verify", "deployed", "verified", kHour);
  rec("baseline", {}, 24 * kHour);
  if (r.kind == "emergency") {
    step("close", "verified", "closed", kHour);
  } else if (i % 29 != 9) {
    rec("cosign", {{"role", "qa_lead"}}, kHour);
    rec("cosign", {{"role", "production_lead"}}, kHour);
    step("accept", "verified", "closed", kHour);
  }
  return r;
}

void fill(Store& store, int n) {
  constexpr int kBatch = 20000;
  for (int lo = 0; lo < n; lo += kBatch) {
    check(store.write([&](WriteTx& tx) -> Status {
      for (int i = lo; i < std::min(n, lo + kBatch); ++i) {
        const Release r = synth(i, n);
        if (auto st = tx.insert_release(r); !st) return st;
        for (const auto& f : r.files) check(tx.put_file(r.number, f));
        for (const auto& v : r.reviews) check(tx.add_review(r.number, v));
        for (const auto& rec : r.records) {
          if (auto id = tx.add_record(r.number, rec); !id) return id.error();
        }
        for (const auto& tr : r.transitions) check(tx.add_transition(r.number, tr));
      }
      return ok_status();
    }));
  }
}

// (0) Every column of every row of the five tables the report reads; returns the rows seen.
long plain_scan(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) throw std::runtime_error("open");
  long rows = 0, bytes = 0;
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (const char* table : {"releases", "release_files", "reviews", "records", "transitions"}) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, fmt::format("SELECT * FROM {}", table).c_str(), -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) {
      ++rows;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        if (sqlite3_column_type(st, c) == SQLITE_TEXT) {
          bytes += static_cast<long>(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c))).size());
        } else {
          bytes += sqlite3_column_int64(st, c) & 1;
        }
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rows + (bytes < 0 ? 1 : 0);
}

std::vector<System> systems() {
  std::vector<System> out;
  for (int s = 0; s < 60; ++s) {
    System sys;
    sys.code = fmt::format("SYS{:02}", s);
    sys.unit = fmt::format("Unidad {}", s % 7);
    out.push_back(sys);
  }
  return out;
}

struct Args {
  std::string dir;
  std::vector<int> sizes = {10000, 100000};
  int rounds = 3;
  bool keep = false;  // leave the databases in place (for a look with sqlite3)
};

Args parse(int argc, char** argv) {
  Args a;
  const char* tmp = std::getenv("TMPDIR");
  a.dir = tmp ? tmp : "/tmp";
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + k);
      return argv[++i];
    };
    if (k == "--dir") a.dir = next();
    else if (k == "--rounds") a.rounds = std::stoi(next());
    else if (k == "--with-1m") a.sizes.push_back(1000000);
    else if (k == "--keep") a.keep = true;
    else if (k == "--sizes") {
      a.sizes.clear();
      std::string v = next();
      for (std::size_t p = 0; p <= v.size();) {
        std::size_t q = v.find(',', p);
        if (q == std::string::npos) q = v.size();
        a.sizes.push_back(std::stoi(v.substr(p, q - p)));
        p = q + 1;
      }
    } else throw std::runtime_error("unknown argument " + k);
  }
  return a;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs SQL on the database from a connection of its own (what the benchmark does to set up a
// case; never timed).
void exec_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("open");
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string what = err ? err : "exec";
    sqlite3_free(err);
    sqlite3_close(db);
    throw std::runtime_error(what);
  }
  sqlite3_close(db);
}

// Throws unless the two reports agree on every release's every control and on the totals.
void expect_same(const reports::AdherenceReport& a, const reports::AdherenceReport& b, const char* what) {
  auto fail = [&](const std::string& why) { throw std::runtime_error(std::string("the paths disagree (") + what + "): " + why); };
  if (a.releases.size() != b.releases.size()) fail("number of releases");
  for (std::size_t i = 0; i < a.releases.size(); ++i) {
    const auto &x = a.releases[i], &y = b.releases[i];
    if (x.number != y.number || x.fully_adherent != y.fully_adherent || x.lead_time != y.lead_time ||
        x.approval_latency != y.approval_latency || x.unit != y.unit || x.state != y.state) {
      fail(x.number);
    }
    for (std::size_t c = 0; c < reports::kControlCount; ++c) {
      const auto &p = x.controls[c], &q = y.controls[c];
      if (p.outcome != q.outcome || p.due != q.due || p.done != q.done || std::strcmp(p.why_en, q.why_en) != 0) {
        fail(x.number + " " + reports::control_code(static_cast<reports::Control>(c)));
      }
    }
  }
  if (a.total.fully_adherent != b.total.fully_adherent || a.total.requests != b.total.requests ||
      a.by_period.size() != b.by_period.size()) {
    fail("totals");
  }
}

struct Timing {
  std::vector<double> cpu, wall;
  void add(double c, double w) {
    cpu.push_back(c);
    wall.push_back(w);
  }
};

int run(const Args& args) {
  ProcedureSet procedures = ProcedureSet::builtin();
  const Procedure& proc = procedures.in_force(0);
  const std::vector<System> sys = systems();
  const fs::path dir = fs::path(args.dir) / fmt::format("pasaprod-adherence-bench-{}", ::getpid());
  fs::create_directories(dir);
  const Timestamp as_of = kStart + 3LL * 365 * 24 * kHour;
  const FixedClock clock(as_of);
  fmt::print("CPU seconds (median of {} rounds) and wall seconds; ratios to the plain scan of the same rows (CPU)\n", args.rounds);
  fmt::print("{:>9} | {:>7} {:>9} | {:>7} {:>6} | {:>7} {:>6} {:>7} | {:>7} {:>6} {:>7} | {:>7} {:>6} {:>7} | {:>7} | {}\n", "releases",
             "scan", "rows", "pure", "/scan", "cold", "/scan", "wall", "warm", "/scan", "wall", "10%chg", "/scan", "wall", "adherent",
             "fill wall (s)");
  for (int n : args.sizes) {
    const std::string path = (dir / fmt::format("adh-{}.db", n)).string();
    auto t0 = SteadyClock::now();
    {
      auto store = open_store(path, nullptr);
      if (!store) throw std::runtime_error(store.error().en);
      fill(**store, n);
      // Office::adherence_report reads systems from the store (for the units).
      check((*store)->write([&](WriteTx& tx) -> Status {
        for (System s : sys) {
          s.name = s.code;
          if (auto st = tx.insert_system(s); !st) return st;
        }
        return ok_status();
      }));
    }
    const double fill_s = seconds_since(t0);
    std::vector<double> scan, pure;
    Timing cold, warm, changed;
    long rows = 0;
    std::int64_t adherent = 0;
    for (int round = 0; round < args.rounds; ++round) {
      double c0 = cpu_now();
      rows = plain_scan(path);
      scan.push_back(cpu_now() - c0);

      // (1) in memory, 10,000 releases at a time (so 1M fits); only the builder is timed.
      reports::AdherenceOptions opts;
      opts.as_of = as_of;
      reports::AdherenceBuilder builder(proc, sys, opts);
      double timed = 0;
      std::vector<Release> batch;
      for (int lo = 0; lo < n; lo += 10000) {
        batch.clear();
        for (int i = lo; i < std::min(n, lo + 10000); ++i) batch.push_back(synth(i, n));
        c0 = cpu_now();
        for (const Release& r : batch) builder.add(r);
        timed += cpu_now() - c0;
      }
      c0 = cpu_now();
      const reports::AdherenceReport pure_report = std::move(builder).finish();
      pure.push_back(timed + cpu_now() - c0);

      // (2) the office's report, on a store opened beforehand (as in the server).
      auto store = open_store(path, nullptr);
      if (!store) throw std::runtime_error(store.error().en);
      Library library(dir / "library");
      Office office(**store, library, clock, procedures);
      auto report = [&](Timing& into) {
        const auto w0 = SteadyClock::now();
        const double cpu0 = cpu_now();
        auto r = office.adherence_report(Caller{"bench", true}, AdherenceQuery{});
        into.add(cpu_now() - cpu0, seconds_since(w0));
        if (!r) throw std::runtime_error(r.error().en);
        return std::move(*r);
      };
      exec_sql(path, "DELETE FROM release_derived");  // cold: as right after the v5 migration
      const reports::AdherenceReport cold_report = report(cold);
      const reports::AdherenceReport warm_report = report(warm);
      // A tenth of the releases changed since the last report: their facts are gone (a change
      // to a history drops them), the other nine tenths are current.
      exec_sql(path, "DELETE FROM release_derived WHERE substr(release, -1) = '7'");
      const reports::AdherenceReport changed_report = report(changed);
      expect_same(pure_report, cold_report, "pure, cold");
      expect_same(pure_report, warm_report, "pure, warm");
      expect_same(pure_report, changed_report, "pure, 10% changed");
      adherent = warm_report.total.fully_adherent;
      if (warm_report.total.requests != n) throw std::runtime_error("the report missed releases");
    }
    const double s = median(scan), p = median(pure);
    auto cells = [&](const Timing& t) {
      const double c = median(t.cpu);
      return fmt::format("{:>7.3f} {:>5.2f}x {:>7.3f}", c, c / s, median(t.wall));
    };
    fmt::print("{:>9} | {:>7.3f} {:>9} | {:>7.3f} {:>5.2f}x | {} | {} | {} | {:>6.1f}% | {:.1f}\n", n, s, rows, p, p / s, cells(cold),
               cells(warm), cells(changed), 100.0 * static_cast<double>(adherent) / n, fill_s);
    std::fflush(stdout);
    if (args.keep) continue;
    fs::remove(path);
    fs::remove(path + "-wal");
    fs::remove(path + "-shm");
  }
  if (args.keep) fmt::print("kept {}\n", dir.string());
  else fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace pasaprod

int main(int argc, char** argv) {
  try {
    return pasaprod::run(pasaprod::parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "pasaprod_adherence_bench: " << e.what() << "\n";
    return 1;
  }
}
