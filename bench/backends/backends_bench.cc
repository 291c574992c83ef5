// Backends benchmark (bench/README.md, "Backends: SQLite and PostgreSQL side by side"): the same
// write and read loads, in one run, against
//   - SQLite: one SqliteStore on a file in --dir;
//   - PostgreSQL, one node: one PgStore (one connection pool) shared by every thread;
//   - PostgreSQL, two nodes: two PgStores (two pools) on one database, each thread's operations
//     alternating between them (as a round-robin balancer sends requests);
// each opened through open_store under an AnchoredStore with a FileAnchor advanced in the
// background, as `pasaprod serve` opens its store. The reference lines, measured on the same
// machine between the variants: raw PostgreSQL durable commits (a bare libpq connection, one
// small INSERT per autocommit transaction) and raw SQLite durable commits (WAL,
// synchronous=FULL, one INSERT per BEGIN IMMEDIATE ... COMMIT); for reads, one-row
// primary-key SELECTs on each.
//
//   write load: one procedure action per Store::write (bump_release + add_transition +
//               append_event, as bench/store), each writer thread on its own request, so
//               writers share only the audit chain's head;
//   read loads: releases(filter) first pages over six structured filters; the same over three
//               text filters; release(number) of a pseudo-random request (its whole aggregate);
//               50 such aggregates in one read, one by one and in one releases_by_number.
//
// Usage: pasaprod_backends_bench --pg URL [--dir DIR] [--seconds S] [--rounds R]
//                                [--writers W,...] [--readers R,...] [--releases N] [--keep]
//   --writers, --readers  the numbers of threads each load runs with (default 1,4): the raw
//         baselines run with as many connections, each thread on its own.
//   --pg  a PostgreSQL cluster, postgresql://USER@HOST:PORT, without password or database: the
//         password comes from PGPASSFILE, ~/.pgpass or PGPASSWORD (never argv). The role must
//         be allowed to create databases; the benchmark makes its own, pbb<pid>_*, and drops
//         them at the end (also after a failure or SIGINT/SIGTERM).
//   --dir the SQLite files and the anchors go in a new subdirectory of DIR (default: the
//         current directory), removed at the end unless --keep.
// bench/backends/run.sh starts a throw-away durable PostgreSQL cluster and runs this against it.
#include <fmt/format.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "audit/file_anchor.h"
#include "bench/common/scratch.h"
#include "bench/common/synthetic_text.h"
#include "storage/open/open_store.h"
#include "storage/postgres/pg.h"

namespace pasaprod {
namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_interrupted = 0;  // set by SIGINT/SIGTERM: measurements end early

struct Args {
  std::string pg;
  std::string dir;
  double seconds = 2;
  int rounds = 3;
  std::vector<int> writers{1, 4};
  std::vector<int> readers{1, 4};
  int releases = 20000;
  bool keep = false;
};

void check(const Status& st) {
  if (!st.ok()) throw std::runtime_error(st.error().id + ": " + st.error().en);
}

template <class T>
T opened(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().id + ": " + r.error().en);
  return std::move(*r);
}

// --- Raw baselines -------------------------------------------------------------------------

// One bare SQLite connection on `path`: WAL, synchronous=FULL, a table t(id, v).
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    ok(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), "open");
    ok(sqlite3_exec(db_,
                    "PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                    "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
                    nullptr, nullptr, nullptr),
       "setup");
    ok(sqlite3_prepare_v2(db_, "INSERT INTO t(v) VALUES (?)", -1, &insert_, nullptr), "prepare");
    ok(sqlite3_prepare_v2(db_, "SELECT v FROM t WHERE id = ?", -1, &select_, nullptr), "prepare");
  }
  ~RawSqlite() {
    sqlite3_finalize(insert_);
    sqlite3_finalize(select_);
    sqlite3_close(db_);
  }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  // One durable transaction inserting one ~40-byte row.
  void commit_one() {
    ok(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), "begin");
    sqlite3_bind_text(insert_, 1, "a small row of about forty bytes of text", -1, SQLITE_STATIC);
    ok(sqlite3_step(insert_), "insert");
    sqlite3_reset(insert_);
    ok(sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr), "commit");
  }
  // Reads row `id` (autocommit). REQUIRES: it exists.
  void read_one(std::int64_t id) {
    sqlite3_bind_int64(select_, 1, id);
    if (sqlite3_step(select_) != SQLITE_ROW) throw std::runtime_error("raw sqlite: row missing");
    sqlite3_reset(select_);
  }

 private:
  void ok(int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
      throw std::runtime_error(fmt::format("raw sqlite {}: {}", what, sqlite3_errmsg(db_)));
    }
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
};

