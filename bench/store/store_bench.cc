// Store benchmark (bench/README.md, "store"):
//   (a) raw SQLite durable commits/s: WAL, synchronous=FULL, one small INSERT per transaction,
//       SQLite's default VFS (and, for reference, the same through sqlite::wal_batching_vfs);
//   (b) actions/s through SqliteStore::write doing what an action does (bump_release +
//       add_transition + append_event), without a FileAnchor (also with SQLite's default VFS
//       instead of sqlite::wal_batching_vfs), with it synchronous and with it in the
//       background (AnchoredStore::AnchorMode), and the ratio to (a);
//   (c) releases(filter) latency with --releases rows (median and p99 per filter kind);
//   (d) (a) and (b) again with --writers threads at once (default 4), as a server runs them.
//
// Usage: pasaprod_store_bench [--dir DIR] [--seconds S] [--rounds R] [--releases N]
//                             [--queries Q] [--writers W]
// The databases go in a new subdirectory of DIR (default: the current directory), which
// decides the filesystem measured; it is removed at the end unless --keep is given.
#include <fmt/format.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "audit/file_anchor.h"
#include "bench/common/scratch.h"
#include "bench/common/synthetic_text.h"
#include "storage/open/open_store.h"
#include "storage/sqlite/wal_batching_vfs.h"

namespace pasaprod {
namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string dir;
  double seconds = 3;
  int rounds = 3;
  int releases = 100000;
  int queries = 50;
  int writers = 4;
  bool keep = false;
};

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(fmt::format("{}: {}", what, sqlite3_errmsg(db)));
  }
}

void check(const Status& st) {
  if (!st.ok()) throw std::runtime_error(st.error().en);
}

// Runs op repeatedly for `seconds`; returns operations per second.
// (a) one INSERT per durable transaction on a bare SQLite file, through SQLite's default VFS
// (or `vfs`, for the reference line that shows what pasaprod's VFS alone changes).
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path, const char* vfs = nullptr) {
    check(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), db_, "open");
    check(sqlite3_exec(db_,
                       "PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
                       nullptr, nullptr, nullptr),
          db_, "setup");
    check(sqlite3_prepare_v2(db_, "INSERT INTO t(v) VALUES (?)", -1, &insert_, nullptr), db_,
          "prepare");
  }
  ~RawSqlite() {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }
  void commit_one() {
    check(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db_, "begin");
    sqlite3_bind_text(insert_, 1, "a small row of about forty bytes of text", -1, SQLITE_STATIC);
    check(sqlite3_step(insert_), db_, "insert");
    sqlite3_reset(insert_);
    check(sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr), db_, "commit");
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

// (b) the writes of one procedure action, on one of `releases` requests (one per writer
// thread, so concurrent writers never conflict on a row_version).
class Actions {
 public:
  Actions(const std::string& path, AuditAnchor* anchor, int releases = 1,
          AnchoredStore::AnchorMode mode = AnchoredStore::AnchorMode::synchronous, bool batch_wal = true)
      : versions_(releases, 0) {
    StoreOptions options;
    options.anchoring.mode = mode;
    options.sqlite.batch_wal_writes = batch_wal;
    auto opened = open_store(path, anchor, options);
    check(opened.ok() ? ok_status() : Status(opened.error()));
    store_ = std::move(*opened);
    check(store_->write([&](WriteTx& tx) -> Status {
      for (int i = 0; i < releases; ++i) {
        const Release r = bench::action_release(number(i));
        if (auto st = tx.insert_release(r); !st) return st;
      }
      return ok_status();
    }));
  }
  // REQUIRES: one thread at a time per `release`.
  void act(int release = 0) {
    const std::int64_t v = versions_[static_cast<std::size_t>(release)];
    const char* from = v % 2 == 0 ? "draft" : "in_qa";
    const char* to = v % 2 == 0 ? "in_qa" : "draft";
    const std::string n = number(release);
    check(store_->write([&](WriteTx& tx) -> Status {
      if (auto st = tx.bump_release(n, v, to, 1000 + v); !st) return st;
      if (auto st = tx.add_transition(n, {"request_qa", from, to, "ana", "", 1000 + v, ""}); !st) {
        return st;
      }
      AuditEvent e;
      e.at = 1000 + v;
      e.actor = "ana";
      e.action = "release.act";
      e.subject = n;
      e.before = fmt::format(R"({{"state":"{}","row_version":{}}})", from, v);
      e.after = fmt::format(R"({{"state":"{}","row_version":{}}})", to, v + 1);
      auto done = tx.append_event(std::move(e));
      return done ? ok_status() : Status(done.error());
    }));
    ++versions_[static_cast<std::size_t>(release)];
  }
  void flush() { check(store_->flush_anchor()); }

