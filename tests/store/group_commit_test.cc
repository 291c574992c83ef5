// Group commit in the SQLite backend: writers that arrive while a commit is in flight share the
// next transaction, each in its own savepoint. The first writer holds its group open until the
// others are queued, so the grouping happens every run.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "audit/file_anchor.h"
#include "storage/open/open_store.h"
#include "tests/store/test_util.h"

namespace pasaprod::testing_store {
namespace {

bool has_user(WriteTx& tx, const std::string& name) { return static_cast<bool>(tx.user(name)); }

bool committed_user(Store& store, const std::string& name) {
  bool found = false;
  EXPECT_TRUE(store.read([&](ReadTx& tx) {
    found = static_cast<bool>(tx.user(name));
    return ok_status();
  }));
  return found;
}

// Runs `first` as a write that does not finish until `others` more writers are queued behind
// it, then runs each of `writes` on its own thread; returns when all have returned.
void with_queued_writers(Store& store, const std::vector<std::function<void()>>& writes) {
  std::atomic<bool> holding{false};
  std::thread holder([&] {
    EXPECT_TRUE(store.write([&](WriteTx& tx) {
      holding = true;
      while (store.writers_waiting() < writes.size()) std::this_thread::yield();
      return tx.insert_user(sample_user("holder"));
    }));
  });
  while (!holding) std::this_thread::yield();
  std::vector<std::thread> threads;
  for (const auto& w : writes) threads.emplace_back(w);
  for (auto& t : threads) t.join();
  holder.join();
}

// Queues n writers behind a held group; writer i adds user PREFIXi after counting the others'
// users it sees in its transaction but a reader does not yet (committed by no one). Returns
// that count over all writers.
int uncommitted_seen(Store& store, const std::string& prefix, int n) {
  std::atomic<int> seen{0};
  std::vector<std::function<void()>> writes;
  for (int i = 0; i < n; ++i) {
    writes.push_back([&, i] {
      EXPECT_TRUE(store.write([&](WriteTx& tx) {
        for (int j = 0; j < n; ++j) {
          const std::string other = prefix + std::to_string(j);
          if (j != i && has_user(tx, other) && !committed_user(store, other)) ++seen;
        }
        return tx.insert_user(sample_user(prefix + std::to_string(i)));
      }));
    });
  }
  with_queued_writers(store, writes);
  return seen.load();
}

TEST(GroupCommit, WaitingWritersShareOneTransactionAndSeeEachOtherInOrder) {
  TempDir dir;
  auto opened = SqliteStore::open(dir.file("p.db"));
  ASSERT_TRUE(opened);
  SqliteStore& store = **opened;
  // In one transaction the second sees the first's change, the third both, and none of them is
  // visible to a reader before the group commits: 0 + 1 + 2.
  EXPECT_EQ(uncommitted_seen(store, "w", 3), 3);
  for (const char* u : {"holder", "w0", "w1", "w2"}) EXPECT_TRUE(committed_user(store, u)) << u;
}

TEST(GroupCommit, ARefusalOrAnExceptionUndoesOnlyItsOwnChanges) {
  TempDir dir;
  auto opened = SqliteStore::open(dir.file("p.db"));
  ASSERT_TRUE(opened);
  SqliteStore& store = **opened;
  Status refused = ok_status();
  std::atomic<bool> threw{false};
  Status kept = make_error(Code::internal, "unset", "", "");
  with_queued_writers(store, {
                                 [&] {
                                   refused = store.write([&](WriteTx& tx) -> Status {
                                     if (auto st = tx.insert_user(sample_user("refused")); !st) return st;
                                     return make_error(Code::conflict, "test.refused", "rechazado", "refused");
                                   });
                                 },
                                 [&] {
                                   try {
                                     (void)store.write([&](WriteTx& tx) -> Status {
                                       if (auto st = tx.insert_user(sample_user("thrown")); !st) return st;
                                       throw std::runtime_error("boom");
                                     });
                                   } catch (const std::runtime_error&) {
                                     threw = true;
                                   }
                                 },
                                 [&] { kept = store.write([&](WriteTx& tx) { return tx.insert_user(sample_user("kept")); }); },
                             });
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.error().id, "test.refused");
  EXPECT_TRUE(threw.load());
  EXPECT_TRUE(kept) << kept.error().en;
  EXPECT_FALSE(committed_user(store, "refused"));
  EXPECT_FALSE(committed_user(store, "thrown"));
  EXPECT_TRUE(committed_user(store, "kept"));
  EXPECT_TRUE(committed_user(store, "holder"));
}

TEST(GroupCommit, AGroupIsAnchoredOnceAndEveryMemberIsCoveredWhenItReturns) {
  TempDir dir;
  audit::FileAnchor anchor(dir.file("audit.anchor"));
  auto opened = open_store(dir.file("p.db"), &anchor);
  ASSERT_TRUE(opened);
  AnchoredStore& store = **opened;
  std::atomic<int> uncovered{0};
  std::vector<std::function<void()>> writes;
  for (int i = 0; i < 4; ++i) {
    writes.push_back([&, i] {
      std::int64_t seq = 0;
      Status st = store.write([&](WriteTx& tx) -> Status {
        auto e = tx.append_event(sample_event("g" + std::to_string(i), i));
        if (!e) return e.error();
        seq = e->seq;
        return i == 2 ? make_error(Code::conflict, "test.refused", "rechazado", "refused") : ok_status();
      });
      if (i == 2) {
        EXPECT_FALSE(st);
        return;
      }
      EXPECT_TRUE(st) << st.error().en;
      auto anchored = anchor.load();
      if (!anchored || anchored->seq < seq) ++uncovered;
    });
  }
  with_queued_writers(store, writes);
  EXPECT_EQ(uncovered.load(), 0);
  EXPECT_EQ(store.anchor_lag(), 0);
  auto report = store.verify_audit();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.events_checked, 3);  // the refused member's event is gone, the chain has no gap
}

TEST(GroupCommit, ALongQueueIsCommittedInGroupsOfAtMostMaxGroup) {
  TempDir dir;
  SqliteStore::Options options;
  options.max_group = 2;
  auto opened = SqliteStore::open(dir.file("p.db"), options);
  ASSERT_TRUE(opened);
  SqliteStore& store = **opened;
  // Groups of 2, 2 and 1: each second member sees its partner's change uncommitted.
  EXPECT_EQ(uncommitted_seen(store, "q", 5), 2);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(committed_user(store, "q" + std::to_string(i)));
  EXPECT_EQ(store.writers_waiting(), 0u);
}

}  // namespace
}  // namespace pasaprod::testing_store
