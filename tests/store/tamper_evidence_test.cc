// Defect 2 of issue 10: tamper evidence erased by normal use. After an older copy of the
// database was put back, or the newest events were cut, the store used to accept writes and
// soon move the anchor onto the new, shorter chain, and verify_audit() said "intact" again.
// Now the store refuses writes while the trail is behind or beside the anchor, and never
// advances the anchor onto a head that does not descend from it.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "audit/file_anchor.h"
#include "storage/open/open_store.h"
#include "tests/store/test_util.h"

namespace pasaprod::testing_store {
namespace {

namespace fs = std::filesystem;
using Mode = AnchoredStore::AnchorMode;

class TamperEvidence : public ::testing::TestWithParam<Mode> {
 protected:
  std::unique_ptr<AnchoredStore> open(const std::string& path, AuditAnchor* anchor) {
    StoreOptions options;
    options.anchoring.mode = GetParam();
    options.anchoring.interval = std::chrono::milliseconds(1);
    auto store = open_store(path, anchor, options);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().en);
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<AnchoredStore> open() { return open(db(), &anchor_); }
  std::string db() const { return dir_.file("p.db"); }

  static Status append(Store& store, int i) { return append_sample(store, "PP-2026-0001", i); }
  // Appends events first..last through a store that is then closed (its anchor flushed).
  void append_closed(int first, int last) {
    auto store = open();
    for (int i = first; i <= last; ++i) ASSERT_TRUE(append(*store, i).ok());
  }
  static int count(Store& store) { return count_events(store); }
  // As an attacker with the sqlite3 library would.
  void sql(const std::string& path, const std::string& statements) {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &h), SQLITE_OK);
    char* err = nullptr;
    const std::string all = "DROP TRIGGER IF EXISTS audit_events_no_update;"
                            "DROP TRIGGER IF EXISTS audit_events_no_delete;" + statements + ";" +
                            kTriggersSql;
    EXPECT_EQ(sqlite3_exec(h, all.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(h);
  }
  // Copies the closed database file (no -wal: the last close checkpointed it).
  static void copy_db(const std::string& from, const std::string& to) {
    ASSERT_FALSE(fs::exists(from + "-wal") && fs::file_size(from + "-wal") > 0);
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    fs::remove(to + "-wal");
    fs::remove(to + "-shm");
  }
  // The write is refused with `id`, and nothing changed: same events, same anchor.
  void expect_refused(const std::string& id) {
    const AnchorHead anchored = *anchor_.load();
    auto store = open();
    ASSERT_TRUE(store);
    const int before = count(*store);
    for (int attempt = 0; attempt < 3; ++attempt) {
      Status st = append(*store, 500 + attempt);
      ASSERT_FALSE(st.ok()) << "a write was accepted on a database " << id;
      EXPECT_EQ(st.error().id, id) << st.error().en;
      EXPECT_EQ(st.error().code, Code::data_loss);
      EXPECT_NE(st.error().es.find("bloqueadas"), std::string::npos) << st.error().es;
      EXPECT_NE(st.error().en.find("refused"), std::string::npos) << st.error().en;
    }
    EXPECT_EQ(count(*store), before);
    EXPECT_FALSE(store->verify_audit().ok);
    store.reset();
    EXPECT_EQ(anchor_.load()->seq, anchored.seq);
    EXPECT_EQ(anchor_.load()->hash, anchored.hash);
  }

  TempDir dir_;
  audit::FileAnchor anchor_{dir_.file("p.db.anchor")};
};

TEST_P(TamperEvidence, OlderCopyPutBackRefusesWrites) {
  append_closed(1, 5);
  copy_db(db(), dir_.file("old.db"));
  append_closed(6, 10);
  ASSERT_EQ(anchor_.load()->seq, 10);
  copy_db(dir_.file("old.db"), db());
  expect_refused("audit.db_behind_anchor");
}

TEST_P(TamperEvidence, TailCutRefusesWrites) {
  append_closed(1, 10);
  sql(db(), "DELETE FROM audit_events WHERE seq > 8");
  expect_refused("audit.db_behind_anchor");
}

TEST_P(TamperEvidence, TailCutAndLongerRewriteRefusesWrites) {
  // Cut at 8, then (with the anchor out of reach) forge a longer chain of 12 events.
  append_closed(1, 10);
  sql(db(), "DELETE FROM audit_events WHERE seq > 8");
  {
    auto store = open(db(), nullptr);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(append(*store, 900 + i).ok());
  }
  expect_refused("audit.db_beside_anchor");
}

TEST_P(TamperEvidence, AnotherDatabaseBesideTheAnchorRefusesWrites) {
  append_closed(1, 10);
  {
    auto other = open(dir_.file("other.db"), nullptr);
    for (int i = 1; i <= 12; ++i) ASSERT_TRUE(append(*other, 1000 + i).ok());
  }
  copy_db(dir_.file("other.db"), db());
  expect_refused("audit.db_beside_anchor");
}

TEST_P(TamperEvidence, AnchorDeletedRefusesWrites) {
  append_closed(1, 10);
  const AnchorHead anchored = *anchor_.load();
  ASSERT_EQ(::unlink(anchor_.path().c_str()), 0);
  auto store = open();
  Status st = append(*store, 77);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().id, "audit.anchor_missing");
  EXPECT_EQ(count(*store), 10);
  store.reset();
  EXPECT_FALSE(anchor_.load().has_value()) << "no anchor was created over the unanchored trail";
  (void)anchored;
}

TEST_P(TamperEvidence, RestoringTheRightDatabaseLiftsTheRefusal) {
  append_closed(1, 10);
  copy_db(db(), dir_.file("good.db"));
  sql(db(), "DELETE FROM audit_events WHERE seq > 8");
  auto store = open();
  ASSERT_FALSE(append(*store, 50).ok());
  store.reset();
  copy_db(dir_.file("good.db"), db());
  store = open();
  ASSERT_TRUE(append(*store, 51).ok());
  EXPECT_TRUE(store->verify_audit().ok);
  store.reset();
  EXPECT_EQ(anchor_.load()->seq, 11);
}

TEST_P(TamperEvidence, TailCutWhileOpenIsNeverAnchored) {
  // The cut happens under a running store: its next advance finds the anchored event gone,
  // refuses, and every later write is refused before it begins.
  append_closed(1, 10);
  auto store = open();
  ASSERT_TRUE(store);
  sql(db(), "DELETE FROM audit_events WHERE seq > 8");
  (void)append(*store, 60);  // commits event 9 of the cut trail; its anchoring is refused
  Status flushed = store->flush_anchor();
  ASSERT_FALSE(flushed.ok());
  EXPECT_EQ(flushed.error().id, "audit.db_behind_anchor");
  for (int i = 0; i < 3; ++i) {
    Status st = append(*store, 61 + i);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().id, "audit.db_behind_anchor");
  }
  EXPECT_EQ(count(*store), 9);
  EXPECT_FALSE(store->verify_audit().ok);
  store.reset();
  EXPECT_EQ(anchor_.load()->seq, 10);
  auto reopened = open();
  EXPECT_FALSE(reopened->verify_audit().ok);
}

