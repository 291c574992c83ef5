// The SQLite backend: the shared suite, plus what only a file database has (reopen,
// several processes, schema versions).
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "audit/file_anchor.h"
#include "storage/sqlite/sqlite_tx.h"
#include "storage/sqlite/schema.h"
#include "storage/open/open_store.h"
#include "tests/fixtures/old_sqlite_db.h"
#include "tests/store/store_suite.h"

namespace pasaprod::testing_store {
namespace {

std::unique_ptr<Store> make_sqlite_store(const std::string& dir) {
  auto store = SqliteStore::open(dir + "/pasaprod.db");
  if (!store) ADD_FAILURE() << store.error().en;
  return store ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreSuite,
                         ::testing::Values(StoreFactory{"sqlite", make_sqlite_store}),
                         StoreFactory::name_of);

std::unique_ptr<SqliteStore> open_or_die(const std::string& path) {
  auto store = SqliteStore::open(path);
  if (!store) {
    ADD_FAILURE() << store.error().en;
    return nullptr;
  }
  return std::move(*store);
}

int schema_version_of(Store& store) {
  int v = 0;
  EXPECT_TRUE(store.read([&](ReadTx& tx) {
    v = tx.schema_version();
    return ok_status();
  }).ok());
  return v;
}

TEST(SqliteStore, DurableAcrossReopenAndSchemaVersioned) {
  TempDir dir;
  const std::string path = dir.file("p.db");
  {
    auto store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(schema_version_of(*store), sqlite::latest_schema_version());
    EXPECT_EQ(store->describe(), "sqlite:" + path);
    Status st = store->write([](WriteTx& tx) -> Status {
      if (auto s = tx.insert_user(sample_user("ana")); !s) return s;
      if (auto s = tx.insert_release(sample_release("PP-2026-0001", 5)); !s) return s;
      EXPECT_EQ(tx.next_release_seq(2026), 1);
      auto e = tx.append_event(sample_event("PP-2026-0001", 1));
      return e ? ok_status() : Status(e.error());
    });
    ASSERT_TRUE(st.ok());
  }
  auto store = open_or_die(path);  // migrations are not applied twice
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(schema_version_of(*store), sqlite::latest_schema_version());
  Status st = store->write([](WriteTx& tx) {
    EXPECT_TRUE(tx.user("ana").ok());
    EXPECT_EQ(tx.release("PP-2026-0001")->created_at, 5);
    EXPECT_EQ(tx.last_event()->seq, 1);
    EXPECT_EQ(tx.next_release_seq(2026), 2);
    return ok_status();
  });
  EXPECT_TRUE(st.ok());
  EXPECT_TRUE(AnchoredStore(std::move(store), nullptr).verify_audit().ok);
}

TEST(SqliteStore, RefusesNewerSchemaAndUnopenablePath) {
  TempDir dir;
  const std::string path = dir.file("p.db");
  { ASSERT_NE(open_or_die(path), nullptr); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_version(version, description) VALUES (999, 'x')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto newer = SqliteStore::open(path);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, Code::failed_precondition);
  auto bad = SqliteStore::open(dir.file("no/such/dir/p.db"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Code::internal);
  EXPECT_FALSE(bad.error().es.empty());
}

TEST(SqliteStore, TriggersRefuseUpdateAndDeleteOfEvents) {
  TempDir dir;
  const std::string path = dir.file("p.db");
  {
    auto store = open_or_die(path);
    Status st = store->write([](WriteTx& tx) {
      auto e = tx.append_event(sample_event("x", 1));
      return e ? ok_status() : Status(e.error());
    });
    ASSERT_TRUE(st.ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit_events SET actor = 'eve'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_NE(std::string(sqlite3_errmsg(db)).find("append-only"), std::string::npos);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit_events", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_TRUE(AnchoredStore(open_or_die(path), nullptr).verify_audit().ok);
}

// Threads writing events at once: every write that returns ok is covered by the anchor (the
// store coalesces their anchor updates), and the trail verifies.
TEST(SqliteStore, ConcurrentWritersAreAnchored) {
  TempDir dir;
  audit::FileAnchor anchor(dir.file("audit.anchor"));
  auto opened = open_store(dir.file("p.db"), &anchor);
  ASSERT_TRUE(opened.ok());
  AnchoredStore& store = **opened;
  constexpr int kThreads = 4;
  constexpr int kWrites = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        AnchorHead mine;
        Status st = store.write([&](WriteTx& tx) -> Status {
          auto e = tx.append_event(sample_event("t" + std::to_string(t), i));
          if (!e) return e.error();
          mine = {e->seq, e->hash};
          return ok_status();
        });
        if (!st.ok()) ++failures;
        auto anchored = anchor.load();
        if (!anchored || anchored->seq < mine.seq) ++failures;  // covered when write returns
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(anchor.load()->seq, kThreads * kWrites);
  auto report = store.verify_audit();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.events_checked, kThreads * kWrites);
}

// Two processes bump the same release with the same expected row_version at the same moment
// (both read it before either writes): exactly one wins, the other gets a conflict.
TEST(SqliteStore, TwoProcessesBumpSameVersionOneConflicts) {
  TempDir dir;
  const std::string path = dir.file("p.db");
  constexpr int kRounds = 5;
  {
    auto store = open_or_die(path);
    Status st = store->write([&](WriteTx& tx) -> Status {
      for (int r = 0; r < kRounds; ++r) {
        if (auto s = tx.insert_release(sample_release("PP-2026-000" + std::to_string(r), r));
            !s) {
          return s;
        }
      }
      return ok_status();
    });
    ASSERT_TRUE(st.ok());
  }  // closed before fork(): children open their own connections
  for (int round = 0; round < kRounds; ++round) {
    const std::string number = "PP-2026-000" + std::to_string(round);
    int ready[2];
    int go[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(go), 0);
    pid_t kids[2];
    for (pid_t& kid : kids) {
      kid = ::fork();
      ASSERT_GE(kid, 0);
      if (kid == 0) {
        int rc = 3;
        {
          auto opened = SqliteStore::open(path);
          if (opened) {
            std::int64_t version = -1;
            (void)(*opened)->read([&](ReadTx& tx) {
              version = tx.release(number)->row_version;
              return ok_status();
            });
            char c = 'r';
            char g = 0;
            if (::write(ready[1], &c, 1) == 1 && ::read(go[0], &g, 1) == 1) {
              Status st = (*opened)->write([&](WriteTx& tx) -> Status {
                if (auto s = tx.bump_release(number, version, "in_qa", 99); !s) return s;
                return tx.add_transition(number, {"request_qa", "draft", "in_qa",
                                                  "p" + std::to_string(::getpid()), "", 99, ""});
              });
              rc = st.ok() ? 0 : (st.error().code == Code::conflict ? 1 : 2);
            }
          }
        }
        ::_exit(rc);
      }
    }
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ASSERT_EQ(::write(go[1], "gg", 2), 2);
    int codes[2];
    for (int i = 0; i < 2; ++i) {
      int status = 0;
      ASSERT_EQ(::waitpid(kids[i], &status, 0), kids[i]);
      ASSERT_TRUE(WIFEXITED(status));
      codes[i] = WEXITSTATUS(status);
    }
    for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);
    EXPECT_EQ(codes[0] + codes[1], 1) << "round " << round << ": " << codes[0] << ", " << codes[1];
    EXPECT_TRUE(codes[0] == 0 || codes[1] == 0);
    auto store = open_or_die(path);
    Status st = store->read([&](ReadTx& tx) {
      auto r = tx.release(number);
      EXPECT_EQ(r->row_version, 1);
      EXPECT_EQ(r->transitions.size(), 1u);
      return ok_status();
    });
    EXPECT_TRUE(st.ok());
  }
}

using testing_old_db::create_at_version;
using testing_old_db::insert_old_release;

std::vector<std::string> derived_of(Store& store) {
  std::vector<std::string> out;
  Status st = store.read([&](ReadTx& tx) {
    tx.for_each_release_derived(ReleaseFilter{}, "facts/1", [&](const Release& r, const std::string* value) {
      out.push_back(r.number + "=" + (value ? *value : "whole:" + std::to_string(r.transitions.size())));
    });
    return ok_status();
  });
  EXPECT_TRUE(st.ok());
  return out;
}

// A database written before schema v5 (no derived values): opening it migrates it and keeps
// its releases, which come whole until a report keeps values for them; from then on a change
// to a history drops them (the triggers work on migrated databases too).
TEST(SqliteStore, MigratesV4DatabaseToDerivedValues) {
  TempDir dir;
  const std::string path = dir.file("v4.db");
  create_at_version(path, 4);
  {
    sqlite::Connection db(path, sqlite::Connection::Mode::read_write, 1000);
    insert_old_release(db, "PP-2025-0001");
    db.exec(
        "INSERT INTO transitions(release, action, from_state, to_state, by_user, note, at, manifest_sha256)"
        " VALUES ('PP-2025-0001', 'request_qa', 'draft', 'in_qa', 'ana', '', 2000, '')");
  }
  auto store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(schema_version_of(*store), sqlite::latest_schema_version());
  EXPECT_EQ(derived_of(*store), std::vector<std::string>{"PP-2025-0001=whole:1"});
  ASSERT_TRUE(store->write([](WriteTx& tx) { return tx.put_derived("facts/1", {{"PP-2025-0001", 1, "v"}}); }).ok());
  EXPECT_EQ(derived_of(*store), std::vector<std::string>{"PP-2025-0001=v"});
  ASSERT_TRUE(store->write([](WriteTx& tx) {
                return tx.add_transition("PP-2025-0001", {"qa_accept", "in_qa", "qa_approved", "eva", "", 3000, ""});
              }).ok());
  EXPECT_EQ(derived_of(*store), std::vector<std::string>{"PP-2025-0001=whole:2"});
}

// Schema v6 clusters transitions, reviews and observations by release. Rows written before it,
// interleaved between releases, keep each release's order; new rows follow them; the derived
// values' triggers are on the new tables; no table or index of the old layout is left.
TEST(SqliteStore, MigratesV5HistoriesToTablesClusteredByRelease) {
  TempDir dir;
  const std::string path = dir.file("v5.db");
  create_at_version(path, 5);
  {
    sqlite::Connection db(path, sqlite::Connection::Mode::read_write, 1000);
    insert_old_release(db, "PP-2025-0002");
    insert_old_release(db, "PP-2025-0001");
    int at = 100;
    for (const char* n : {"PP-2025-0002", "PP-2025-0001", "PP-2025-0002", "PP-2025-0001", "PP-2025-0002"}) {
      ++at;
      db.query("INSERT INTO transitions(release, action, from_state, to_state, by_user, note, at, manifest_sha256)"
               " VALUES (?, 'a', 'x', 'y', 'ana', ?, ?, '')",
               n, std::to_string(at), at)
          .run();
      db.query("INSERT INTO reviews(release, slot, verdict, note, by_user, at, slot_digest) VALUES (?, 's', 'accepted', ?, 'eva', ?, '')",
               n, std::to_string(at), at)
          .run();
      db.query("INSERT INTO observations(release, text, by_user, at, from_state, action) VALUES (?, ?, 'eva', ?, 'x', 'a')",
               n, std::to_string(at), at)
          .run();
    }
  }
  auto store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(schema_version_of(*store), sqlite::latest_schema_version());
  ASSERT_TRUE(store->write([](WriteTx& tx) -> Status {
                if (auto st = tx.add_transition("PP-2025-0002", {"b", "y", "z", "ana", "200", 200, ""}); !st) return st;
                if (auto st = tx.add_review("PP-2025-0002", {"s", "observed", "200", "eva", 200, ""}); !st) return st;
                return tx.add_observation("PP-2025-0002", {"200", "eva", 200, "y", "b"});
              }).ok());
  Status st = store->read([](ReadTx& tx) {
    const auto notes = [](const Release& r) {
      std::vector<std::string> t, v, o;
      for (const Transition& x : r.transitions) t.push_back(x.note);
      for (const Review& x : r.reviews) v.push_back(x.note);
      for (const Observation& x : r.observations) o.push_back(x.text);
      EXPECT_EQ(t, v) << r.number;
      EXPECT_EQ(t, o) << r.number;
      return t;
    };
    EXPECT_EQ(notes(*tx.release("PP-2025-0002")), (std::vector<std::string>{"101", "103", "105", "200"}));
    EXPECT_EQ(notes(*tx.release("PP-2025-0001")), (std::vector<std::string>{"102", "104"}));
    return ok_status();
  });
  EXPECT_TRUE(st.ok());
  ASSERT_TRUE(store->write([](WriteTx& tx) { return tx.put_derived("facts/1", {{"PP-2025-0001", 1, "v"}}); }).ok());
  EXPECT_EQ(derived_of(*store), (std::vector<std::string>{"PP-2025-0001=v", "PP-2025-0002=whole:4"}));
  ASSERT_TRUE(store->write([](WriteTx& tx) { return tx.add_review("PP-2025-0001", {"s", "accepted", "", "eva", 300, ""}); }).ok());
  EXPECT_EQ(derived_of(*store), (std::vector<std::string>{"PP-2025-0001=whole:2", "PP-2025-0002=whole:4"}));

  sqlite::Connection db(path, sqlite::Connection::Mode::read_only, 1000);
  sqlite::Stmt left = db.query(
      "SELECT group_concat(name) FROM sqlite_schema WHERE name LIKE '%\\_v6' ESCAPE '\\' OR name IN"
      " ('transitions_by_release', 'reviews_by_release', 'observations_by_release')");
  ASSERT_TRUE(left.step());
  EXPECT_EQ(left.text(0), "");
  sqlite::Stmt triggers = db.query("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%drops_derived'");
  ASSERT_TRUE(triggers.step());
  EXPECT_EQ(triggers.integer(0), 12);
}

// Every step of the plan of `sql` (parameters unbound), one a line.
std::string query_plan(const std::string& path, const char* sql) {
  sqlite::Connection db(path, sqlite::Connection::Mode::read_only, 1000);
  sqlite::Stmt st = db.query(std::string("EXPLAIN QUERY PLAN ") + sql);
  std::string out;
  while (st.step()) out += st.text(3) + "\n";
  return out;
}

// The windows of a period, and the records still without a span, are ranges of records_by_span
// (neither reads every record of the type), on a database migrated from version 15 as on a new
// one; records_by_span_end is gone.
TEST(SqliteStore, SpanQueriesSearchTheSpanIndex) {
  TempDir dir;
  create_at_version(dir.file("v15.db"), 15);
  for (const char* name : {"v15.db", "new.db"}) {
    SCOPED_TRACE(name);
    const std::string path = dir.file(name);
    { ASSERT_NE(open_or_die(path), nullptr); }
    const std::string windows = query_plan(path, sqlite::kSpanRecordsSql);
    EXPECT_NE(windows.find("SEARCH r USING INDEX records_by_span (type=? AND span_to>?)"), std::string::npos) << windows;
    const std::string backfill = query_plan(path, sqlite::kBackfillSpansSql);
    EXPECT_NE(backfill.find("SEARCH r USING INDEX records_by_span (type=? AND span_to=? AND rowid>?)"), std::string::npos)
        << backfill;
    sqlite::Connection db(path, sqlite::Connection::Mode::read_only, 1000);
    sqlite::Stmt indexes = db.query("SELECT group_concat(name) FROM sqlite_schema WHERE name LIKE 'records_by_span%'");
    ASSERT_TRUE(indexes.step());
    EXPECT_EQ(indexes.text(0), "records_by_span");
  }
}

// The total of releases(f) and whether it is capped, through the store.
std::pair<std::int64_t, bool> total_of(Store& store, const ReleaseFilter& f) {
  std::pair<std::int64_t, bool> out{-1, false};
  EXPECT_TRUE(store.read([&](ReadTx& tx) {
    const ReleasePage p = tx.releases(f);
    out = {p.total, p.total_capped};
    return ok_status();
  }).ok());
  return out;
}

// Schema v18 counts the releases of each state, system and kind: a database of version 17
// gets the counts of the releases it has, and the triggers keep them through changes no store
// method makes (a system or kind changed, a release deleted: a repair by hand).
TEST(SqliteStore, MigratesV17DatabaseCountingItsReleases) {
  TempDir dir;
  const std::string path = dir.file("v17.db");
  create_at_version(path, 17);
  {
    sqlite::Connection db(path, sqlite::Connection::Mode::read_write, 1000);
    for (int i = 1; i <= 5; ++i) insert_old_release(db, "PP-2025-000" + std::to_string(i));  // SIGA, in_qa
    db.exec("UPDATE releases SET state = 'closed' WHERE number IN ('PP-2025-0001', 'PP-2025-0002')");
    db.exec("UPDATE releases SET system = 'SIAF', kind = 'emergency' WHERE number = 'PP-2025-0003'");
  }
  auto store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(schema_version_of(*store), sqlite::latest_schema_version());
  const auto total = [&](const char* state, const char* system, const char* kind) {
    ReleaseFilter f;
    f.state = state;
    f.system = system;
    f.kind = kind;
    f.count_limit = 1;
    const auto [n, capped] = total_of(*store, f);
    EXPECT_FALSE(capped);
    return n;
  };
  EXPECT_EQ(total("", "", ""), 5);
  EXPECT_EQ(total("closed", "", ""), 2);
  EXPECT_EQ(total("in_qa", "SIGA", "maintenance"), 2);
  EXPECT_EQ(total("in_qa", "SIAF", ""), 1);
  EXPECT_EQ(total("", "", "emergency"), 1);
  {
    sqlite::Connection db(path, sqlite::Connection::Mode::read_write, 1000);
    db.exec("UPDATE releases SET system = 'SIGA', kind = 'maintenance' WHERE number = 'PP-2025-0003'");
    db.exec("DELETE FROM releases WHERE number = 'PP-2025-0001'");
    db.exec("UPDATE releases SET title = 'otro', updated_at = 9 WHERE number = 'PP-2025-0004'");
  }
  EXPECT_EQ(total("", "", ""), 4);
  EXPECT_EQ(total("closed", "", ""), 1);
  EXPECT_EQ(total("in_qa", "SIGA", "maintenance"), 3);
  EXPECT_EQ(total("", "SIAF", ""), 0);
  EXPECT_EQ(total("", "", "emergency"), 0);
  sqlite::Connection db(path, sqlite::Connection::Mode::read_only, 1000);
  sqlite::Stmt wrong = db.query(
      "SELECT COUNT(*) FROM (SELECT state, system, kind, COUNT(*) AS n FROM releases GROUP BY 1, 2, 3) AS t"
      " FULL JOIN (SELECT * FROM release_counts WHERE n > 0) AS c USING (state, system, kind)"
      " WHERE t.n IS NOT c.n");
  ASSERT_TRUE(wrong.step());
  EXPECT_EQ(wrong.integer(0), 0);
}

// The exact totals read release_counts by its key when a state is given, and never releases.
TEST(SqliteStore, CountedTotalsReadTheCountsNotTheReleases) {
  TempDir dir;
  const std::string path = dir.file("p.db");
  { ASSERT_NE(open_or_die(path), nullptr); }
  const std::string all = query_plan(path, (std::string(sqlite::kCountedTotalSql) + "WHERE 1 = 1").c_str());
  EXPECT_NE(all.find("SCAN release_counts"), std::string::npos) << all;
  const std::string state =
      query_plan(path, (std::string(sqlite::kCountedTotalSql) + "WHERE 1 = 1 AND state = ?1 AND system = ?2").c_str());
  EXPECT_NE(state.find("SEARCH release_counts USING PRIMARY KEY (state=? AND system=?)"), std::string::npos) << state;
  for (const std::string& plan : {all, state}) EXPECT_EQ(plan.find("releases"), std::string::npos) << plan;
}

// SQLite's memory statistics take a global mutex around every allocation of every connection;
// the store turns them off before its first connection (util/sqlite_process.h), so SQLite
// counts no memory however much its connections allocate.
TEST(SqliteStore, KeepsNoMemoryStatistics) {
  TempDir dir;
  auto store = open_or_die(dir.file("p.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->read([](ReadTx& tx) -> Status {
    ReleaseFilter f;
    f.text = "migración";
    tx.releases(f);
    return ok_status();
  }));
  EXPECT_EQ(sqlite3_memory_used(), 0);
  EXPECT_EQ(sqlite3_memory_highwater(0), 0);
}

}  // namespace
}  // namespace pasaprod::testing_store

