// Shared Store suite, part 3: ReadTx::for_each_release_history (whole releases for reports).
#include <algorithm>

#include "tests/store/store_suite.h"

namespace pasaprod::testing_store {
namespace {

// Child rows of several releases written interleaved, as real activity writes them.
void fill(WriteTx& tx) {
  Release b = sample_release("PP-2026-0002", 2000);
  Release a = sample_release("PP-2026-0001", 1000);
  Release c = sample_release("PP-2026-0003", 3000);
  c.kind = "emergency";
  c.system = "SIRE";
  Release d = sample_release("PP-2026-0004", 4000);  // no child rows at all
  for (const Release* r : {&b, &a, &c, &d}) ASSERT_TRUE(tx.insert_release(*r).ok());
  for (int round = 0; round < 3; ++round) {
    for (const char* n : {"PP-2026-0002", "PP-2026-0001", "PP-2026-0003"}) {
      const std::string tag = std::string(n).substr(8) + "-" + std::to_string(round);
      const Timestamp at = 10000 + round * 100;
      ASSERT_TRUE(tx.put_file(n, {"slot" + std::to_string(round), "f" + tag, round, std::string(64, 'a'), "ana", at}).ok());
      ASSERT_TRUE(tx.add_review(n, {"slot" + std::to_string(round), "accepted", "r" + tag, "op", at, "dig"}).ok());
      ASSERT_TRUE(tx.add_record(n, {0, "window", {{"from", "x" + tag}, {"to", "y"}}, "op", at, "m"}).ok());
      ASSERT_TRUE(tx.add_transition(n, {"act" + tag, "s1", "s2", "op", "n" + tag, at, "m"}).ok());
    }
  }
  ASSERT_TRUE(tx.add_observation("PP-2026-0001", {"obs", "op", 5, "draft", "qa_observe"}).ok());
}

std::vector<Release> histories(ReadTx& tx, const ReleaseFilter& f) {
  std::vector<Release> out;
  tx.for_each_release_history(f, [&](const Release& r) { out.push_back(r); });
  return out;
}

TEST_P(StoreSuite, ReleaseHistoriesStreamWholeReleasesInNumberOrder) {
  write_ok([&](WriteTx& tx) {
    fill(tx);
    return ok_status();
  });
  read([&](ReadTx& tx) {
    const std::vector<Release> all = histories(tx, ReleaseFilter{});
    ASSERT_EQ(all.size(), 4u);
    for (std::size_t i = 0; i < all.size(); ++i) {
      const Release& got = all[i];
      EXPECT_EQ(got.number, "PP-2026-000" + std::to_string(i + 1));
      // The same as the single-release read, observations aside; files in any order.
      Release want = *tx.release(got.number);
      EXPECT_EQ(got.system, want.system);
      EXPECT_EQ(got.kind, want.kind);
      EXPECT_EQ(got.created_at, want.created_at);
      EXPECT_EQ(got.row_version, want.row_version);
      EXPECT_TRUE(got.observations.empty());
      ASSERT_EQ(got.files.size(), want.files.size());
      auto by_name = [](const DeliverableFile& x, const DeliverableFile& y) { return x.name < y.name; };
      std::vector<DeliverableFile> gf = got.files, wf = want.files;
      std::sort(gf.begin(), gf.end(), by_name);
      std::sort(wf.begin(), wf.end(), by_name);
      for (std::size_t k = 0; k < gf.size(); ++k) {
        EXPECT_EQ(gf[k].name, wf[k].name);
        EXPECT_EQ(gf[k].slot, wf[k].slot);
        EXPECT_EQ(gf[k].size, wf[k].size);
      }
      ASSERT_EQ(got.reviews.size(), want.reviews.size());
      for (std::size_t k = 0; k < got.reviews.size(); ++k) EXPECT_EQ(got.reviews[k].note, want.reviews[k].note);
      ASSERT_EQ(got.records.size(), want.records.size());
      for (std::size_t k = 0; k < got.records.size(); ++k) {
        EXPECT_EQ(got.records[k].id, want.records[k].id);
        EXPECT_EQ(got.records[k].fields, want.records[k].fields);
      }
      ASSERT_EQ(got.transitions.size(), want.transitions.size());
      for (std::size_t k = 0; k < got.transitions.size(); ++k) EXPECT_EQ(got.transitions[k].action, want.transitions[k].action);
    }
    EXPECT_EQ(all[0].transitions.size(), 3u);
    EXPECT_EQ(all[0].transitions[2].action, "act0001-2");  // oldest first
    EXPECT_TRUE(all[3].files.empty());
    EXPECT_TRUE(all[3].transitions.empty());

    ReleaseFilter f;
    f.kind = "emergency";
    auto some = histories(tx, f);
    ASSERT_EQ(some.size(), 1u);
    EXPECT_EQ(some[0].number, "PP-2026-0003");
    EXPECT_EQ(some[0].records.size(), 3u);
    f = {};
    f.system = "SIGA";
    f.created_from = 1500;
    f.created_to = 4000;  // exclusive
    some = histories(tx, f);
    ASSERT_EQ(some.size(), 1u);
    EXPECT_EQ(some[0].number, "PP-2026-0002");
    EXPECT_EQ(some[0].reviews.size(), 3u);
    EXPECT_EQ(some[0].reviews[0].note, "r0002-0");
  });
}

}  // namespace
}  // namespace pasaprod::testing_store