TEST_P(TamperEvidence, AnchorRemovedWhileOpenIsNotRecreated) {
  append_closed(1, 10);
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(append(*store, 70).ok());
  ASSERT_TRUE(store->flush_anchor().ok());
  ASSERT_EQ(::unlink(anchor_.path().c_str()), 0);
  (void)append(*store, 71);
  Status flushed = store->flush_anchor();
  ASSERT_FALSE(flushed.ok());
  EXPECT_EQ(flushed.error().id, "audit.anchor_missing");
  store.reset();
  EXPECT_FALSE(anchor_.load().has_value());
}

TEST_P(TamperEvidence, IntactTrailKeepsWriting) {
  append_closed(1, 3);
  append_closed(4, 6);
  auto store = open();
  ASSERT_TRUE(append(*store, 7).ok());
  ASSERT_TRUE(store->flush_anchor().ok());
  EXPECT_TRUE(store->verify_audit().ok);
  store.reset();
  EXPECT_EQ(anchor_.load()->seq, 7);
}

INSTANTIATE_TEST_SUITE_P(Modes, TamperEvidence, ::testing::Values(Mode::synchronous, Mode::background),
                         [](const auto& info) {
                           return std::string(info.param == Mode::synchronous ? "sync" : "background");
                         });

}  // namespace
}  // namespace pasaprod::testing_store