// One bare libpq connection to `url` (autocommit), with the same table t and statements.
class RawPg {
 public:
  explicit RawPg(const std::string& url) : db_(PQconnectdb(url.c_str())) {
    if (PQstatus(db_) != CONNECTION_OK) throw std::runtime_error(std::string("raw pg connect: ") + PQerrorMessage(db_));
    PQsetNoticeProcessor(db_, [](void*, const char*) {}, nullptr);  // "relation t already exists"
    run(PQexec(db_, "CREATE TABLE IF NOT EXISTS t(id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v TEXT NOT NULL)"),
        PGRES_COMMAND_OK, "setup");
    run(PQprepare(db_, "ins", "INSERT INTO t(v) VALUES ($1)", 1, nullptr), PGRES_COMMAND_OK, "prepare");
    run(PQprepare(db_, "sel", "SELECT v FROM t WHERE id = $1", 1, nullptr), PGRES_COMMAND_OK, "prepare");
  }
  ~RawPg() { PQfinish(db_); }
  RawPg(const RawPg&) = delete;
  RawPg& operator=(const RawPg&) = delete;

  // One autocommit INSERT of a ~40-byte row: a durable commit (synchronous_commit=on).
  void commit_one() {
    const char* v = "a small row of about forty bytes of text";
    run(PQexecPrepared(db_, "ins", 1, &v, nullptr, nullptr, 0), PGRES_COMMAND_OK, "insert");
  }
  // Reads row `id`. REQUIRES: it exists.
  void read_one(std::int64_t id) {
    const std::string text = std::to_string(id);
    const char* v = text.c_str();
    PGresult* r = PQexecPrepared(db_, "sel", 1, &v, nullptr, nullptr, 0);
    const bool found = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    run(r, PGRES_TUPLES_OK, "select");
    if (!found) throw std::runtime_error("raw pg: row missing");
  }

 private:
  void run(PGresult* r, ExecStatusType want, const char* what) {
    const bool good = PQresultStatus(r) == want;
    PQclear(r);
    if (!good) throw std::runtime_error(fmt::format("raw pg {}: {}", what, PQerrorMessage(db_)));
  }
  PGconn* db_;
};

// --- PostgreSQL databases of this run ------------------------------------------------------

