// The PostgreSQL backend: the shared suite, plus what a server database shared by several
// nodes adds (concurrent writers and their retries, migrations racing, schema versions, the
// audit trail's triggers, the password kept out of sight). Every test has a database of its
// own on the cluster of the CTest fixture pg_cluster.
#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include "audit/chain.h"
#include "storage/postgres/schema.h"
#include "tests/store/pg_test_db.h"
#include "tests/store/store_suite.h"

namespace pasaprod::testing_store {
namespace {

// The store of the shared suite: a PgStore on a database of its own, dropped with the store.
class ScratchPgStore final : public Store {
 public:
  explicit ScratchPgStore(const std::string& dir) : db_(dir), store_(open_pg(db_.url())) {}
  bool ok() const { return store_ != nullptr; }
  Status read(const std::function<Status(ReadTx&)>& fn) override { return store_->read(fn); }
  Status write(const std::function<Status(WriteTx&)>& fn) override { return store_->write(fn); }
  std::string describe() const override { return store_->describe(); }
  void set_commit_listener(CommitListener listener) override { store_->set_commit_listener(std::move(listener)); }

 private:
  ScratchDatabase db_;               // destroyed last
  std::unique_ptr<PgStore> store_;   // closes its connections first
};

std::unique_ptr<Store> make_pg_store(const std::string& dir) {
  auto store = std::make_unique<ScratchPgStore>(dir);
  return store->ok() ? std::move(store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreSuite, ::testing::Values(StoreFactory{"postgres", make_pg_store}),
                         StoreFactory::name_of);

const std::string kNumber = "PP-2026-0001";

int schema_version_of(Store& store) {
  int version = -1;
  EXPECT_TRUE(store.read([&](ReadTx& tx) {
    version = tx.schema_version();
    return ok_status();
  }).ok());
  return version;
}

std::vector<audit::AuditProblem> protection_problems(Store& store) {
  std::vector<audit::AuditProblem> out;
  EXPECT_TRUE(store.read([&](ReadTx& tx) {
    out = tx.trail_protection_problems();
    return ok_status();
  }).ok());
  return out;
}

Status append(WriteTx& tx, const std::string& subject, int i) {
  auto e = tx.append_event(sample_event(subject, i));
  return e ? ok_status() : Status(e.error());
}

TEST(PgStore, DescribeAndErrorsNeverShowThePassword) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  const std::string password = db.password();
  ASSERT_GE(password.size(), 16u);
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->describe(), "postgresql://postgres@" + db.host_port() + "/" + db.name());

  // The same database as key=value pairs.
  const std::string host = db.host_port().substr(0, db.host_port().find(':'));
  const std::string port = db.host_port().substr(db.host_port().find(':') + 1);
  auto kv = open_pg("host=" + host + " port=" + port + " user=postgres password=" + password + " dbname=" + db.name());
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(kv->describe(), store->describe());

  const auto expect_hidden = [](const Result<std::unique_ptr<PgStore>>& r, const std::string& secret, Code code) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().en;
    EXPECT_EQ(r.error().es.find(secret), std::string::npos) << r.error().es;
    EXPECT_EQ(r.error().en.find(secret), std::string::npos) << r.error().en;
    for (const Detail& d : r.error().details) EXPECT_EQ(d.value.find(secret), std::string::npos) << d.value;
  };
  // A wrong password, a database that does not exist, a URL libpq cannot parse.
  const std::string wrong = "not-the-" + password;
  expect_hidden(PgStore::open("postgresql://postgres:" + wrong + "@" + db.host_port() + "/" + db.name()), wrong,
                Code::unavailable);
  expect_hidden(PgStore::open("postgresql://postgres:" + password + "@" + db.host_port() + "/no_such_db"), password,
                Code::unavailable);
  expect_hidden(PgStore::open("postgresql://postgres:" + password + "%zz@" + db.host_port() + "/x"), password,
                Code::invalid_argument);
  expect_hidden(PgStore::open("host=" + host + " password=" + password + " bogus_key=1"), password,
                Code::invalid_argument);
}

