// The facts of a history (adherence_facts.h): evaluating a release from its stored facts — the
// release's own fields only, its history gone — gives exactly what evaluating the whole
// release gives, over generated histories (every action, record type and field shape the
// controls look at, in random order, with equal times for the "at or before" edges); the text
// form round-trips; the key changes with what the facts depend on.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/time.h"
#include "reports/adherence.h"
#include "reports/adherence_facts.h"
#include "adherence_history.h"
#include "report_fixtures.h"

namespace pasaprod::reports {
namespace {

const Timestamp kBase = *parse_iso("2026-01-01T00:00:00Z");
constexpr Timestamp kHourMs = 3'600'000;

// Release i of a generated office: a random kind (rarely one the procedure does not know),
// state, files, and 0–40 random history events at non-decreasing times (often equal).
Release generated(std::mt19937_64& rng, int i) {
  auto pick = [&](std::initializer_list<const char*> options) {
    std::uniform_int_distribution<std::size_t> d(0, options.size() - 1);
    return std::string(options.begin()[d(rng)]);
  };
  auto chance = [&](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };
  Release r;
  r.number = "PP-2026-" + std::to_string(10000 + i);
  r.system = pick({"SIAGIE", "SIRE", "PERUEDU", "NOPE"});
  r.kind = chance(3) ? "other" : pick({"project", "maintenance", "emergency"});
  r.state = pick({"draft", "in_qa", "submitted", "pending_approval", "approved", "deployed", "verified", "closed", "rejected",
                  "rolled_back", "cancelled"});
  r.created_at = kBase + std::uniform_int_distribution<Timestamp>(0, 200LL * 24 * kHourMs)(rng);
  Timestamp t = r.created_at;
  auto later = [&] {
    if (!chance(25)) t += std::uniform_int_distribution<Timestamp>(1, 72)(rng) * kHourMs / 3;
    return t;
  };
  const char* const slots[] = {"install_manual", "user_manual", "system_manual", "source_code", "executables",
                               "installers",     "db_scripts",  "qa_acceptance", "backout_plan", "other_slot"};
  for (const char* slot : slots) {
    if (chance(60)) r.files.push_back({slot, std::string(slot) + ".zip", 10, "", "ana", t});
  }
  const int events = std::uniform_int_distribution<int>(0, 40)(rng);
  for (int e = 0; e < events; ++e) {
    const int what = std::uniform_int_distribution<int>(0, 2)(rng);
    if (what == 0) {
      const std::string action = pick({"request_qa", "qa_observe", "qa_accept", "request_production", "validate", "return_to_qa",
                                       "resubmit", "prepare_report", "pre_approve", "approve", "committee_approve", "reject",
                                       "deploy", "verify", "rollback", "accept", "close", "cancel", "unknown_action"});
      r.transitions.push_back({action, pick({"deployed", "verified", "submitted"}), "x", "u", "", later(), ""});
    } else if (what == 1) {
      Record rec;
      rec.type = pick({"window", "security_conformity", "backup", "verification", "baseline", "inventory", "ip_registration",
                       "rollback", "cosign", "dba_conformity", "deployment", "vote"});
      rec.at = later();
      if (rec.type == "window") {
        auto iso = [&] {
          if (chance(10)) return std::string(chance(50) ? "" : "not a time");
          return format_iso(t + std::uniform_int_distribution<Timestamp>(-48, 96)(rng) * kHourMs);
        };
        if (!chance(5)) rec.fields["from"] = iso();
        if (!chance(5)) rec.fields["to"] = iso();
      } else if (rec.type == "cosign") {
        if (!chance(10)) rec.fields["role"] = pick({"qa_lead", "production_lead", "dba"});
      } else if (rec.type == "rollback") {
        if (!chance(10)) rec.fields["note"] = chance(30) ? "" : "revertido";
      }
      rec.id = static_cast<std::int64_t>(r.records.size()) + 1;
      r.records.push_back(std::move(rec));
    } else {
      r.reviews.push_back({pick({"install_manual", "user_manual", "system_manual", "source_code", "executables", "installers",
                                 "db_scripts", "qa_acceptance", "backout_plan"}),
                           chance(80) ? "accepted" : "observed", "", "op", later(), ""});
    }
  }
  return r;
}

// The release's own fields, as a store gives a release whose facts are stored.
Release head_of(const Release& r) {
  Release h = r;
  h.files.clear();
  h.reviews.clear();
  h.records.clear();
  h.transitions.clear();
  h.observations.clear();
  return h;
}

void expect_same(const ReleaseAdherence& a, const ReleaseAdherence& b, const std::string& where) {
  EXPECT_EQ(a.number, b.number) << where;
  EXPECT_EQ(a.system, b.system) << where;
  EXPECT_EQ(a.unit, b.unit) << where;
  EXPECT_EQ(a.kind, b.kind) << where;
  EXPECT_EQ(a.state, b.state) << where;
  EXPECT_EQ(a.created_at, b.created_at) << where;
  EXPECT_EQ(a.deployed_at, b.deployed_at) << where;
  EXPECT_EQ(a.fully_adherent, b.fully_adherent) << where;
  EXPECT_EQ(a.returns_to_qa, b.returns_to_qa) << where;
  EXPECT_EQ(a.rejected, b.rejected) << where;
  EXPECT_EQ(a.rolled_back, b.rolled_back) << where;
  EXPECT_EQ(a.lead_time, b.lead_time) << where;
  EXPECT_EQ(a.approval_latency, b.approval_latency) << where;
  for (Control c : all_controls()) {
    const ControlResult &x = a.control(c), &y = b.control(c);
    const std::string at = where + " " + control_code(c);
    EXPECT_EQ(x.control, y.control) << at;
    EXPECT_EQ(x.outcome, y.outcome) << at;
    EXPECT_STREQ(x.why_es, y.why_es) << at;
    EXPECT_STREQ(x.why_en, y.why_en) << at;
    EXPECT_EQ(x.due, y.due) << at;
    EXPECT_EQ(x.done, y.done) << at;
  }
}

TEST(AdherenceFacts, StoredFactsEvaluateLikeTheWholeHistoryOverGeneratedHistories) {
  const Procedure& proc = testing::procedure();
  const std::vector<System> systems = testing::adherence_systems();
  std::mt19937_64 rng(20261128);
  std::array<std::int64_t, 4> seen{};  // outcomes met, so the generator is known to reach them all
  for (int i = 0; i < 3000; ++i) {
    const Release r = generated(rng, i);
    const AdherenceFacts facts = gather_adherence_facts(proc, r);
    const std::string text = encode_adherence_facts(facts, r.created_at);
    const std::optional<AdherenceFacts> back = decode_adherence_facts(text, r.created_at);
    ASSERT_TRUE(back.has_value()) << text;
    ASSERT_EQ(*back, facts) << text;
    const System* sys = nullptr;
    for (const System& s : systems) {
      if (s.code == r.system) sys = &s;
    }
    for (Timestamp as_of : {Timestamp{0}, Timestamp{r.created_at + 20 * 24 * kHourMs}, Timestamp{r.created_at + 400 * 24 * kHourMs}}) {
      AdherenceOptions o;
      o.as_of = as_of;
      const ReleaseAdherence whole = evaluate_release(proc, r, sys, o);
      const ReleaseAdherence stored = evaluate_adherence_facts(proc, head_of(r), *back, sys, o);
      expect_same(whole, stored, r.number + " as of " + std::to_string(as_of));
      for (Control c : all_controls()) ++seen[static_cast<std::size_t>(whole.control(c).outcome)];
    }
    if (::testing::Test::HasFailure()) return;
  }
  for (std::int64_t n : seen) EXPECT_GT(n, 100);
}

TEST(AdherenceFacts, BuilderFromFactsGivesTheReportOfTheWholeHistories) {
  const Procedure& proc = testing::procedure();
  const std::vector<System> systems = testing::adherence_systems();
  const std::vector<Release> history = testing::adherence_history();
  const AdherenceReport whole = compute_adherence(proc, history, systems, testing::adherence_options());
  AdherenceBuilder b(proc, systems, testing::adherence_options());
  for (const Release& r : history) {
    const std::string text = encode_adherence_facts(gather_adherence_facts(proc, r), r.created_at);
    b.add(head_of(r), *decode_adherence_facts(text, r.created_at));
  }
  const AdherenceReport stored = std::move(b).finish();
  EXPECT_EQ(adherence_json(whole, Lang::en).dump(), adherence_json(stored, Lang::en).dump());
  EXPECT_EQ(adherence_csv(whole, Lang::es), adherence_csv(stored, Lang::es));
}

TEST(AdherenceFacts, TextFormIsCompactAndRefusesWhatItDidNotWrite) {
  const Procedure& proc = testing::procedure();
  const Release closed = testing::adherence_history().at(1);
  const std::string text = encode_adherence_facts(gather_adherence_facts(proc, closed), closed.created_at);
  EXPECT_LT(text.size(), 250u) << text;
  EXPECT_TRUE(decode_adherence_facts(text, closed.created_at).has_value());
  // Nothing happened: every time empty.
  const std::string empty = encode_adherence_facts(AdherenceFacts{}, 5);
  EXPECT_EQ(decode_adherence_facts(empty, 5), AdherenceFacts{});
  EXPECT_EQ(empty.find_first_not_of(",03"), std::string::npos) << empty;
  for (const std::string& bad : {std::string(), std::string("x"), text + ",1", text.substr(0, text.rfind(',')), "a" + text,
                                text.substr(0, text.size() - 1) + "7", text.substr(0, text.size() - 1) + "-1"}) {
    EXPECT_FALSE(decode_adherence_facts(bad, closed.created_at).has_value()) << bad;
  }
}

TEST(AdherenceFacts, KeyNamesTheEvaluatorVersionAndTheProcedureSlots) {
  const Procedure& proc = testing::procedure();
  const std::string key = adherence_facts_key(proc);
  EXPECT_EQ(key.rfind("adherence-facts/" + std::to_string(kAdherenceFactsVersion) + "/" + proc.edition + "/", 0), 0u) << key;
  EXPECT_EQ(adherence_facts_key(proc), key);  // stable
  Procedure other_slots = proc;
  other_slots.kinds.at(0).slots.pop_back();
  EXPECT_NE(adherence_facts_key(other_slots), key);
  Procedure generated_slot = proc;
  generated_slot.slots.at(0).generated = !generated_slot.slots.at(0).generated;
  EXPECT_NE(adherence_facts_key(generated_slot), key);
  Procedure other_edition = proc;
  other_edition.edition = "03";
  EXPECT_NE(adherence_facts_key(other_edition), key);
}

}  // namespace
}  // namespace pasaprod::reports