// Creates databases named pbb<pid>_<name> on the cluster and drops them (WITH (FORCE)) when
// destroyed. The cluster URL carries no password (libpq finds it).
class PgDatabases {
 public:
  explicit PgDatabases(std::string cluster) : cluster_(std::move(cluster)) {}
  ~PgDatabases() {
    for (const auto& name : names_) {
      try {
        admin("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
      } catch (const std::exception& e) {
        fmt::print(stderr, "could not drop database {}: {}\n", name, e.what());
      }
    }
  }
  PgDatabases(const PgDatabases&) = delete;
  PgDatabases& operator=(const PgDatabases&) = delete;

  // Returns the new database's URL.
  std::string create(const std::string& name) {
    const std::string full = fmt::format("pbb{}_{}", ::getpid(), name);
    admin("DROP DATABASE IF EXISTS \"" + full + "\" WITH (FORCE)");
    admin("CREATE DATABASE \"" + full + "\"");
    names_.push_back(full);
    return cluster_ + "/" + full;
  }
  void admin(const std::string& sql, const std::string& database = "postgres") const {
    pg::Connection db(cluster_ + "/" + database, "");
    db.exec(sql);  // names are letters, digits and '_'
  }

 private:
  std::string cluster_;
  std::vector<std::string> names_;
};

// --- The store under test ------------------------------------------------------------------

// One "node": a store opened as the server opens it, with its own anchor file.
struct Node {
  Node(const std::string& location, const std::string& anchor_path) : anchor(anchor_path) {
    StoreOptions options;
    options.anchoring.mode = AnchoredStore::AnchorMode::background;
    store = opened(open_store(location, &anchor, options));
  }
  audit::FileAnchor anchor;
  std::unique_ptr<AnchoredStore> store;
};

// The nodes of one variant: thread t's i-th operation goes to node (t + i) % size.
class Nodes {
 public:
  Nodes(const std::string& location, const std::string& anchor_prefix, int count) {
    for (int n = 0; n < count; ++n) {
      nodes_.push_back(std::make_unique<Node>(location, fmt::format("{}-{}.anchor", anchor_prefix, n)));
    }
  }
  Store& pick(int t, std::int64_t i) { return *nodes_[static_cast<std::size_t>(t + i) % nodes_.size()]->store; }
  Store& first() { return *nodes_.front()->store; }
  void flush() {
    for (auto& n : nodes_) check(n->store->flush_anchor());
  }

 private:
  std::vector<std::unique_ptr<Node>> nodes_;
};

// How the write functions' runs ended, over the whole run (a PostgreSQL write is rerun after a
// serialization failure, a deadlock or a busy chain head; SQLite runs each once).
struct RunCounts {
  std::atomic<long> calls{0}, committed{0}, runs{0}, busy{0};
  std::atomic<long> head_busy{0}, serialization{0}, deadlock{0};  // failures inside the function
};

std::size_t at(int t) { return static_cast<std::size_t>(t); }

std::string number_of(int i) { return fmt::format("PP-2026-{:05}", i + 1); }

// The write load: writer t acts on its own request number_of(first + t), alternately from
// draft to in_qa and back, with the writes of one procedure action.
class ActionLoad {
 public:
  ActionLoad(Nodes& nodes, int writers, int first)
      : nodes_(nodes), first_(first), versions_(static_cast<std::size_t>(writers), 0) {
    check(nodes_.first().write([&](WriteTx& tx) -> Status {
      for (int i = 0; i < writers; ++i) {
        const Release r = bench::action_release(number_of(first_ + i));
        if (auto st = tx.insert_release(r); !st) return st;
      }
      return ok_status();
    }));
  }
  // REQUIRES: one thread at a time per t.
  void act(int t) {
    std::int64_t& v = versions_[static_cast<std::size_t>(t)];
    const char* from = v % 2 == 0 ? "draft" : "in_qa";
    const char* to = v % 2 == 0 ? "in_qa" : "draft";
    const std::string n = number_of(first_ + t);
    ++counts.calls;
    const Status st = nodes_.pick(t, v).write([&](WriteTx& tx) -> Status {
      ++counts.runs;
      try {
        if (auto s = tx.bump_release(n, v, to, 1000 + v); !s) return s;
        if (auto s = tx.add_transition(n, {"request_qa", from, to, "ana", "", 1000 + v, ""}); !s) return s;
        AuditEvent e;
        e.at = 1000 + v;
        e.actor = "ana";
        e.action = "release.act";
        e.subject = n;
        e.before = fmt::format(R"({{"state":"{}","row_version":{}}})", from, v);
        e.after = fmt::format(R"({{"state":"{}","row_version":{}}})", to, v + 1);
        auto done = tx.append_event(std::move(e));
        return done ? ok_status() : Status(done.error());
      } catch (const pg::PgError& e) {
        if (e.sqlstate() == "55P03") ++counts.head_busy;
        if (e.sqlstate() == "40001") ++counts.serialization;
        if (e.sqlstate() == "40P01") ++counts.deadlock;
        throw;
      }
    });
    if (!st.ok() && st.error().id == "store.busy") {
      ++counts.busy;  // not committed: the same version is tried again next time
      return;
    }
    check(st);
    ++counts.committed;
    ++v;
  }
  void flush() { nodes_.flush(); }