TEST(PgStore, RefusesASchemaNewerThanItKnows) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  {
    auto store = open_pg(db.url());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(schema_version_of(*store), postgres::latest_schema_version());
    EXPECT_EQ(postgres::latest_schema_version(), 13);  // the SQLite schema's version it matches
  }
  {
    auto again = open_pg(db.url());  // migrations are not applied twice
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(schema_version_of(*again), postgres::latest_schema_version());
  }
  const int newer = postgres::latest_schema_version() + 1;
  db.connect()->exec("INSERT INTO schema_version(version, description) VALUES ($1, 'from a newer pasaprod')", newer);
  auto refused = PgStore::open(db.url());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Code::failed_precondition);
  EXPECT_EQ(refused.error().id, "store.schema_newer");
  EXPECT_EQ(refused.error().detail("found"), std::to_string(newer));
  EXPECT_NE(refused.error().en.find("upgrade pasaprod"), std::string::npos);
  // Refusing changed nothing.
  pg::Result rows = db.connect()->exec("SELECT COUNT(*), MAX(version) FROM schema_version");
  EXPECT_EQ(rows.row(0).integer(0), 2);
  EXPECT_EQ(rows.row(0).integer(1), newer);
}

// A login that may not create tables (PostgreSQL 15: only the database's owner may, in schema
// public) cannot migrate: an error value that says so, without its password.
TEST(PgStore, RoleThatMayNotCreateTablesIsRefusedAtOpen) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  const std::string role = db.name() + "_reader", secret = "pw-" + db.name();
  auto admin = db.connect();
  // Identifiers cannot be parameters; the role's name holds only letters, digits and '_'.
  admin->exec("DROP ROLE IF EXISTS \"" + role + "\"");
  admin->exec("SELECT set_config('pasaprod.pw', $1, false)", secret);
  admin->exec("DO $$ BEGIN EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', '" + role +
              "', current_setting('pasaprod.pw')); END $$");
  auto refused = PgStore::open("postgresql://" + role + ":" + secret + "@" + db.host_port() + "/" + db.name());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Code::internal);
  EXPECT_EQ(refused.error().id, "store.open_failed");
  EXPECT_NE(refused.error().en.find("permission denied"), std::string::npos) << refused.error().en;
  EXPECT_EQ(refused.error().en.find(secret), std::string::npos) << refused.error().en;
  admin.reset();
  db.connect()->exec("DROP ROLE \"" + role + "\"");
}

TEST(PgStore, NodesStartingAtOnceMigrateOnce) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  constexpr int kNodes = 4;
  std::latch start(kNodes);
  std::vector<std::future<std::string>> opened;
  for (int i = 0; i < kNodes; ++i) {
    opened.push_back(std::async(std::launch::async, [&] {
      start.arrive_and_wait();
      auto store = PgStore::open(db.url());
      return store ? std::string() : store.error().en;
    }));
  }
  for (auto& f : opened) EXPECT_EQ(f.get(), "");
  auto conn = db.connect();
  pg::Result versions = conn->exec("SELECT version FROM schema_version ORDER BY version");
  ASSERT_EQ(versions.rows(), static_cast<int>(postgres::migrations().size()));
  EXPECT_EQ(versions.row(0).integer(0), postgres::latest_schema_version());
  EXPECT_EQ(conn->exec("SELECT COUNT(*) FROM audit_head").row(0).integer(0), 1);
}