 private:
  static std::string number(int i) { return fmt::format("PP-2026-{:04}", i + 1); }
  std::unique_ptr<AnchoredStore> store_;
  std::vector<std::int64_t> versions_;
};

// Runs op(thread) on `threads` threads for `seconds`, then `finish` (if any) inside the timed
// span; returns operations per second (all threads together).
double rate_threads(double seconds, int threads, const std::function<void(int)>& op,
                    const std::function<void()>& finish = {}) {
  std::atomic<long> total{0};
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      long n = 0;
      while (Clock::now() < until) {
        op(t);
        ++n;
      }
      total += n;
    });
  }
  for (auto& th : pool) th.join();
  if (finish) finish();
  return static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time consumed by the calling thread, in ms.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string load_average() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? fmt::format("{:.1f}", load[0]) : "unknown";
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct Variant {
  std::string label;
  std::function<void(int)> op;    // one operation on thread t
  std::function<void()> finish;   // inside the timed span, after the last op (may be empty)
  bool reference = false;         // shown for comparison; the target does not apply
};

// Measures `raw` and each variant with `threads` threads, --rounds times. In each round raw is
// measured before the first variant and after every variant, and each variant's ratio is to
// the mean of the raw rates measured just before and just after it: the disk's durable-commit
// rate here drifts by 2-10x within minutes, so only neighbouring measurements compare.
// Prints the median rate of each and the median of its per-round ratios.
void compare(const Args& args, const std::string& tag, int threads, const std::function<void(int)>& raw,
             const std::vector<Variant>& variants) {
  std::vector<double> raw_rates;
  std::vector<std::vector<double>> rates(variants.size()), ratios(variants.size());
  for (int r = 0; r < args.rounds; ++r) {
    double before = rate_threads(args.seconds, threads, raw);
    raw_rates.push_back(before);
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const double x = rate_threads(args.seconds, threads, variants[v].op, variants[v].finish);
      const double after = rate_threads(args.seconds, threads, raw);
      raw_rates.push_back(after);
      rates[v].push_back(x);
      ratios[v].push_back(x / ((before + after) / 2));
      before = after;
    }
  }
  fmt::print("{} {} writer thread(s)\n", tag, threads);
  fmt::print("    raw SQLite durable commits/s      {:8.1f}   (median; min {:.1f}, max {:.1f})\n",
             percentile(raw_rates, 0.5), percentile(raw_rates, 0), percentile(raw_rates, 1));
  for (std::size_t v = 0; v < variants.size(); ++v) {
    fmt::print("    {:<33} {:8.1f}   ratio {:5.1f}% {}\n", variants[v].label, percentile(rates[v], 0.5),
               100 * percentile(ratios[v], 0.5), variants[v].reference ? "(reference)" : "(target >= 50%)");
  }
  fmt::print("    (medians of {} rounds of {} s each; load average now {})\n\n", args.rounds,
             args.seconds, load_average());
}

// (c) fills a store with n releases spread over systems, kinds, states, requesters and
// three years, with varied titles.
void populate(SqliteStore& store, int n) {
  check(store.write([&](WriteTx& tx) -> Status {
    for (int i = 1; i <= n; ++i) {
      const int year = 2024 + (i - 1) * 3 / n;
      const Release r = bench::synthetic_release(i, fmt::format("PP-{}-{:05}", year, i));
      if (auto st = tx.insert_release(r); !st) return st;
    }
    return ok_status();
  }));
}

struct Query {
  std::string name;
  ReleaseFilter filter;
};