namespace pasaprod::testing_store {
namespace {

// open_store picks the backend from the location, and refuses a password in a URL (it would
// show in process lists) before connecting.
TEST(OpenStore, RefusesAPasswordInTheUrlAndUnknownSchemes) {
  for (const char* url : {"postgresql://pasaprod:secreto@127.0.0.1:1/db", "postgres://u:p@h/db"}) {
    auto s = open_store(url, nullptr);
    ASSERT_FALSE(s.ok()) << url;
    EXPECT_EQ(s.error().id, "store.password_in_url") << url;
    EXPECT_EQ(s.error().es.find("secreto"), std::string::npos);
  }
  auto other = open_store("mysql://u@h/db", nullptr);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().id, "store.location");
  // A user without a password is a plain connection attempt (nothing listens on port 1).
  auto unreachable = open_store("postgresql://pasaprod@127.0.0.1:1/db?connect_timeout=2", nullptr);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().id, "store.unavailable");
  TempDir dir;
  auto sqlite = open_store("sqlite:" + dir.file("p.db"), nullptr);
  ASSERT_TRUE(sqlite.ok());
  EXPECT_EQ((*sqlite)->describe(), "sqlite:" + dir.file("p.db"));
}

}  // namespace
}  // namespace pasaprod::testing_store