// Two writers act on one release from the same row_version: one commits, the other (whose
// transaction is run again after the serialization failure) is told of the conflict.
TEST(PgStore, TwoWritersOnOneReleaseExactlyOneConflict) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto first = open_pg(db.url());
  auto second = open_pg(db.url());  // two nodes
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->write([](WriteTx& tx) { return tx.insert_release(sample_release(kNumber, 1000)); }).ok());

  std::latch both_read(2);
  std::atomic<int> runs{0};
  const auto act = [&](Store& store, const std::string& who) {
    bool first_run = true;
    return store.write([&](WriteTx& tx) -> Status {
      ++runs;
      auto rel = tx.release(kNumber);
      if (!rel) return rel.error();
      if (first_run) {
        first_run = false;
        both_read.arrive_and_wait();  // both decide on row_version 0
      }
      if (auto st = tx.bump_release(kNumber, 0, "in_qa_" + who, 2000); !st) return st;
      if (auto st = tx.add_transition(kNumber, {"submit", "draft", "in_qa", who, "", 2000, ""}); !st) return st;
      return append(tx, kNumber, 1);
    });
  };
  auto a = std::async(std::launch::async, [&] { return act(*first, "a"); });
  auto b = std::async(std::launch::async, [&] { return act(*second, "b"); });
  const Status sa = a.get(), sb = b.get();
  ASSERT_NE(sa.ok(), sb.ok()) << (sa.ok() ? sb.error().en : sa.error().en);
  const Status& lost = sa.ok() ? sb : sa;
  EXPECT_EQ(lost.error().code, Code::conflict);
  EXPECT_EQ(lost.error().id, "store.conflict");
  EXPECT_GE(runs.load(), 3);  // the loser ran again and saw the change
  ASSERT_TRUE(first->read([&](ReadTx& tx) {
    auto rel = tx.release(kNumber);
    EXPECT_EQ(rel->row_version, 1);
    EXPECT_EQ(rel->state, sa.ok() ? "in_qa_a" : "in_qa_b");
    EXPECT_EQ(rel->transitions.size(), 1u);
    EXPECT_EQ(tx.events("", 0, 10).size(), 1u);
    return ok_status();
  }).ok());
}

// A read-modify-write that loses the race is run again on a new snapshot: no update is lost.
// With a single attempt allowed, the loser fails with store.busy instead.
TEST(PgStore, SerializationFailureRunsTheWriteAgainBounded) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  for (int attempts : {10, 1}) {
    PgStore::Options options;
    options.max_attempts = attempts;
    auto first = open_pg(db.url(), options);
    auto second = open_pg(db.url(), options);
    ASSERT_TRUE(first && second);
    ASSERT_TRUE(first->write([](WriteTx& tx) { return tx.put_setting("counter", "0"); }).ok());
    std::latch both_read(2);
    std::atomic<int> runs{0};
    const auto increment = [&](Store& store) {
      bool first_run = true;
      return store.write([&](WriteTx& tx) -> Status {
        ++runs;
        const int value = std::stoi(tx.setting("counter").value_or("-100"));
        if (first_run) {
          first_run = false;
          both_read.arrive_and_wait();
        }
        return tx.put_setting("counter", std::to_string(value + 1));
      });
    };
    auto a = std::async(std::launch::async, [&] { return increment(*first); });
    auto b = std::async(std::launch::async, [&] { return increment(*second); });
    const Status sa = a.get(), sb = b.get();
    std::string counter;
    ASSERT_TRUE(first->read([&](ReadTx& tx) {
      counter = tx.setting("counter").value_or("");
      return ok_status();
    }).ok());
    if (attempts == 10) {
      EXPECT_TRUE(sa.ok() && sb.ok()) << (sa.ok() ? "" : sa.error().en) << (sb.ok() ? "" : sb.error().en);
      EXPECT_EQ(counter, "2");
      EXPECT_EQ(runs.load(), 3);
    } else {
      ASSERT_NE(sa.ok(), sb.ok());
      const Status& lost = sa.ok() ? sb : sa;
      EXPECT_EQ(lost.error().code, Code::internal);
      EXPECT_EQ(lost.error().id, "store.busy");
      EXPECT_EQ(counter, "1");
      EXPECT_EQ(runs.load(), 2);
    }
  }
}

