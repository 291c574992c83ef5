// Shared Store suite, part 3: ReadTx::for_each_release_history (whole releases for reports)
// and the values reports derive from histories (for_each_release_derived, put_derived).
#include <algorithm>
#include <map>

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
      ASSERT_TRUE(tx.add_record(n, {0, "window", {{"from", "x" + tag}, {"to", "y"}}, "op", at, "m", {}}).ok());
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


// What for_each_release_derived gives: number -> value ("<whole:N>" for a release that came
// whole, N = its number of transitions).
std::map<std::string, std::string> derived(ReadTx& tx, const ReleaseFilter& f, const std::string& derivation) {
  std::map<std::string, std::string> out;
  tx.for_each_release_derived(f, derivation, [&](const Release& r, const std::string* value) {
    if (value) {
      EXPECT_TRUE(r.files.empty() && r.reviews.empty() && r.records.empty() && r.transitions.empty()) << r.number;
      out[r.number] = *value;
    } else {
      out[r.number] = "<whole:" + std::to_string(r.transitions.size()) + ">";
    }
  });
  return out;
}

TEST_P(StoreSuite, DerivedValuesReplaceHistoriesWhileTheReleaseIsUnchanged) {
  write_ok([&](WriteTx& tx) {
    fill(tx);
    return ok_status();
  });
  // Without values, every release comes whole, exactly as for_each_release_history gives it.
  read([&](ReadTx& tx) {
    std::vector<Release> whole;
    tx.for_each_release_derived(ReleaseFilter{}, "facts/1", [&](const Release& r, const std::string* value) {
      EXPECT_EQ(value, nullptr);
      whole.push_back(r);
    });
    const std::vector<Release> want = histories(tx, ReleaseFilter{});
    ASSERT_EQ(whole.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(whole[i].number, want[i].number);
      EXPECT_EQ(whole[i].row_version, want[i].row_version);
      EXPECT_EQ(whole[i].files.size(), want[i].files.size());
      ASSERT_EQ(whole[i].records.size(), want[i].records.size());
      for (std::size_t k = 0; k < want[i].records.size(); ++k) EXPECT_EQ(whole[i].records[k].fields, want[i].records[k].fields);
      ASSERT_EQ(whole[i].reviews.size(), want[i].reviews.size());
      ASSERT_EQ(whole[i].transitions.size(), want[i].transitions.size());
      for (std::size_t k = 0; k < want[i].transitions.size(); ++k) {
        EXPECT_EQ(whole[i].transitions[k].action, want[i].transitions[k].action);
        EXPECT_EQ(whole[i].transitions[k].at, want[i].transitions[k].at);
      }
    }
  });
  write_ok([&](WriteTx& tx) {
    // Current row_version (0, as inserted); a stale one and an unknown release are skipped.
    return tx.put_derived("facts/1", {{"PP-2026-0001", 0, "v1"},
                                      {"PP-2026-0002", 0, "v2"},
                                      {"PP-2026-0003", 7, "stale"},
                                      {"PP-2026-9999", 0, "nobody"}});
  });
  write_ok([&](WriteTx& tx) { return tx.put_derived("other/1", {{"PP-2026-0001", 0, "o1"}}); });
  read([&](ReadTx& tx) {
    EXPECT_EQ(derived(tx, ReleaseFilter{}, "facts/1"),
              (std::map<std::string, std::string>{
                  {"PP-2026-0001", "v1"}, {"PP-2026-0002", "v2"}, {"PP-2026-0003", "<whole:3>"}, {"PP-2026-0004", "<whole:0>"}}));
    EXPECT_EQ(derived(tx, ReleaseFilter{}, "other/1").at("PP-2026-0001"), "o1");  // derivations kept apart
    EXPECT_EQ(derived(tx, ReleaseFilter{}, "other/1").at("PP-2026-0002"), "<whole:3>");
    ReleaseFilter f;
    f.created_to = 1500;
    EXPECT_EQ(derived(tx, f, "facts/1"), (std::map<std::string, std::string>{{"PP-2026-0001", "v1"}}));
  });
  // A replaced value; then changes: a bumped row_version makes PP-2026-0002's value stale, and a
  // change to PP-2026-0001's history drops its values (every derivation) even without a bump.
  write_ok([&](WriteTx& tx) { return tx.put_derived("facts/1", {{"PP-2026-0002", 0, "v2b"}}); });
  read([&](ReadTx& tx) { EXPECT_EQ(derived(tx, ReleaseFilter{}, "facts/1").at("PP-2026-0002"), "v2b"); });
  write_ok([&](WriteTx& tx) { return tx.bump_release("PP-2026-0002", 0, "in_qa", 50000); });
  write_ok([&](WriteTx& tx) { return tx.add_review("PP-2026-0001", {"slot9", "observed", "", "op", 60000, ""}); });
  read([&](ReadTx& tx) {
    const auto got = derived(tx, ReleaseFilter{}, "facts/1");
    EXPECT_EQ(got.at("PP-2026-0001"), "<whole:3>");
    EXPECT_EQ(got.at("PP-2026-0002"), "<whole:3>");
    EXPECT_EQ(derived(tx, ReleaseFilter{}, "other/1").at("PP-2026-0001"), "<whole:3>");
  });
  // Derived again at the new row_version, it counts again.
  write_ok([&](WriteTx& tx) { return tx.put_derived("facts/1", {{"PP-2026-0002", 1, "v2c"}}); });
  read([&](ReadTx& tx) { EXPECT_EQ(derived(tx, ReleaseFilter{}, "facts/1").at("PP-2026-0002"), "v2c"); });
}