std::vector<Query> queries() {
  std::vector<Query> q;
  const auto add = [&](std::string name, auto set) {
    ReleaseFilter f;
    set(f);
    q.push_back({std::move(name), f});
  };
  add("none (first page)", [](ReleaseFilter&) {});
  add("none, offset 5000", [](ReleaseFilter& f) { f.offset = 5000; });
  add("state=draft", [](ReleaseFilter& f) { f.state = "draft"; });
  add("state=closed", [](ReleaseFilter& f) { f.state = "closed"; });
  add("system", [](ReleaseFilter& f) { f.system = "SYS07"; });
  add("kind=emergency", [](ReleaseFilter& f) { f.kind = "emergency"; });
  add("requester", [](ReleaseFilter& f) { f.requester = "user042"; });
  add("state+system", [](ReleaseFilter& f) {
    f.state = "in_qa";
    f.system = "SYS07";
  });
  add("created in one month", [](ReleaseFilter& f) {
    f.created_from = 1'735'689'600'000;  // 2025-01-01
    f.created_to = 1'738'368'000'000;    // 2025-02-01
  });
  add("text, common word", [](ReleaseFilter& f) { f.text = "Migración"; });
  add("text, rare", [](ReleaseFilter& f) { f.text = "#77777"; });
  add("text, number", [](ReleaseFilter& f) { f.text = "pp-2025-0500"; });
  add("text + state", [](ReleaseFilter& f) {
    f.text = "firma";
    f.state = "closed";
  });
  return q;
}