  RunCounts counts;

 private:
  Nodes& nodes_;
  const int first_;
  std::vector<std::int64_t> versions_;
};

// The read database: n requests spread over 40 systems, 4 kinds, 12 states, 150 requesters
// and three years, each with 4 transitions (as bench/store's (c), plus history to load).
void populate(Store& store, int n) {
  constexpr int kBatch = 1000;
  for (int first = 1; first <= n; first += kBatch) {
    check(store.write([&](WriteTx& tx) -> Status {
      for (int i = first; i < first + kBatch && i <= n; ++i) {
        const Release r = bench::synthetic_release(i, number_of(i - 1));
        if (auto st = tx.insert_release(r); !st) return st;
        for (int k = 0; k < 4; ++k) {
          Transition t{"step", "draft", "in_qa", r.requester, "nota", r.created_at + k * 1000, ""};
          if (auto st = tx.add_transition(r.number, t); !st) return st;
        }
      }
      return ok_status();
    }));
  }
}

std::vector<ReleaseFilter> structured_filters() {
  std::vector<ReleaseFilter> f(6);
  f[1].state = "closed";
  f[2].system = "SYS07";
  f[3].state = "in_qa";
  f[3].system = "SYS07";
  f[4].requester = "user042";
  f[5].created_from = 1'735'689'600'000;  // 2025-01-01
  f[5].created_to = 1'738'368'000'000;    // 2025-02-01
  return f;  // f[0]: none
}

std::vector<ReleaseFilter> text_filters() {
  std::vector<ReleaseFilter> f(3);
  f[0].text = "migración";  // in ~1/6 of the titles
  f[1].text = "#7777";      // a few
  f[2].text = "firma";
  f[2].state = "closed";
  return f;
}

// The read loads on one variant's nodes; thread t's calls cycle through the filters.
class ReadLoad {
 public:
  ReadLoad(Nodes& nodes, int readers, int releases)
      : nodes_(nodes), calls_(static_cast<std::size_t>(readers) * 16, 0), releases_(releases) {}
  void list(int t, const std::vector<ReleaseFilter>& filters) {
    const std::int64_t i = calls_[slot(t)]++;
    check(nodes_.pick(t, i).read([&](ReadTx& tx) {
      tx.releases(filters[static_cast<std::size_t>(i) % filters.size()]);
      return ok_status();
    }));
  }
  void load(int t) {
    const std::int64_t i = calls_[slot(t)]++;
    const int which = static_cast<int>((i * 7919 + t * 104729) % releases_);
    check(nodes_.pick(t, i).read([&](ReadTx& tx) {
      auto r = tx.release(number_of(which));
      if (!r || r->transitions.size() != 4) throw std::runtime_error("release load: wrong aggregate");
      return ok_status();
    }));
  }
  // kBatch pseudo-random aggregates in one read, as the inbox reads them: one release() each,
  // or (batched) one releases_by_number.
  static constexpr int kBatch = 50;
  void load_many(int t, bool batched) {
    const std::int64_t i = calls_[slot(t)]++;
    std::vector<std::string> numbers;
    for (int k = 0; k < kBatch; ++k) numbers.push_back(number_of(static_cast<int>((i * 7919 + t * 104729 + k * 131) % releases_)));
    check(nodes_.pick(t, i).read([&](ReadTx& tx) {
      std::size_t loaded = 0;
      if (batched) {
        for (const auto& r : tx.releases_by_number(numbers)) loaded += r.transitions.size() == 4 ? 1 : 0;
      } else {
        for (const auto& n : numbers) {
          auto r = tx.release(n);
          loaded += r && r->transitions.size() == 4 ? 1 : 0;
        }
      }
      if (loaded != numbers.size()) throw std::runtime_error("release loads: wrong aggregates");
      return ok_status();
    }));
  }

