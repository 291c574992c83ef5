// audit::event_hash and audit::verify_chain on in-memory trails.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/chain.h"
#include "tests/store/test_util.h"
#include "util/sha256.h"

namespace pasaprod::audit {
namespace {

using testing_store::sample_event;

// A valid trail of n events.
std::vector<AuditEvent> make_trail(int n) {
  std::vector<AuditEvent> out;
  std::string prev;
  for (int i = 1; i <= n; ++i) {
    AuditEvent e = sample_event("PP-2026-0001", i);
    e.seq = i;
    e.prev_hash = prev;
    e.hash = event_hash(e);
    prev = e.hash;
    out.push_back(e);
  }
  return out;
}

AuditVerifyReport verify(const std::vector<AuditEvent>& trail, VerifyOptions options = {}) {
  std::size_t i = 0;
  return verify_chain(
      [&]() -> std::optional<AuditEvent> {
        if (i == trail.size()) return std::nullopt;
        return trail[i++];
      },
      options);
}

std::vector<std::string> ids(const AuditVerifyReport& r) {
  std::vector<std::string> out;
  for (const auto& p : r.problems) out.push_back(p.id + "@" + std::to_string(p.seq));
  return out;
}

TEST(EventHash, IsLengthPrefixedAndCoversEveryField) {
  AuditEvent a = sample_event("s", 1);
  a.seq = 1;
  const std::string base = event_hash(a);
  EXPECT_TRUE(is_sha256_hex(base));
  EXPECT_EQ(event_hash(a), base);  // deterministic
  a.hash = "ignored";
  EXPECT_EQ(event_hash(a), base);

  // Moving bytes across a field boundary changes the hash.
  AuditEvent x = a;
  x.actor = "ab";
  x.action = "c";
  AuditEvent y = a;
  y.actor = "a";
  y.action = "bc";
  EXPECT_NE(event_hash(x), event_hash(y));
  AuditEvent p = a;
  p.before = "";
  p.after = "x";
  AuditEvent q = a;
  q.before = "x";
  q.after = "";
  EXPECT_NE(event_hash(p), event_hash(q));

  // Every field counts.
  for (int field = 0; field < 8; ++field) {
    AuditEvent e = a;
    switch (field) {
      case 0: e.seq = 2; break;
      case 1: e.at += 1; break;
      case 2: e.actor += "!"; break;
      case 3: e.action += "!"; break;
      case 4: e.subject += "!"; break;
      case 5: e.before += " "; break;
      case 6: e.after += " "; break;
      case 7: e.prev_hash = std::string(64, '0'); break;
    }
    EXPECT_NE(event_hash(e), base) << "field " << field;
  }
}

TEST(EventHash, FormatIsStable) {
  // The serialization is persistent; this pins it.
  AuditEvent e;
  e.seq = 1;
  e.at = 2;
  e.actor = "ana";
  e.action = "a";
  e.subject = "s";
  e.after = "{}";
  EXPECT_EQ(event_hash(e),
            sha256_hex("pasaprod-audit-v1\n0:,1:1,1:2,3:ana,1:a,1:s,0:,2:{},"));
}

TEST(VerifyChain, ValidTrailsPass) {
  EXPECT_TRUE(verify({}).ok);
  auto trail = make_trail(50);
  auto r = verify(trail, {.anchor = AnchorHead{50, trail[49].hash}});
  EXPECT_TRUE(r.ok) << testing::PrintToString(ids(r));
  EXPECT_EQ(r.events_checked, 50);
  EXPECT_EQ(r.last_seq, 50);
  EXPECT_EQ(r.last_hash, trail[49].hash);
  // An anchor behind the head is fine (events appended since the anchor was written).
  EXPECT_TRUE(verify(trail, {.anchor = AnchorHead{40, trail[39].hash}}).ok);
}

TEST(VerifyChain, DetectsEachKindOfTampering) {
  auto trail = make_trail(10);
  {
    auto t = trail;
    t[4].actor = "mallory";
    auto r = verify(t);
    EXPECT_EQ(ids(r), std::vector<std::string>{"audit.altered@5"});
    EXPECT_EQ(r.problems[0].es, "evento 5 alterado");
    EXPECT_EQ(r.problems[0].en, "event 5 altered");
  }
  {
    auto t = trail;
    t.erase(t.begin() + 4);
    EXPECT_EQ(ids(verify(t)), std::vector<std::string>{"audit.gap@5"});
  }
  {
    auto t = trail;
    t.erase(t.begin() + 3, t.begin() + 6);
    auto r = verify(t);
    EXPECT_EQ(ids(r), std::vector<std::string>{"audit.gap@4"});
    EXPECT_EQ(r.problems[0].es, "faltan los eventos 4 a 6");
  }
  {
    auto t = trail;
    std::swap(t[3], t[4]);
    std::swap(t[3].seq, t[4].seq);  // rows swapped, seq numbers kept in place
    auto r = verify(t);
    EXPECT_FALSE(r.ok);
    auto found = ids(r);
    EXPECT_NE(std::find(found.begin(), found.end(), "audit.altered@4"), found.end());
  }
  {
    // A forger who recomputes the hashes after an edit is caught only by the anchor.
    auto t = trail;
    t[2].actor = "mallory";
    for (std::size_t i = 2; i < t.size(); ++i) {
      t[i].prev_hash = t[i - 1].hash;
      t[i].hash = event_hash(t[i]);
    }
    EXPECT_TRUE(verify(t).ok);
    auto r = verify(t, {.anchor = AnchorHead{10, trail[9].hash}});
    EXPECT_EQ(ids(r), std::vector<std::string>{"audit.anchor_mismatch@10"});
  }
  {
    auto t = trail;
    t.resize(8);
    EXPECT_TRUE(verify(t).ok);  // a cut tail is a valid chain...
    auto r = verify(t, {.anchor = AnchorHead{10, trail[9].hash}});
    EXPECT_EQ(ids(r), std::vector<std::string>{"audit.cut_tail@8"});  // ...but not anchored
    EXPECT_EQ(r.problems[0].es, "faltan eventos después del 8: el ancla registra 10");
    EXPECT_EQ(r.problems[0].en, "events missing after 8: the anchor records 10");
  }
  {
    auto r = verify(trail, {.anchor = std::nullopt, .anchor_expected = true});
    EXPECT_EQ(ids(r), std::vector<std::string>{"audit.no_anchor@0"});
  }
  {
    auto t = trail;
    t[9].seq = 11;  // the anchored event renumbered: seq 10 is missing
    auto r = verify(t, {.anchor = AnchorHead{10, trail[9].hash}});
    EXPECT_FALSE(r.ok);
  }
}

TEST(VerifyChain, AWitnessedHeadMustBeInTheTrailAsStamped) {
  const auto trail = make_trail(10);
  EXPECT_TRUE(verify(trail, {.witnessed = AnchorHead{6, trail[5].hash}}).ok);
  // Rewritten from event 4 on, hashes recomputed and anchored again: only the witness knows.
  auto t = trail;
  t[3].actor = "mallory";
  for (std::size_t i = 3; i < t.size(); ++i) {
    t[i].prev_hash = t[i - 1].hash;
    t[i].hash = event_hash(t[i]);
  }
  EXPECT_TRUE(verify(t, {.anchor = AnchorHead{10, t[9].hash}}).ok);
  auto r = verify(t, {.anchor = AnchorHead{10, t[9].hash}, .witnessed = AnchorHead{6, trail[5].hash}});
  EXPECT_EQ(ids(r), std::vector<std::string>{"audit.witness_mismatch@6"});
  // A rewrite after the witnessed head leaves it intact.
  EXPECT_TRUE(verify(t, {.witnessed = AnchorHead{3, trail[2].hash}}).ok);
  // Cut before it.
  t = trail;
  t.resize(5);
  r = verify(t, {.witnessed = AnchorHead{6, trail[5].hash}});
  EXPECT_EQ(ids(r), std::vector<std::string>{"audit.witness_missing_event@6"});
  EXPECT_FALSE(r.problems[0].es.empty());
  EXPECT_FALSE(r.problems[0].en.empty());
}

TEST(VerifyChain, CapsTheProblemList) {
  auto trail = make_trail(20);
  for (auto& e : trail) e.actor = "x";
  VerifyOptions options;
  options.max_problems = 5;
  auto r = verify(trail, options);
  EXPECT_EQ(r.problems.size(), 5u);
  EXPECT_EQ(r.problems_total, 20);
  EXPECT_FALSE(r.ok);
}

}  // namespace
}  // namespace pasaprod::audit
