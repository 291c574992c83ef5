// Shared Store suite, the request's aggregate: what release() reads back of everything written
// about a request (files, reviews, records, transitions, observations), the errors that leave
// it as it was, and releases_by_number giving the same aggregates for a list of requests.
#include "tests/store/store_suite.h"

namespace pasaprod::testing_store {
namespace {

TEST_P(StoreSuite, ReleaseAggregateRoundtrip) {
  const std::string n = "PP-2026-0001";
  Release rel = sample_release(n, 1000);
  rel.declared_major = true;
  rel.row_version = 7;
  rel.files.push_back({"ignored", "x", 1, "y", "z", 2});  // collections are ignored on insert
  std::int64_t record_id = 0;
  write_ok([&](WriteTx& tx) -> Status {
    if (auto st = tx.insert_release(rel); !st) return st;
    if (auto st = tx.put_file(n, {"source_code", "app.zip", 10, "aa", "ana", 1}); !st) return st;
    if (auto st = tx.put_file(n, {"user_manual", "manual.pdf", 20, "bb", "ana", 2}); !st) return st;
    if (auto st = tx.put_file(n, {"source_code", "app.zip", 11, "cc", "bob", 3}); !st) return st;
    if (auto st = tx.put_file(n, {"db_scripts", "v1.sql", 5, "dd", "ana", 4}); !st) return st;
    if (auto st = tx.remove_file(n, "db_scripts", "v1.sql"); !st) return st;
    if (auto st = tx.add_review(n, {"source_code", "accepted", "ok", "rita", 5, "sd1"}); !st) {
      return st;
    }
    if (auto st = tx.add_review(n, {"user_manual", "observed", "faltan", "rita", 6, "sd2"}); !st) {
      return st;
    }
    Record window{0, "window", {{"from", "2026-03-01T22:00"}, {"to", "2026-03-02T02:00"}},
                  "olga", 7, "m1", {}};
    auto id = tx.add_record(n, window);
    if (!id) return id.error();
    record_id = *id;
    auto id2 = tx.add_record(n, {0, "baseline", {}, "olga", 8, "m2", {}});
    if (!id2) return id2.error();
    EXPECT_NE(*id, *id2);
    if (auto st = tx.add_transition(n, {"request_qa", "draft", "in_qa", "ana", "n", 9, ""}); !st) {
      return st;
    }
    return tx.add_observation(n, {"Falta el manual", "quinn", 10, "in_qa", "qa_observe"});
  });
  read([&](ReadTx& tx) {
    auto got = tx.release(n);
    ASSERT_TRUE(got.ok());
    const Release& r = *got;
    EXPECT_EQ(r.system, "SIGA");
    EXPECT_EQ(r.kind, "maintenance");
    EXPECT_EQ(r.version, "2.4");
    EXPECT_TRUE(r.declared_major);
    EXPECT_EQ(r.title, rel.title);
    EXPECT_EQ(r.summary, rel.summary);
    EXPECT_EQ(r.requester, "ana");
    EXPECT_EQ(r.state, "draft");
    EXPECT_EQ(r.edition, "02");
    EXPECT_EQ(r.created_at, 1000);
    EXPECT_EQ(r.row_version, 7);
    ASSERT_EQ(r.files.size(), 2u);
    EXPECT_EQ(r.files[0].slot, "source_code");  // replaced in place, same slot and name
    EXPECT_EQ(r.files[0].size, 11);
    EXPECT_EQ(r.files[0].sha256, "cc");
    EXPECT_EQ(r.files[0].uploaded_by, "bob");
    EXPECT_EQ(r.files[1].name, "manual.pdf");
    ASSERT_EQ(r.reviews.size(), 2u);
    EXPECT_EQ(r.reviews[1].verdict, "observed");
    EXPECT_EQ(r.reviews[1].slot_digest, "sd2");
    ASSERT_EQ(r.records.size(), 2u);
    EXPECT_EQ(r.records[0].id, record_id);
    EXPECT_EQ(r.records[0].fields.at("to"), "2026-03-02T02:00");
    EXPECT_EQ(r.records[0].manifest_sha256, "m1");
    EXPECT_TRUE(r.records[1].fields.empty());
    ASSERT_EQ(r.transitions.size(), 1u);
    EXPECT_EQ(r.transitions[0].to, "in_qa");
    ASSERT_EQ(r.observations.size(), 1u);
    EXPECT_EQ(r.observations[0].from_state, "in_qa");
    EXPECT_EQ(r.observations[0].action, "qa_observe");
    EXPECT_EQ(tx.release("PP-2026-0099").error().code, Code::not_found);
  });

  // Errors, each leaving everything as it was.
  const auto code_of = [&](const std::function<Status(WriteTx&)>& fn) {
    Status st = store_->write(fn);
    return st.ok() ? Code::ok : st.error().code;
  };
  EXPECT_EQ(code_of([&](WriteTx& tx) { return tx.insert_release(rel); }), Code::already_exists);
  EXPECT_EQ(code_of([&](WriteTx& tx) { return tx.remove_file(n, "source_code", "nope"); }),
            Code::not_found);
  const std::string ghost = "PP-2026-0404";
  EXPECT_EQ(code_of([&](WriteTx& tx) { return tx.put_file(ghost, {"s", "f", 1, "h", "a", 1}); }),
            Code::not_found);
  EXPECT_EQ(code_of([&](WriteTx& tx) { return tx.add_review(ghost, {}); }), Code::not_found);
  EXPECT_EQ(code_of([&](WriteTx& tx) -> Status {
              auto id = tx.add_record(ghost, {});
              return id ? ok_status() : Status(id.error());
            }),
            Code::not_found);
  EXPECT_EQ(code_of([&](WriteTx& tx) { return tx.add_transition(ghost, {}); }), Code::not_found);
  EXPECT_EQ(code_of([&](WriteTx& tx) { return tx.add_observation(ghost, {}); }), Code::not_found);
  read([&](ReadTx& tx) { EXPECT_EQ(tx.release(n)->files.size(), 2u); });
}

// The parts of an aggregate that releases_by_number must give as release() does.
std::string aggregate_text(const Release& r) {
  std::string out = r.number + "|" + r.system + "|" + r.state + "|" + std::to_string(r.row_version);
  for (const auto& f : r.files) out += "|f:" + f.slot + "/" + f.name + "/" + f.sha256 + "/" + std::to_string(f.size);
  for (const auto& v : r.reviews) out += "|v:" + v.slot + "/" + v.verdict + "/" + v.note + "/" + v.slot_digest;
  for (const auto& rec : r.records) {
    out += "|r:" + std::to_string(rec.id) + "/" + rec.type + "/" + rec.manifest_sha256;
    for (const auto& [k, v] : rec.fields) out += "/" + k + "=" + v;
  }
  for (const auto& t : r.transitions) out += "|t:" + t.action + "/" + t.from + "/" + t.to + "/" + std::to_string(t.at);
  for (const auto& o : r.observations) out += "|o:" + o.text + "/" + o.from_state + "/" + o.action;
  return out;
}

TEST_P(StoreSuite, ReleasesByNumberAreTheAggregatesInTheOrderAsked) {
  // The third number carries what a quoted list would have to escape.
  const std::vector<std::string> stored = {"PP-2026-0001", "PP-2026-0002", "PP-\"x\\,{y}"};
  write_ok([&](WriteTx& tx) -> Status {
    for (std::size_t i = 0; i < stored.size(); ++i) {
      if (auto st = tx.insert_release(sample_release(stored[i], 1000 + static_cast<Timestamp>(i))); !st) return st;
    }
    // Children interleaved between the requests, so each must find its own.
    for (int round = 0; round < 3; ++round) {
      for (std::size_t i = 0; i < stored.size(); ++i) {
        const std::string& n = stored[i];
        const std::string tag = std::to_string(round) + "-" + std::to_string(i);
        if (i != 1) {
          if (auto st = tx.put_file(n, {"source_code", "f" + tag, 10 + round, "h" + tag, "ana", round}); !st) return st;
        }
        if (auto st = tx.add_review(n, {"source_code", "accepted", "n" + tag, "rita", round, "d" + tag}); !st) return st;
        if (i != 0) {
          auto id = tx.add_record(n, {0, "window", {{"from", tag}}, "olga", round, "m" + tag, {}});
          if (!id) return id.error();
        }
        if (auto st = tx.add_transition(n, {"a" + tag, "draft", "in_qa", "ana", "", round, ""}); !st) return st;
        if (auto st = tx.add_observation(n, {"o" + tag, "quinn", round, "in_qa", "qa_observe"}); !st) return st;
      }
    }
    return ok_status();
  });
  read([&](ReadTx& tx) {
    const std::vector<std::string> asked = {stored[2], "PP-2026-0404", stored[0], stored[1]};
    const std::vector<Release> got = tx.releases_by_number(asked);
    ASSERT_EQ(got.size(), 3u);  // the unknown number is left out
    const std::vector<std::string> order = {stored[2], stored[0], stored[1]};
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].number, order[i]);
      auto one = tx.release(order[i]);
      ASSERT_TRUE(one.ok());
      EXPECT_EQ(aggregate_text(got[i]), aggregate_text(*one));
    }
    EXPECT_EQ(got[0].files.size(), 3u);
    EXPECT_EQ(got[0].records.size(), 3u);
    EXPECT_TRUE(got[1].records.empty());
    EXPECT_TRUE(got[2].files.empty());
    EXPECT_EQ(got[2].observations.size(), 3u);
    EXPECT_EQ(got[2].observations[2].text, "o2-1");
    EXPECT_TRUE(tx.releases_by_number({}).empty());
    EXPECT_TRUE(tx.releases_by_number({"PP-2026-0404"}).empty());
  });
}

}  // namespace
}  // namespace pasaprod::testing_store
