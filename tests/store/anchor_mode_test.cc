// How AnchoredStore advances its audit anchor (AnchoredStore::AnchorMode) and how writes fail
// closed on it: a background anchor catches up before flush/verify/close returns, an anchor
// that fails its check or its advance refuses the next write before it changes anything, and
// writes resume once the anchor is usable again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "audit/file_anchor.h"
#include "storage/open/open_store.h"
#include "tests/store/test_util.h"

namespace pasaprod::testing_store {
namespace {

using Mode = AnchoredStore::AnchorMode;

std::unique_ptr<AnchoredStore> open_store(const std::string& path, AuditAnchor* anchor, Mode mode) {
  StoreOptions options;
  options.anchoring.mode = mode;
  auto store = pasaprod::open_store(path, anchor, options);
  if (!store) {
    ADD_FAILURE() << store.error().en;
    return nullptr;
  }
  return std::move(*store);
}

Status append(Store& store, int i) { return append_sample(store, "r", i); }

// An anchor that fails on demand and otherwise remembers the newest head.
class FlakyAnchor : public AuditAnchor {
 public:
  std::optional<AnchorHead> load() const override {
    if (fail) throw std::runtime_error("disco lleno");
    std::lock_guard<std::mutex> lock(mu_);
    return head_;
  }
  void advance(const AnchorHead& head) override {
    ++advances;
    if (fail) throw std::runtime_error("disco lleno");
    std::lock_guard<std::mutex> lock(mu_);
    if (!head_ || head.seq > head_->seq) head_ = head;
  }
  std::atomic<bool> fail{false};
  std::atomic<int> advances{0};

 private:
  mutable std::mutex mu_;
  std::optional<AnchorHead> head_;
};

TEST(AnchorMode, BackgroundAnchorCatchesUpOnFlushAndClose) {
  TempDir dir;
  audit::FileAnchor anchor(dir.file("audit.anchor"));
  constexpr int kThreads = 4;
  constexpr int kWrites = 25;
  {
    auto store = open_store(dir.file("p.db"), &anchor, Mode::background);
    ASSERT_TRUE(store);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kWrites; ++i) {
          if (!append(*store, t * 1000 + i).ok()) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    ASSERT_TRUE(store->flush_anchor().ok());
    EXPECT_EQ(anchor.load()->seq, kThreads * kWrites);
    EXPECT_TRUE(store->verify_audit().ok);
    ASSERT_TRUE(append(*store, 1).ok());  // anchored by the destructor at the latest
  }
  EXPECT_EQ(anchor.load()->seq, kThreads * kWrites + 1);
  auto reopened = open_store(dir.file("p.db"), &anchor, Mode::synchronous);
  auto report = reopened->verify_audit();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.events_checked, kThreads * kWrites + 1);
}

TEST(AnchorMode, BackgroundCoalescesAdvances) {
  TempDir dir;
  FlakyAnchor anchor;
  constexpr int kWrites = 200;
  {
    auto store = open_store(dir.file("p.db"), &anchor, Mode::background);
    for (int i = 0; i < kWrites; ++i) ASSERT_TRUE(append(*store, i).ok());
  }
  EXPECT_EQ(anchor.load()->seq, kWrites);
  EXPECT_GE(anchor.advances.load(), 1);
  EXPECT_LE(anchor.advances.load(), kWrites);
}

class AnchorFailure : public ::testing::TestWithParam<Mode> {};

// A forged anchor file (here: garbage where a slot should be) found at open refuses the very
// first write, which changes nothing; moving the file aside is not enough (a missing anchor
// over a non-empty trail refuses writes too); once the administrator re-anchors, writes resume.
TEST_P(AnchorFailure, InvalidAnchorAtOpenRefusesWritesUntilRepaired) {
  TempDir dir;
  audit::FileAnchor anchor(dir.file("audit.anchor"));
  {
    auto store = open_store(dir.file("p.db"), &anchor, GetParam());
    ASSERT_TRUE(append(*store, 0).ok());
  }
  std::string garbage(1024, 'x');
  std::ofstream(anchor.path(), std::ios::binary | std::ios::trunc) << garbage;
  auto store = open_store(dir.file("p.db"), &anchor, GetParam());
  for (int attempt = 0; attempt < 2; ++attempt) {
    Status st = append(*store, 1);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().id, "audit.anchor_failed");
    EXPECT_NE(st.error().es.find("audit verify"), std::string::npos) << st.error().es;
  }
  EXPECT_EQ(count_events(*store), 1);
  Result<std::int64_t> present = store->reanchor();
  ASSERT_FALSE(present.ok());
  EXPECT_EQ(present.error().id, "audit.anchor_present");
  ASSERT_EQ(::unlink(anchor.path().c_str()), 0);  // the administrator sets it aside
  Status missing = append(*store, 2);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().id, "audit.anchor_missing");
  ASSERT_EQ(store->reanchor().value(), 1);
  ASSERT_TRUE(append(*store, 2).ok());
  ASSERT_TRUE(store->flush_anchor().ok());
  EXPECT_EQ(anchor.load()->seq, 2);
  EXPECT_EQ(count_events(*store), 2);
}

// A failed advance (disk full) is reported, the next write is refused before it begins, and
// when the anchor works again the retry anchors everything committed so far.
TEST_P(AnchorFailure, FailedAdvanceRefusesNextWriteUntilAnchorWorks) {
  TempDir dir;
  FlakyAnchor anchor;
  auto store = open_store(dir.file("p.db"), &anchor, GetParam());
  ASSERT_TRUE(append(*store, 0).ok());
  ASSERT_TRUE(store->flush_anchor().ok());
  anchor.fail = true;
  Status first = append(*store, 1);
  if (GetParam() == Mode::synchronous) {
    ASSERT_FALSE(first.ok());  // committed, but says it is not anchored
    EXPECT_EQ(first.error().id, "audit.anchor_failed");
    EXPECT_NE(first.error().en.find("was saved"), std::string::npos) << first.error().en;
  } else {
    ASSERT_TRUE(first.ok());  // committed; the background advance fails
    Status flushed = store->flush_anchor();
    ASSERT_FALSE(flushed.ok());
    EXPECT_EQ(flushed.error().id, "audit.anchor_failed");
  }
  EXPECT_EQ(count_events(*store), 2);
  Status refused = append(*store, 2);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().id, "audit.anchor_failed");
  EXPECT_EQ(count_events(*store), 2);  // nothing changed
  anchor.fail = false;
  ASSERT_TRUE(append(*store, 3).ok());
  ASSERT_TRUE(store->flush_anchor().ok());
  EXPECT_EQ(anchor.load()->seq, 3);
}

INSTANTIATE_TEST_SUITE_P(Modes, AnchorFailure,
                         ::testing::Values(Mode::synchronous, Mode::background),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return info.param == Mode::synchronous ? "synchronous" : "background";
                         });

}  // namespace
}  // namespace pasaprod::testing_store