// Pooled connections the server dropped (a restart, a failover, an administrator) are replaced:
// the next read and write work.
TEST(PgStore, ConnectionsTheServerDroppedAreReplaced) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->write([](WriteTx& tx) { return tx.put_setting("k", "1"); }).ok());
  ASSERT_TRUE(store->read([](ReadTx& tx) { return tx.setting("k") ? ok_status() : Status(make_error(Code::internal, "t", "t", "t")); }).ok());
  pg::Result killed = db.connect()->exec(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", db.name());
  ASSERT_GE(killed.rows(), 1);
  std::string value;
  ASSERT_TRUE(store->read([&](ReadTx& tx) {
    value = tx.setting("k").value_or("");
    return ok_status();
  }).ok());
  EXPECT_EQ(value, "1");
  db.connect()->exec(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", db.name());
  const Status st = append_sample(*store, "s", 1);
  EXPECT_TRUE(st.ok()) << st.error().en;
}

// A statement PostgreSQL refuses aborts the whole transaction: the PgError propagates out of
// write() (nothing saved), and a function that swallows it cannot commit the rest either.
TEST(PgStore, RefusedStatementSavesNothingEvenWhenTheFunctionCarriesOn) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  OutboxMail bad;
  bad.raci = 'X';  // refused by the outbox's CHECK constraint
  EXPECT_THROW((void)store->write([&](WriteTx& tx) -> Status {
    if (auto st = tx.put_setting("k", "thrown"); !st) return st;
    auto id = tx.enqueue_mail(bad);
    return id ? ok_status() : Status(id.error());
  }), pg::PgError);
  const Status st = store->write([&](WriteTx& tx) -> Status {
    if (auto s = tx.put_setting("k", "swallowed"); !s) return s;
    try {
      (void)tx.enqueue_mail(bad);
    } catch (const pg::PgError& e) {
      EXPECT_EQ(e.sqlstate(), "23514");
    }
    return ok_status();
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().id, "store.commit_failed");
  ASSERT_TRUE(store->read([](ReadTx& tx) {
    EXPECT_EQ(tx.setting("k"), std::nullopt);
    EXPECT_EQ(tx.mail_counts().queued, 0);
    return ok_status();
  }).ok());
}

// The listener (AnchoredStore's) hears the newest event of each committed write, once, and
// nothing of writes that appended nothing or rolled back — reruns included.
TEST(PgStore, CommitListenerHearsEachCommittedHeadOnce) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  std::mutex mu;
  std::vector<AnchorHead> heads;
  store->set_commit_listener([&](const AnchorHead& head) {
    std::lock_guard<std::mutex> lock(mu);
    heads.push_back(head);
  });
  std::string second_hash;
  ASSERT_TRUE(store->write([&](WriteTx& tx) -> Status {
    if (auto st = append(tx, "s", 1); !st) return st;
    auto e = tx.append_event(sample_event("s", 2));
    if (!e) return e.error();
    second_hash = e->hash;
    return ok_status();
  }).ok());
  ASSERT_TRUE(store->write([](WriteTx& tx) { return tx.put_setting("k", "v"); }).ok());
  EXPECT_FALSE(store->write([](WriteTx& tx) -> Status {
    if (auto st = append(tx, "s", 3); !st) return st;
    return make_error(Code::failed_precondition, "test.refused", "rechazado", "refused");
  }).ok());
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_EQ(heads[0].seq, 2);
  EXPECT_EQ(heads[0].hash, second_hash);

  heads.clear();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) EXPECT_TRUE(store->write([&](WriteTx& tx) { return append(tx, "t", t * 10 + i); }).ok());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::int64_t> seqs;
  for (const AnchorHead& h : heads) seqs.insert(h.seq);
  EXPECT_EQ(heads.size(), 40u);
  EXPECT_EQ(seqs.size(), 40u);
  EXPECT_EQ(*seqs.begin(), 3);
  EXPECT_EQ(*seqs.rbegin(), 42);
}