int run(const Args& args) {
  namespace fs = std::filesystem;
  fs::create_directories(args.dir);
  fmt::print("store benchmark in {} (sqlite {})\n\n", args.dir, sqlite3_libversion());

  // (a) and (b), and (d) with --writers threads.
  RawSqlite raw(args.dir + "/raw.db");
  RawSqlite raw_vfs(args.dir + "/raw-vfs.db", sqlite::wal_batching_vfs());
  Actions plain(args.dir + "/actions.db", nullptr);
  Actions plain_unix(args.dir + "/actions-unix.db", nullptr, 1, AnchoredStore::AnchorMode::synchronous, false);
  audit::FileAnchor anchor(args.dir + "/audit.anchor");
  Actions anchored(args.dir + "/actions-anchored.db", &anchor);
  audit::FileAnchor anchor_bg(args.dir + "/audit-bg.anchor");
  Actions anchored_bg(args.dir + "/actions-anchored-bg.db", &anchor_bg, 1, AnchoredStore::AnchorMode::background);
  compare(args, "(b)", 1, [&](int) { raw.commit_one(); },
          {{"raw commits, pasaprod's WAL VFS", [&](int) { raw_vfs.commit_one(); }, {}, true},
           {"actions/s via SqliteStore::write", [&](int) { plain.act(); }, {}},
           {"same, SQLite's default VFS", [&](int) { plain_unix.act(); }, {}},
           {"same, with FileAnchor (sync)", [&](int) { anchored.act(); }, {}},
           {"same, FileAnchor in background", [&](int) { anchored_bg.act(); }, [&] { anchored_bg.flush(); }}});

  if (args.writers > 1) {
    // (d) as a server runs them: several writer threads at once, each on its own request.
    // Raw SQLite gets the same number of threads, each with its own connection.
    std::vector<std::unique_ptr<RawSqlite>> raws;
    for (int t = 0; t < args.writers; ++t) raws.push_back(std::make_unique<RawSqlite>(args.dir + "/raw-mt.db"));
    audit::FileAnchor anchor_mt(args.dir + "/audit-mt.anchor");
    Actions plain_mt(args.dir + "/actions-mt.db", nullptr, args.writers);
    Actions plain_mt_unix(args.dir + "/actions-mt-unix.db", nullptr, args.writers,
                          AnchoredStore::AnchorMode::synchronous, false);
    Actions anchored_mt(args.dir + "/actions-anchored-mt.db", &anchor_mt, args.writers);
    audit::FileAnchor anchor_mt_bg(args.dir + "/audit-mt-bg.anchor");
    Actions anchored_mt_bg(args.dir + "/actions-anchored-mt-bg.db", &anchor_mt_bg, args.writers,
                           AnchoredStore::AnchorMode::background);
    compare(args, "(d)", args.writers, [&](int t) { raws[static_cast<std::size_t>(t)]->commit_one(); },
            {{"actions/s via SqliteStore::write", [&](int t) { plain_mt.act(t); }, {}},
             {"same, SQLite's default VFS", [&](int t) { plain_mt_unix.act(t); }, {}},
             {"same, with FileAnchor (sync)", [&](int t) { anchored_mt.act(t); }, {}},
             {"same, FileAnchor in background", [&](int t) { anchored_mt_bg.act(t); }, [&] { anchored_mt_bg.flush(); }}});
  }

  if (args.releases <= 0) return 0;
  // (c)
  auto opened = SqliteStore::open(args.dir + "/releases.db");
  check(opened.ok() ? ok_status() : Status(opened.error()));
  SqliteStore& store = **opened;
  auto t0 = Clock::now();
  populate(store, args.releases);
  fmt::print("(c) releases(filter) with {} releases (inserted in {:.1f} s)\n", args.releases,
             std::chrono::duration<double>(Clock::now() - t0).count());
  std::vector<Query> qs = queries();
  std::vector<double> all_wall, all_cpu;
  std::vector<std::vector<double>> wall(qs.size()), cpu(qs.size());
  std::vector<std::int64_t> totals(qs.size());
  for (int i = 0; i < args.queries; ++i) {
    std::size_t k = static_cast<std::size_t>(i) % qs.size();
    const double cpu0 = thread_cpu_ms();
    auto start = Clock::now();
    check(store.read([&](ReadTx& tx) {
      totals[k] = tx.releases(qs[k].filter).total;
      return ok_status();
    }));
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    const double cpu_ms = thread_cpu_ms() - cpu0;
    all_wall.push_back(ms);
    all_cpu.push_back(cpu_ms);
    wall[k].push_back(ms);
    cpu[k].push_back(cpu_ms);
  }
  fmt::print("    {:<24} {:>8} {:>12} {:>12}\n", "filter", "total", "median ms", "(cpu ms)");
  for (std::size_t k = 0; k < qs.size(); ++k) {
    if (wall[k].empty()) continue;
    fmt::print("    {:<24} {:>8} {:>12.2f} {:>12.2f}\n", qs[k].name, totals[k],
               percentile(wall[k], 0.5), percentile(cpu[k], 0.5));
  }
  fmt::print("    all {} queries, wall: median {:.2f} ms, p99 {:.2f} ms (target < 20 ms)\n",
             all_wall.size(), percentile(all_wall, 0.5), percentile(all_wall, 0.99));
  fmt::print("    all {} queries, cpu:  median {:.2f} ms, p99 {:.2f} ms\n", all_cpu.size(),
             percentile(all_cpu, 0.5), percentile(all_cpu, 0.99));
  fmt::print("    (cpu = this thread's CPU time: the cost without other processes' load; "
             "load average now {})\n",
             load_average());
  return 0;
}

}  // namespace
}  // namespace pasaprod

int main(int argc, char** argv) {
  pasaprod::Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "{} needs a value\n", a);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dir") args.dir = value();
    else if (a == "--seconds") args.seconds = std::stod(value());
    else if (a == "--rounds") args.rounds = std::stoi(value());
    else if (a == "--releases") args.releases = std::stoi(value());
    else if (a == "--queries") args.queries = std::stoi(value());
    else if (a == "--writers") args.writers = std::stoi(value());
    else if (a == "--keep") args.keep = true;
    else {
      fmt::print(stderr,
                 "usage: {} [--dir DIR] [--seconds S] [--rounds R] [--releases N] "
                 "[--queries Q] [--writers W] [--keep]\n",
                 argv[0]);
      return 2;
    }
  }
  args.dir = pasaprod::bench::scratch_dir(args.dir, "pasaprod-store-bench");
  return pasaprod::bench::run_then_clean(args.dir, args.keep, [&] { return pasaprod::run(args); });
}