 private:
  static std::size_t slot(int t) { return static_cast<std::size_t>(t) * 16; }  // a cache line apart
  Nodes& nodes_;
  std::vector<std::int64_t> calls_;
  int releases_;
};

// Each filter's total and first page's numbers, to check that the backends agree.
std::vector<std::string> answers(Store& store, const std::vector<ReleaseFilter>& filters) {
  std::vector<std::string> out;
  check(store.read([&](ReadTx& tx) {
    for (const auto& f : filters) {
      ReleasePage page = tx.releases(f);
      std::string a = std::to_string(page.total) + ":";
      for (const auto& r : page.items) a += r.number + ",";
      out.push_back(a);
    }
    return ok_status();
  }));
  return out;
}

// --- Measuring -----------------------------------------------------------------------------

// Runs op(t) on `threads` threads for `seconds`, then `finish` (if any) inside the timed span;
// returns operations per second (all threads together). An exception of op is rethrown.
double rate(double seconds, int threads, const std::function<void(int)>& op, const std::function<void()>& finish) {
  std::atomic<long> total{0};
  std::mutex mu;
  std::exception_ptr failure;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      long n = 0;
      try {
        while (Clock::now() < until && !g_interrupted) {
          op(t);
          ++n;
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        failure = std::current_exception();
      }
      total += n;
    });
  }
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
  if (g_interrupted) throw std::runtime_error("interrupted");
  if (finish) finish();
  return static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::string load_average() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? fmt::format("{:.1f}", load[0]) : "unknown";
}

struct Op {
  std::string label;
  std::function<void(int)> op;
  std::function<void()> finish = {};  // inside the timed span, after the last op
};

// After a short unmeasured run of each, measures the two baselines (raw PostgreSQL, raw SQLite)
// back to back, then each variant followed by the two baselines again, --rounds times, all with
// `threads` threads. A variant's ratio to a baseline is to the mean of that baseline's rates just before and just after it,
// and its ratio to the first variant is to that variant's rate in the same round; the medians
// of the per-round ratios are printed (the disk's commit rate here drifts 2-10x within minutes,
// so only neighbouring measurements compare).
void compare(const Args& args, const std::string& title, int threads, const Op& raw_pg, const Op& raw_sqlite,
             const std::vector<Op>& variants) {
  const auto measure = [&](const Op& o) { return rate(args.seconds, threads, o.op, o.finish); };
  // Unmeasured warm-up: pools open their connections (a SCRAM login costs milliseconds), caches fill.
  for (const Op* o : {&raw_pg, &raw_sqlite}) rate(0.2, threads, o->op, o->finish);
  for (const Op& o : variants) rate(0.2, threads, o.op, o.finish);
  std::vector<double> pg_rates, sqlite_rates, pg_over_sqlite;
  std::vector<std::vector<double>> rates(variants.size()), to_pg(variants.size()), to_sqlite(variants.size()),
      to_first(variants.size());
  for (int round = 0; round < args.rounds; ++round) {
    double pg_before = measure(raw_pg), sqlite_before = measure(raw_sqlite);
    pg_rates.push_back(pg_before);
    sqlite_rates.push_back(sqlite_before);
    pg_over_sqlite.push_back(pg_before / sqlite_before);
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const double x = measure(variants[v]);
      const double pg_after = measure(raw_pg), sqlite_after = measure(raw_sqlite);
      pg_rates.push_back(pg_after);
      sqlite_rates.push_back(sqlite_after);
      pg_over_sqlite.push_back(pg_after / sqlite_after);
      rates[v].push_back(x);
      to_pg[v].push_back(x / ((pg_before + pg_after) / 2));
      to_sqlite[v].push_back(x / ((sqlite_before + sqlite_after) / 2));
      to_first[v].push_back(x / rates[0].back());
      pg_before = pg_after;
      sqlite_before = sqlite_after;
    }
  }
  fmt::print("{}, {} thread(s) (medians of {} rounds of {} s; load average now {})\n", title, threads, args.rounds,
             args.seconds, load_average());
  fmt::print("    {:<40} {:>10} {:>10} {:>10} {:>10}\n", "", "per s", "/ raw PG", "/ raw SQL", "/ 1st var.");
  fmt::print("    {:<40} {:>10.1f} {:>10} {:>9.1f}%  (min {:.0f}, max {:.0f})\n", raw_pg.label, median(pg_rates), "",
             100 * median(pg_over_sqlite), *std::min_element(pg_rates.begin(), pg_rates.end()),
             *std::max_element(pg_rates.begin(), pg_rates.end()));
  fmt::print("    {:<40} {:>10.1f} {:>10} {:>10}  (min {:.0f}, max {:.0f})\n", raw_sqlite.label, median(sqlite_rates), "",
             "", *std::min_element(sqlite_rates.begin(), sqlite_rates.end()),
             *std::max_element(sqlite_rates.begin(), sqlite_rates.end()));
  for (std::size_t v = 0; v < variants.size(); ++v) {
    fmt::print("    {:<40} {:>10.1f} {:>9.1f}% {:>9.1f}% {:>9.1f}%\n", variants[v].label, median(rates[v]),
               100 * median(to_pg[v]), 100 * median(to_sqlite[v]), 100 * median(to_first[v]));
  }
  fmt::print("\n");
}

