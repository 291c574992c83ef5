// Shared Store suite, listing totals: the totals of listings filtered by no more than state,
// system and kind, which the backends keep per group (schema v18): exact whatever the count
// limit, equal to what counting the matches finds, and following inserts, state changes and
// rollbacks.
#include <cstdio>

#include "tests/store/store_suite.h"

namespace pasaprod::testing_store {
namespace {

// The filter with a created range that every release is in: the same matches, counted one by
// one up to the count limit (the path of filters other than state, system and kind).
ReleaseFilter counted_one_by_one(ReleaseFilter f) {
  f.created_from = 1;
  f.count_limit = 1'000'000;
  return f;
}

std::vector<std::string> numbers(const ReleasePage& page) {
  std::vector<std::string> out;
  for (const auto& s : page.items) out.push_back(s.number);
  return out;
}

// 40 releases over 3 states, 2 systems and 2 kinds (uneven groups, some empty), created_at =
// 1000 * i; returns them.
std::vector<Release> insert_count_fixture(Store& store) {
  std::vector<Release> model;
  Status st = store.write([&](WriteTx& tx) -> Status {
    for (int i = 1; i <= 40; ++i) {
      char num[32];
      std::snprintf(num, sizeof num, "PP-2026-%04d", i);
      Release r = sample_release(num, 1000 * i);
      r.state = i % 7 == 0 ? "closed" : (i % 3 == 0 ? "in_qa" : "draft");
      r.system = i % 4 == 0 ? "SIAF" : "SIGA";
      r.kind = i % 5 == 0 && r.state != "closed" ? "emergency" : "maintenance";
      if (auto s = tx.insert_release(r); !s) return s;
      model.push_back(r);
    }
    return ok_status();
  });
  EXPECT_TRUE(st.ok()) << st.error().en;
  return model;
}

std::int64_t matching(const std::vector<Release>& model, const ReleaseFilter& f) {
  std::int64_t n = 0;
  for (const Release& r : model) {
    n += (f.state.empty() || r.state == f.state) && (f.system.empty() || r.system == f.system) &&
         (f.kind.empty() || r.kind == f.kind);
  }
  return n;
}

// The total of `f` is `want`, uncapped, and equal to the count of the same matches one by one,
// with the same page.
void expect_total(ReadTx& tx, const ReleaseFilter& f, std::int64_t want) {
  SCOPED_TRACE("state=" + f.state + " system=" + f.system + " kind=" + f.kind);
  const ReleasePage p = tx.releases(f);
  EXPECT_EQ(p.total, want);
  EXPECT_FALSE(p.total_capped);
  const ReleasePage q = tx.releases(counted_one_by_one(f));
  EXPECT_EQ(q.total, want);
  EXPECT_FALSE(q.total_capped);
  EXPECT_EQ(numbers(p), numbers(q));
}

TEST_P(StoreSuite, TotalsOfStateSystemAndKindAreExactWhateverTheCountLimit) {
  const std::vector<Release> model = insert_count_fixture(*store_);
  read([&](ReadTx& tx) {
    for (const char* state : {"", "draft", "in_qa", "closed", "cancelled"}) {
      for (const char* system : {"", "SIGA", "SIAF", "SISPER"}) {
        for (const char* kind : {"", "maintenance", "emergency"}) {
          ReleaseFilter f;
          f.state = state;
          f.system = system;
          f.kind = kind;
          f.limit = 4;
          f.count_limit = 3;  // below most totals: not a cap for these filters
          expect_total(tx, f, matching(model, f));
        }
      }
    }
    ReleaseFilter all;
    all.count_limit = 0;  // the inbox's "rows only": exact all the same
    all.limit = 2;
    ReleasePage p = tx.releases(all);
    EXPECT_EQ(p.total, 40);
    EXPECT_FALSE(p.total_capped);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0040", "PP-2026-0039"}));
    all.offset = 38;
    EXPECT_EQ(numbers(tx.releases(all)), (std::vector<std::string>{"PP-2026-0002", "PP-2026-0001"}));
    all.offset = 40;
    p = tx.releases(all);
    EXPECT_EQ(p.total, 40);
    EXPECT_TRUE(p.items.empty());

    // Any other filter keeps counting the matches up to the limit.
    ReleaseFilter other = all;
    other.offset = 0;
    other.count_limit = 3;
    other.created_from = 1;
    p = tx.releases(other);
    EXPECT_EQ(p.total, 3);
    EXPECT_TRUE(p.total_capped);
    other = all;
    other.offset = 0;
    other.count_limit = 3;
    other.requester = "ana";
    EXPECT_TRUE(tx.releases(other).total_capped);
    other = all;
    other.offset = 0;
    other.count_limit = 3;
    other.text = "planillas";
    EXPECT_TRUE(tx.releases(other).total_capped);
  });
}

TEST_P(StoreSuite, TotalsFollowInsertsStateChangesAndRollbacks) {
  const auto totals = [&](const std::vector<std::pair<std::string, std::int64_t>>& by_state, std::int64_t all) {
    read([&](ReadTx& tx) {
      expect_total(tx, ReleaseFilter{}, all);
      for (const auto& [state, n] : by_state) {
        ReleaseFilter f;
        f.state = state;
        expect_total(tx, f, n);
      }
    });
  };
  totals({{"draft", 0}}, 0);
  write_ok([](WriteTx& tx) -> Status {
    for (const char* n : {"PP-2026-0001", "PP-2026-0002", "PP-2026-0003"}) {
      if (auto st = tx.insert_release(sample_release(n, 1000)); !st) return st;
    }
    ReleaseFilter draft;
    draft.state = "draft";
    EXPECT_EQ(tx.releases(draft).total, 3);  // the transaction's own inserts
    return ok_status();
  });
  write_ok([](WriteTx& tx) { return tx.insert_release(sample_release("PP-2026-0004", 2000)); });
  totals({{"draft", 4}, {"in_qa", 0}}, 4);

  write_ok([](WriteTx& tx) { return tx.bump_release("PP-2026-0001", 0, "in_qa", 3000); });
  totals({{"draft", 3}, {"in_qa", 1}}, 4);
  write_ok([](WriteTx& tx) { return tx.bump_release("PP-2026-0001", 1, "in_qa", 3100); });  // same state
  totals({{"draft", 3}, {"in_qa", 1}}, 4);
  write_ok([](WriteTx& tx) -> Status {
    if (auto st = tx.bump_release("PP-2026-0002", 0, "in_qa", 3200); !st) return st;
    if (auto st = tx.bump_release("PP-2026-0002", 1, "closed", 3300); !st) return st;
    return tx.bump_release("PP-2026-0001", 2, "closed", 3400);
  });
  totals({{"draft", 2}, {"in_qa", 0}, {"closed", 2}}, 4);

  // A conflict changes nothing; a write that fails after changes leaves no count behind.
  Status conflict = store_->write([](WriteTx& tx) { return tx.bump_release("PP-2026-0003", 7, "closed", 4000); });
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, Code::conflict);
  Status failed = store_->write([](WriteTx& tx) -> Status {
    if (auto st = tx.insert_release(sample_release("PP-2026-0005", 5000)); !st) return st;
    if (auto st = tx.bump_release("PP-2026-0003", 0, "closed", 5000); !st) return st;
    return make_error(Code::invalid_argument, "test.refused", "rechazado", "refused");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().id, "test.refused");
  totals({{"draft", 2}, {"in_qa", 0}, {"closed", 2}}, 4);

  // Another system and kind in the same state are groups of their own.
  write_ok([](WriteTx& tx) {
    Release r = sample_release("PP-2026-0006", 6000);
    r.system = "SIAF";
    r.kind = "emergency";
    return tx.insert_release(r);
  });
  read([&](ReadTx& tx) {
    ReleaseFilter f;
    f.state = "draft";
    expect_total(tx, f, 3);
    f.system = "SIAF";
    expect_total(tx, f, 1);
    f.system = "SIGA";
    f.kind = "emergency";
    expect_total(tx, f, 0);
    f.system = "";
    expect_total(tx, f, 1);
  });
}

}  // namespace
}  // namespace pasaprod::testing_store