// Two nodes with three writers each append to one chain: one total order, no gap, every link
// verified.
TEST(PgStore, NodesAppendToOneChain) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto node1 = open_pg(db.url());
  auto node2 = open_pg(db.url());
  ASSERT_TRUE(node1 && node2);
  constexpr int kThreads = 3, kWrites = 15;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 2 * kThreads; ++t) {
    threads.emplace_back([&, t] {
      PgStore& node = t % 2 == 0 ? *node1 : *node2;
      for (int i = 0; i < kWrites; ++i) {
        if (!node.write([&](WriteTx& tx) { return append(tx, "t" + std::to_string(t), i); }).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  audit::ChainVerifier verifier;
  std::int64_t expected = 0;
  scan_events(*node2, 0, [&](const AuditEvent& e) {
    EXPECT_EQ(e.seq, ++expected);
    verifier.add(e);
    return true;
  });
  EXPECT_EQ(expected, 2 * kThreads * kWrites);
  const audit::AuditVerifyReport report = verifier.finish();
  EXPECT_TRUE(report.ok) << (report.problems.empty() ? "" : report.problems[0].en);
  EXPECT_EQ(db.connect()->exec("SELECT seq FROM audit_head").row(0).integer(0), expected);
}

TEST(PgStore, ScanEventsReadsInChunksAndStopsWhenAsked) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->write([](WriteTx& tx) -> Status {
    for (int i = 1; i <= 10; ++i) {
      if (auto st = append(tx, "s", i); !st) return st;
    }
    return ok_status();
  }).ok());
  std::vector<std::int64_t> seen;
  scan_events(*store, 3, [&](const AuditEvent& e) {
    seen.push_back(e.seq);
    return e.seq < 8;
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{4, 5, 6, 7, 8}));
  // More events than one chunk of the scan (1000): all, in order, from one snapshot.
  ASSERT_TRUE(store->write([](WriteTx& tx) -> Status {
    for (int i = 11; i <= 2100; ++i) {
      if (auto st = append(tx, "s", i); !st) return st;
    }
    return ok_status();
  }).ok());
  std::int64_t expected = 0;
  scan_events(*store, 0, [&](const AuditEvent& e) { return e.seq == ++expected; });
  EXPECT_EQ(expected, 2100);
}

TEST(PgStore, AuditEventsRefuseEditsAndTheTriggersAreChecked) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto store = open_pg(db.url());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->write([](WriteTx& tx) { return append(tx, "s", 1); }).ok());
  EXPECT_TRUE(protection_problems(*store).empty());

  auto conn = db.connect();
  for (const char* sql : {"UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events",
                          "TRUNCATE audit_events"}) {
    try {
      conn->exec(sql);
      ADD_FAILURE() << sql << " was allowed";
    } catch (const pg::PgError& e) {
      EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos) << e.what();
    }
    conn->clear_failure();
  }
  conn->exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_delete");
  conn->exec("DROP TRIGGER audit_events_no_update ON audit_events");
  const auto problems = protection_problems(*store);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].id, "audit.trigger_missing");
  EXPECT_NE(problems[0].en.find("audit_events_no_update"), std::string::npos);
  EXPECT_EQ(problems[1].id, "audit.trigger_altered");
  EXPECT_NE(problems[1].en.find("audit_events_no_delete"), std::string::npos);
  conn->exec("CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
             "$$ BEGIN RETURN NULL; END $$");
  EXPECT_EQ(protection_problems(*store).size(), 3u);  // the truncate trigger calls it too
}

// Senders on two nodes claim at once: the second passes over the mails the first holds
// instead of waiting for them, and no mail is claimed twice.
TEST(PgStore, ClaimMailsPassesOverMailsAnotherSenderHolds) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  auto node1 = open_pg(db.url());
  auto node2 = open_pg(db.url());
  ASSERT_TRUE(node1 && node2);
  ASSERT_TRUE(node1->write([](WriteTx& tx) -> Status {
    OutboxMail m;
    m.username = "rosa";
    m.step = "turn:pre_approve";
    for (int i = 0; i < 3; ++i) {
      if (auto id = tx.enqueue_mail(m); !id) return id.error();
    }
    return ok_status();
  }).ok());
  std::promise<void> held, released;
  std::shared_future<void> released_f = released.get_future().share();
  std::vector<std::int64_t> a_ids, b_ids;
  auto a = std::async(std::launch::async, [&] {
    bool first_run = true;
    return node1->write([&](WriteTx& tx) {
      a_ids.clear();
      for (const OutboxMail& m : tx.claim_mails(1000, 9000, 2)) a_ids.push_back(m.id);
      if (first_run) {
        first_run = false;
        held.set_value();
        // Keep the transaction open while the other node claims.
        EXPECT_EQ(released_f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
      }
      return ok_status();
    });
  });
  held.get_future().wait();
  const Status sb = node2->write([&](WriteTx& tx) {
    b_ids.clear();
    for (const OutboxMail& m : tx.claim_mails(1000, 9000, 10)) b_ids.push_back(m.id);
    return ok_status();
  });
  released.set_value();
  const Status sa = a.get();
  ASSERT_TRUE(sa.ok() && sb.ok());
  EXPECT_EQ(a_ids.size(), 2u);
  EXPECT_EQ(b_ids.size(), 1u);
  std::set<std::int64_t> all(a_ids.begin(), a_ids.end());
  all.insert(b_ids.begin(), b_ids.end());
  EXPECT_EQ(all.size(), 3u);
}

}  // namespace
}  // namespace pasaprod::testing_store