void print_counts(const std::string& label, const RunCounts& c) {
  const long failed = c.runs - c.committed;  // runs rolled back: in the function or at COMMIT
  const long in_fn = c.head_busy + c.serialization + c.deadlock;
  const double per100 = c.calls > 0 ? 100.0 * static_cast<double>(failed) / static_cast<double>(c.calls) : 0;
  fmt::print("    {:<22} {:>8} {:>8} {:>8.1f} {:>10} {:>8} {:>8} {:>8} {:>6}\n", label, c.calls.load(),
             c.committed.load(), per100, c.head_busy.load(), c.serialization.load(), c.deadlock.load(),
             failed - in_fn, c.busy.load());
}

int run(const Args& args) {
  namespace fs = std::filesystem;
  fs::create_directories(args.dir);
  PgDatabases databases(args.pg);
  {
    pg::Connection probe(args.pg + "/postgres", "");
    const auto setting = [&](const char* name) { return probe.exec(std::string("SHOW ") + name).row(0).text(0); };
    fmt::print("backends benchmark: SQLite {} in {}; PostgreSQL {} (fsync={}, synchronous_commit={}, "
               "full_page_writes={}, wal_sync_method={}) at {}\n\n",
               sqlite3_libversion(), args.dir, setting("server_version"), setting("fsync"),
               setting("synchronous_commit"), setting("full_page_writes"), setting("wal_sync_method"), args.pg);
  }

  // Writes.
  const int threads = std::max(*std::max_element(args.writers.begin(), args.writers.end()),
                               *std::max_element(args.readers.begin(), args.readers.end()));
  const std::string raw_pg_url = databases.create("raw");
  std::vector<std::unique_ptr<RawPg>> raw_pgs;
  std::vector<std::unique_ptr<RawSqlite>> raw_sqlites;
  for (int t = 0; t < threads; ++t) {
    raw_pgs.push_back(std::make_unique<RawPg>(raw_pg_url));
    raw_sqlites.push_back(std::make_unique<RawSqlite>(args.dir + "/raw.db"));
  }
  const auto raw_pg_commit = Op{"raw PostgreSQL durable commits", [&](int t) { raw_pgs[at(t)]->commit_one(); }};
  const auto raw_sqlite_commit = Op{"raw SQLite durable commits", [&](int t) { raw_sqlites[at(t)]->commit_one(); }};
  Nodes sqlite_w(args.dir + "/write.db", args.dir + "/write", 1);
  Nodes one_w(databases.create("one"), args.dir + "/one", 1);
  Nodes two_w(databases.create("two"), args.dir + "/two", 2);
  int first = 0;  // the first request of the next ActionLoad
  for (const int w : args.writers) {
    ActionLoad sqlite_a(sqlite_w, w, first), one_a(one_w, w, first), two_a(two_w, w, first);
    first += w;
    compare(args, "(w) actions: bump_release + add_transition + append_event", w, raw_pg_commit, raw_sqlite_commit,
            {{"SqliteStore", [&](int t) { sqlite_a.act(t); }, [&] { sqlite_a.flush(); }},
             {"PgStore, one node", [&](int t) { one_a.act(t); }, [&] { one_a.flush(); }},
             {"PgStore, two nodes", [&](int t) { two_a.act(t); }, [&] { two_a.flush(); }}});
    fmt::print("    runs of the write function (reruns: runs rolled back and run again, per 100 writes; where\n"
               "    they failed: chain head busy 55P03, serialization 40001, deadlock 40P01, at COMMIT;\n"
               "    busy: writes given up with store.busy after {} runs)\n",
               PgStore::Options{}.max_attempts);
    fmt::print("    {:<22} {:>8} {:>8} {:>8} {:>10} {:>8} {:>8} {:>8} {:>6}\n", "", "writes", "commits", "reruns%",
               "head 55P03", "40001", "40P01", "COMMIT", "busy");
    print_counts("SqliteStore", sqlite_a.counts);
    print_counts("PgStore, one node", one_a.counts);
    print_counts("PgStore, two nodes", two_a.counts);
    fmt::print("\n");
  }

  // Reads.
  const auto t0 = Clock::now();
  const std::string read_url = databases.create("read");
  Nodes sqlite_r(args.dir + "/read.db", args.dir + "/read", 1);
  Nodes one_r(read_url, args.dir + "/read-one", 1);
  Nodes two_r(read_url, args.dir + "/read-two", 2);
  populate(sqlite_r.first(), args.releases);
  populate(one_r.first(), args.releases);
  databases.admin("VACUUM ANALYZE", fmt::format("pbb{}_read", ::getpid()));  // as autovacuum would have
  const auto structured = structured_filters(), text = text_filters();
  for (const auto* filters : {&structured, &text}) {
    if (answers(sqlite_r.first(), *filters) != answers(one_r.first(), *filters)) {
      throw std::runtime_error("SQLite and PostgreSQL list different requests for the same filter");
    }
  }
  fmt::print("(r) reads on {} requests with 4 transitions each (filled in {:.1f} s)\n\n", args.releases,
             std::chrono::duration<double>(Clock::now() - t0).count());
  for (int i = 1; i <= 1000; ++i) {  // rows for the raw reads
    raw_pgs[0]->commit_one();
    raw_sqlites[0]->commit_one();
  }
  const auto key = [](int t) {  // one of the first 1000 rows, varying per call and thread
    thread_local std::int64_t i = 0;
    return 1 + (++i * 7919 + t * 31) % 1000;
  };
  const auto raw_pg_read = Op{"raw PostgreSQL SELECT by key", [&](int t) { raw_pgs[at(t)]->read_one(key(t)); }};
  const auto raw_sqlite_read = Op{"raw SQLite SELECT by key", [&](int t) { raw_sqlites[at(t)]->read_one(key(t)); }};
  ReadLoad sqlite_l(sqlite_r, threads, args.releases), one_l(one_r, threads, args.releases),
      two_l(two_r, threads, args.releases);
  for (const int r : args.readers) {
    compare(args, "(r1) releases(filter), first page, 6 structured filters", r, raw_pg_read, raw_sqlite_read,
            {{"SqliteStore", [&](int t) { sqlite_l.list(t, structured); }},
             {"PgStore, one node", [&](int t) { one_l.list(t, structured); }},
             {"PgStore, two nodes", [&](int t) { two_l.list(t, structured); }}});
    compare(args, "(r2) releases(filter), first page, 3 text filters", r, raw_pg_read, raw_sqlite_read,
            {{"SqliteStore", [&](int t) { sqlite_l.list(t, text); }},
             {"PgStore, one node", [&](int t) { one_l.list(t, text); }},
             {"PgStore, two nodes", [&](int t) { two_l.list(t, text); }}});
    compare(args, "(r3) release(number), the whole aggregate", r, raw_pg_read, raw_sqlite_read,
            {{"SqliteStore", [&](int t) { sqlite_l.load(t); }},
             {"PgStore, one node", [&](int t) { one_l.load(t); }},
             {"PgStore, two nodes", [&](int t) { two_l.load(t); }}});
    compare(args, fmt::format("(r4) {} aggregates in one read: release() each / releases_by_number", ReadLoad::kBatch),
            r, raw_pg_read, raw_sqlite_read,
            {{"SqliteStore, each", [&](int t) { sqlite_l.load_many(t, false); }},
             {"SqliteStore, batched", [&](int t) { sqlite_l.load_many(t, true); }},
             {"PgStore, one node, each", [&](int t) { one_l.load_many(t, false); }},
             {"PgStore, one node, batched", [&](int t) { one_l.load_many(t, true); }}});
  }
  return 0;
}