TEST_P(StoreSuite, EveryChangeToAHistoryDropsItsDerivedValues) {
  write_ok([&](WriteTx& tx) {
    fill(tx);
    return ok_status();
  });
  const std::vector<std::pair<std::string, std::function<Status(WriteTx&)>>> changes = {
      {"put_file (new)", [](WriteTx& tx) { return tx.put_file("PP-2026-0003", {"slotx", "new.zip", 1, "d", "ana", 9}); }},
      {"put_file (replace)", [](WriteTx& tx) { return tx.put_file("PP-2026-0003", {"slot0", "f0003-0", 2, "e", "ana", 9}); }},
      {"remove_file", [](WriteTx& tx) { return tx.remove_file("PP-2026-0003", "slot1", "f0003-1"); }},
      {"add_review", [](WriteTx& tx) { return tx.add_review("PP-2026-0003", {"slot0", "accepted", "", "op", 9, ""}); }},
      {"add_record",
       [](WriteTx& tx) {
         auto id = tx.add_record("PP-2026-0003", {0, "baseline", {}, "op", 9, "", {}});
         return id ? ok_status() : Status(id.error());
       }},
      {"add_transition", [](WriteTx& tx) { return tx.add_transition("PP-2026-0003", {"verify", "deployed", "verified", "op", "", 9, ""}); }},
  };
  for (const auto& [what, change] : changes) {
    write_ok([&](WriteTx& tx) { return tx.put_derived("facts/1", {{"PP-2026-0003", 0, "v"}, {"PP-2026-0001", 0, "kept"}}); });
    read([&](ReadTx& tx) { EXPECT_EQ(derived(tx, ReleaseFilter{}, "facts/1").at("PP-2026-0003"), "v") << what; });
    write_ok(change);
    read([&](ReadTx& tx) {
      const auto got = derived(tx, ReleaseFilter{}, "facts/1");
      EXPECT_EQ(got.at("PP-2026-0003").rfind("<whole:", 0), 0u) << what;
      EXPECT_EQ(got.at("PP-2026-0001"), "kept") << what;  // other releases keep theirs
    });
  }
  // A write that fails leaves the values as they were.
  write_ok([&](WriteTx& tx) { return tx.put_derived("facts/1", {{"PP-2026-0003", 0, "v"}}); });
  Status failed = store_->write([](WriteTx& tx) -> Status {
    if (auto st = tx.add_review("PP-2026-0003", {"slot0", "observed", "", "op", 9, ""}); !st) return st;
    return make_error(Code::conflict, "test.abort", "abortar", "abort");
  });
  EXPECT_FALSE(failed.ok());
  read([&](ReadTx& tx) { EXPECT_EQ(derived(tx, ReleaseFilter{}, "facts/1").at("PP-2026-0003"), "v"); });
}

}  // namespace
}  // namespace pasaprod::testing_store
