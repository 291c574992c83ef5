// The PostgreSQL backend under concurrent writers, from one node or several (PgStore objects
// on one database): reruns after serialization failures, conflicts, the audit chain's order,
// the commit listener, and senders claiming mails.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include "audit/chain.h"
#include "tests/store/pg_test_db.h"

namespace pasaprod::testing_store {
namespace {

const std::string kNumber = "PP-2026-0001";

// Two writers act on one release from the same row_version: one commits, the other (whose
// transaction is run again after the serialization failure) is told of the conflict.
TEST(PgStore, TwoWritersOnOneReleaseExactlyOneConflict) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  PgStore::Options optimistic;
  optimistic.serialize_writes = false;  // both run at once, so one must lose
  auto first = open_pg(db.url(), optimistic);
  auto second = open_pg(db.url(), optimistic);  // two nodes
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

// Writers on two nodes that open requests and change their states at once, in the same groups
// of release_counts (one row each), keep the counts exact: a writer that meets another's
// uncommitted count is run again. Every write commits, and the counts equal the releases.
TEST(PgStore, ConcurrentWritersKeepTheCountsExact) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  PgStore::Options optimistic;
  optimistic.serialize_writes = false;  // nothing queues them but the counts' rows
  optimistic.max_attempts = 100;
  auto first = open_pg(db.url(), optimistic);
  auto second = open_pg(db.url(), optimistic);
  ASSERT_TRUE(first && second);
  constexpr int kThreads = 4, kEach = 8;
  std::latch start(kThreads);
  std::vector<std::future<std::string>> done;
  for (int t = 0; t < kThreads; ++t) {
    done.push_back(std::async(std::launch::async, [&, t]() -> std::string {
      Store& store = t % 2 == 0 ? static_cast<Store&>(*first) : *second;
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        const std::string number = "PP-2026-" + std::to_string(1000 + t * 100 + i);
        Status st = store.write([&](WriteTx& tx) { return tx.insert_release(sample_release(number, 1000 + i)); });
        if (st) st = store.write([&](WriteTx& tx) { return tx.bump_release(number, 0, i % 2 ? "in_qa" : "closed", 2000); });
        if (!st) return number + ": " + st.error().en;
      }
      return "";
    }));
  }
  for (auto& f : done) EXPECT_EQ(f.get(), "");
  ASSERT_TRUE(first->read([&](ReadTx& tx) {
    for (const char* state : {"", "draft", "in_qa", "closed"}) {
      ReleaseFilter f;
      f.state = state;
      const std::int64_t exact = tx.releases(f).total;
      f.created_from = 1;  // the same matches, counted one by one
      EXPECT_EQ(exact, tx.releases(f).total) << state;
    }
    ReleaseFilter all;
    EXPECT_EQ(tx.releases(all).total, kThreads * kEach);
    return ok_status();
  }).ok());
  pg::Result wrong = db.connect()->exec(
      "SELECT COUNT(*) FROM (SELECT state, system, kind, COUNT(*) AS n FROM releases GROUP BY 1, 2, 3) AS t"
      " FULL JOIN (SELECT * FROM release_counts WHERE n > 0) AS c USING (state, system, kind)"
      " WHERE t.n IS DISTINCT FROM c.n");
  EXPECT_EQ(wrong.row(0).integer(0), 0);
}

// A read-modify-write that loses the race is run again on a new snapshot: no update is lost.
// With a single attempt allowed, the loser fails with store.busy instead.
TEST(PgStore, SerializationFailureRunsTheWriteAgainBounded) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  for (int attempts : {10, 1}) {
    PgStore::Options options;
    options.max_attempts = attempts;
    options.serialize_writes = false;  // both run at once, so one must lose
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

// More callers than connections: they wait for one, and the store never opens more than
// max_connections (watched from outside while they run).
TEST(PgStore, CallersBeyondThePoolWaitForAConnection) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  PgStore::Options options;
  options.max_connections = 2;
  options.max_idle = 2;  // none closed: a closed one lingers in pg_stat_activity for a moment
  auto store = open_pg(db.url(), options);
  ASSERT_NE(store, nullptr);
  std::atomic<bool> done{false};
  std::atomic<std::int64_t> most{0};
  std::thread watcher([&] {
    auto conn = db.connect();
    while (!done) {
      const std::int64_t n = conn->exec(
          "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pasaprod' "
          "AND pid <> pg_backend_pid()", db.name()).row(0).integer(0);
      most = std::max(most.load(), n);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::mutex mu;
  std::vector<std::string> failures;
  const auto check = [&](const Status& st) {
    if (st.ok()) return;
    std::lock_guard<std::mutex> lock(mu);
    failures.push_back(st.error().en);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        check(store->write([&](WriteTx& tx) { return append(tx, "t", t * 100 + i); }));
        check(store->read([](ReadTx& tx) {
          return tx.last_event() ? ok_status() : Status(make_error(Code::internal, "t", "no event", "no event"));
        }));
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  watcher.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  EXPECT_EQ(count_events(*store), 90);
  EXPECT_GE(most.load(), 1);
  EXPECT_LE(most.load(), 2);
}

// Senders on two nodes claim at once: the second passes over the mails the first holds
// instead of waiting for them, and no mail is claimed twice.
TEST(PgStore, ClaimMailsPassesOverMailsAnotherSenderHolds) {
  TempDir dir;
  ScratchDatabase db(dir.path());
  PgStore::Options optimistic;
  optimistic.serialize_writes = false;  // the claims run at once (serialized writes wait instead)
  auto node1 = open_pg(db.url(), optimistic);
  auto node2 = open_pg(db.url(), optimistic);
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