// "1,4" -> {1, 4}; empty when any is not a positive number.
std::vector<int> counts(const std::string& list) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    const std::string item = list.substr(pos, comma - pos);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 4) return {};
    out.push_back(std::stoi(item));
    if (out.back() < 1) return {};
    pos = comma + 1;
  }
  return out;
}

}  // namespace
}  // namespace pasaprod

int main(int argc, char** argv) {
  pasaprod::Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "{} needs a value\n", a);
        std::exit(2);
      }
      return argv[++i];
    };
    try {
      if (a == "--pg") args.pg = value();
      else if (a == "--dir") args.dir = value();
      else if (a == "--seconds") args.seconds = std::stod(value());
      else if (a == "--rounds") args.rounds = std::stoi(value());
      else if (a == "--writers") args.writers = pasaprod::counts(value());
      else if (a == "--readers") args.readers = pasaprod::counts(value());
      else if (a == "--releases") args.releases = std::stoi(value());
      else if (a == "--keep") args.keep = true;
      else throw std::invalid_argument(a);
    } catch (const std::logic_error&) {  // an unknown option or a value that is not a number
      args.pg.clear();
      break;
    }
  }
  const std::size_t scheme = args.pg.find("://");
  const std::string rest = scheme == std::string::npos ? "" : args.pg.substr(scheme + 3);
  const std::size_t user_end = rest.find('@');
  const bool password = user_end != std::string::npos && rest.find(':') < user_end;
  if (rest.empty() || rest.find('/') != std::string::npos || password ||
      !(args.seconds > 0) || args.rounds < 1 || args.writers.empty() || args.readers.empty() || args.releases < 1) {
    fmt::print(stderr,
               "usage: {} --pg postgresql://USER@HOST:PORT [--dir DIR] [--seconds S] [--rounds R] [--writers W,...] "
               "[--readers R,...] [--releases N] [--keep]\n"
               "  (no password and no database in the URL: libpq reads PGPASSFILE, ~/.pgpass or PGPASSWORD)\n",
               argv[0]);
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines in order with stderr's, also into a file
  std::signal(SIGINT, [](int) { pasaprod::g_interrupted = 1; });
  std::signal(SIGTERM, [](int) { pasaprod::g_interrupted = 1; });
  args.dir = pasaprod::bench::scratch_dir(args.dir, "pasaprod-backends-bench");
  return pasaprod::bench::run_then_clean(args.dir, args.keep, [&] { return pasaprod::run(args); });
}
