#include "core_test_util.h"

#include <algorithm>
#include <cstdlib>

#include "util/sha256.h"

namespace pasaprod::test {

const Procedure& builtin() {
  static const Procedure proc = [] {
    auto p = load_procedure(builtin_procedure_yaml(), kBuiltinProcedureName);
    if (!p) {
      fprintf(stderr, "built-in procedure does not load: %s\n", p.error().en.c_str());
      std::abort();
    }
    return std::move(*p);
  }();
  return proc;
}

Timestamp at(const std::string& iso) {
  auto t = parse_iso(iso);
  if (!t) {
    ADD_FAILURE() << "bad ISO literal in test: " << iso;
    return 0;
  }
  return *t;
}

// --- builders --------------------------------------------------------------------------------

UserBuilder::UserBuilder(std::string username) {
  u_.username = username;
  u_.name = "User " + username;
  u_.email = username + "@minedu.gob.pe";
}
UserBuilder& UserBuilder::role(std::string role) {
  u_.grants.push_back({std::move(role), ""});
  return *this;
}
UserBuilder& UserBuilder::role_for(std::string role, std::string system) {
  u_.grants.push_back({std::move(role), std::move(system)});
  return *this;
}
UserBuilder& UserBuilder::inactive() {
  u_.active = false;
  return *this;
}

SystemBuilder::SystemBuilder(std::string code) {
  s_.code = code;
  s_.name = "Sistema " + code;
  s_.unit = "Dirección de Pruebas";
  s_.status = "in_production";
}
SystemBuilder& SystemBuilder::version(std::string v) {
  s_.initial_version = std::move(v);
  return *this;
}
SystemBuilder& SystemBuilder::status(std::string s) {
  s_.status = std::move(s);
  return *this;
}

DeliverableFile make_file(const std::string& slot, const std::string& name, const std::string& content) {
  DeliverableFile f;
  f.slot = slot;
  f.name = name;
  f.size = static_cast<std::int64_t>(content.size());
  f.sha256 = sha256_hex(content);
  f.uploaded_by = "pl";
  f.uploaded_at = at("2026-03-01T09:00:00Z");
  return f;
}

ReleaseBuilder::ReleaseBuilder(std::string kind) {
  r_.number = "PP-2026-0042";
  r_.system = kSys;
  r_.kind = kind;
  r_.version = kind == "project" ? "3.0" : kind == "maintenance" ? "2.4" : "2.3.1";
  r_.title = "Test release";
  r_.requester = "pl";
  r_.state = "draft";
  r_.edition = "02";
  r_.row_version = 1;
}
ReleaseBuilder& ReleaseBuilder::version(std::string v) {
  r_.version = std::move(v);
  return *this;
}
ReleaseBuilder& ReleaseBuilder::state(std::string s) {
  r_.state = std::move(s);
  return *this;
}
ReleaseBuilder& ReleaseBuilder::requester(std::string u) {
  r_.requester = std::move(u);
  return *this;
}
ReleaseBuilder& ReleaseBuilder::system(std::string code) {
  r_.system = std::move(code);
  return *this;
}
ReleaseBuilder& ReleaseBuilder::file(std::string slot, std::string name, std::string content) {
  r_.files.push_back(make_file(slot, name, content));
  return *this;
}
ReleaseBuilder& ReleaseBuilder::all_files() {
  const Procedure& p = builtin();
  for (const auto& slot : p.kind(r_.kind)->slots) {
    if (p.slot(slot)->generated) continue;
    file(slot, slot + ".pdf", "content of " + slot);
  }
  return *this;
}
ReleaseBuilder& ReleaseBuilder::transition(std::string action, std::string by, std::string manifest) {
  Transition t;
  t.action = std::move(action);
  t.by = std::move(by);
  t.manifest_sha256 = std::move(manifest);
  t.at = at("2026-03-05T09:00:00Z");
  r_.transitions.push_back(std::move(t));
  return *this;
}
ReleaseBuilder& ReleaseBuilder::record(std::string type, std::string by, std::map<std::string, std::string> fields,
                                       std::string manifest) {
  Record rec;
  rec.id = static_cast<std::int64_t>(r_.records.size()) + 1;
  rec.type = std::move(type);
  rec.by = std::move(by);
  rec.fields = std::move(fields);
  rec.manifest_sha256 = std::move(manifest);
  rec.at = at("2026-03-05T09:00:00Z");
  r_.records.push_back(std::move(rec));
  return *this;
}

Cast default_cast() {
  Cast c;
  c.pl = UserBuilder("pl").role_for("project_lead", kSys);
  c.qa = UserBuilder("qa").role("qa_lead");
  c.op = UserBuilder("op").role("release_operator");
  c.prod = UserBuilder("prod").role("production_lead");
  c.dba = UserBuilder("dba").role("dba");
  c.sec = UserBuilder("sec").role("security_officer");
  c.infra = UserBuilder("infra").role("infra_specialist");
  c.asi = UserBuilder("asi").role("asi_head");
  c.chief = UserBuilder("chief").role("it_chief");
  c.fu = UserBuilder("fu").role_for("functional_user", kSys);
  c.c1 = UserBuilder("c1").role("emergency_committee");
  c.c2 = UserBuilder("c2").role("emergency_committee");
  c.c3 = UserBuilder("c3").role("emergency_committee");
  c.c4 = UserBuilder("c4").role("emergency_committee");
  c.pmo = UserBuilder("pmo").role("pmo_specialist");
  c.admin = UserBuilder("admin").role("admin");
  c.nobody = UserBuilder("nobody");
  return c;
}

// --- assertions ------------------------------------------------------------------------------

std::string describe(const Error& e) {
  std::string out = e.id + " (" + code_name(e.code) + "): " + e.en;
  for (const auto& d : e.details) out += " [" + d.key + "=" + d.value + "]";
  return out;
}

::testing::AssertionResult Refused(const Status& s, Code code, const std::string& id) {
  if (s.ok()) return ::testing::AssertionFailure() << "expected refusal " << id << ", got success";
  if (s.error().code != code || s.error().id != id) {
    return ::testing::AssertionFailure() << "expected " << id << " (" << code_name(code) << "), got " << describe(s.error());
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Refused(const std::optional<Error>& e, Code code, const std::string& id) {
  if (!e) return ::testing::AssertionFailure() << "expected refusal " << id << ", got pass";
  if (e->code != code || e->id != id) {
    return ::testing::AssertionFailure() << "expected " << id << " (" << code_name(code) << "), got " << describe(*e);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Allowed(const Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "refused: " << describe(s.error());
}

::testing::AssertionResult Passes(const std::optional<Error>& e) {
  if (!e) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "refused: " << describe(*e);
}

bool has_detail(const Error& e, const std::string& key, const std::string& value) {
  return std::any_of(e.details.begin(), e.details.end(), [&](const Detail& d) { return d.key == key && d.value == value; });
}

std::vector<std::string> details(const Error& e, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& d : e.details) {
    if (d.key == key) out.push_back(d.value);
  }
  return out;
}

// --- Flow ------------------------------------------------------------------------------------

Flow::Flow(const std::string& kind, bool fill)
    : proc(builtin()), who(default_cast()), system(SystemBuilder(kSys).version("2.3")), now(at("2026-03-10T10:00:00Z")) {
  committee = {"c1", "c2", "c3"};
  NewReleaseInput in;
  in.kind = kind;
  in.version = kind == "project" ? "3.0" : kind == "maintenance" ? "2.4" : "2.3.1";
  in.title = "Release of " + kind;
  in.summary = "Changes";
  auto r = plan_new_release(proc, system, {}, who.pl, in, at("2026-03-01T08:00:00Z"));
  if (!r) {
    ADD_FAILURE() << "could not open the request: " << describe(r.error());
    return;
  }
  rel = *r;
  rel.number = "PP-2026-0042";
  if (fill) {
    for (const auto& slot : proc.kind(kind)->slots) {
      if (proc.slot(slot)->generated) continue;
      EXPECT_TRUE(upload(slot, slot + ".pdf", "first content of " + slot));
    }
  }
}

Situation Flow::sit() const {
  Situation s = make_situation(proc, rel, system, now);
  s.committee_members = committee;
  s.freezes = freezes;
  s.quorum_setting = quorum_setting;
  s.deployed_manifest = deployed_manifest;
  s.zone = zone;
  return s;
}

Result<ActionPlan> Flow::try_act(const User& actor, const std::string& action, const std::string& note) const {
  return plan_action(sit(), actor, ActionInput{action, note, {}});
}

Result<Record> Flow::try_record(const User& actor, const std::string& type,
                                const std::map<std::string, std::string>& fields) const {
  return plan_record(sit(), actor, type, fields);
}

Result<Review> Flow::try_review(const User& actor, const std::string& slot, const std::string& verdict,
                                const std::string& note) const {
  return plan_review(sit(), actor, slot, verdict, note);
}

Status Flow::try_upload(const User& actor, const std::string& slot, const std::string& name) const {
  return plan_upload(sit(), actor, slot, name);
}

::testing::AssertionResult Flow::act(const User& actor, const std::string& action, const std::string& note) {
  auto plan = try_act(actor, action, note);
  if (!plan) {
    return ::testing::AssertionFailure() << action << " by " << actor.username << " in " << rel.state
                                         << " refused: " << describe(plan.error());
  }
  rel.transitions.push_back(plan->transition);
  rel.state = plan->transition.to;
  if (plan->observation) rel.observations.push_back(*plan->observation);
  // As the Office does: a generated slot is filled by the document the action issues.
  if (!plan->def->document.empty() && !proc.is_final(rel.state)) {
    for (const auto& slot : proc.kind(rel.kind)->slots) {
      if (proc.slot(slot)->document == plan->def->document) rel.files.push_back(make_file(slot, slot + ".pdf", "pdf of " + action));
    }
  }
  ++rel.row_version;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Flow::record(const User& actor, const std::string& type,
                                        const std::map<std::string, std::string>& fields) {
  auto rec = try_record(actor, type, fields);
  if (!rec) {
    return ::testing::AssertionFailure() << "record " << type << " by " << actor.username << " in " << rel.state
                                         << " refused: " << describe(rec.error());
  }
  rec->id = static_cast<std::int64_t>(rel.records.size()) + 1;
  rel.records.push_back(*rec);
  ++rel.row_version;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Flow::review(const std::string& slot, const std::string& verdict, const std::string& note) {
  auto rv = try_review(who.op, slot, verdict, note);
  if (!rv) return ::testing::AssertionFailure() << "review of " << slot << " refused: " << describe(rv.error());
  rel.reviews.push_back(*rv);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Flow::review_all(const std::string& verdict) {
  for (const auto& slot : proc.kind(rel.kind)->slots) {
    if (rel.files_in(slot).empty()) continue;
    auto r = review(slot, verdict, verdict == "observed" ? "fix it" : "");
    if (!r) return r;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Flow::upload(const std::string& slot, const std::string& name, const std::string& content) {
  auto st = try_upload(who.pl, slot, name);
  if (!st) return ::testing::AssertionFailure() << "upload " << slot << "/" << name << " refused: " << describe(st.error());
  rel.files.erase(std::remove_if(rel.files.begin(), rel.files.end(),
                                 [&](const DeliverableFile& f) { return f.slot == slot && f.name == name; }),
                  rel.files.end());
  rel.files.push_back(make_file(slot, name, content));
  return ::testing::AssertionSuccess();
}

void Flow::clear_slot(const std::string& slot) {
  rel.files.erase(std::remove_if(rel.files.begin(), rel.files.end(), [&](const DeliverableFile& f) { return f.slot == slot; }),
                  rel.files.end());
}

::testing::AssertionResult Flow::checklist_records() {
  struct Item {
    const User* by;
    std::string type;
    std::map<std::string, std::string> fields;
  };
  const std::vector<Item> items = {
      {&who.op, "window", {{"from", window_from_}, {"to", window_to_}}},
      {&who.dba, "dba_conformity", {{"note", "scripts reviewed"}}},
      {&who.infra, "infra_readiness", {{"note", "servers ready"}}},
      {&who.sec, "security_conformity", {{"note", "complies with the security norms"}}},
  };
  for (const auto& item : items) {
    if (skip.count(item.type)) continue;
    auto r = record(*item.by, item.type, item.fields);
    if (!r) return r;
  }
  return ::testing::AssertionSuccess();
}

std::map<std::string, std::string> Flow::deployment_fields() const {
  std::string steps;
  for (const auto& s : proc.kind(rel.kind)->deployment_steps) steps += (steps.empty() ? "" : ",") + s;
  return {{"steps", steps}};
}

::testing::AssertionResult Flow::step() {
  const std::string& st = rel.state;
  const bool emergency = rel.kind == "emergency";
  if (st == "draft") return emergency ? act(who.prod, "request_committee") : act(who.pl, "request_qa");
  if (st == "committee") {
    if (!skip.count("votes")) {
      for (const User* u : {&who.c1, &who.c2}) {
        auto r = record(*u, "vote", {{"decision", "approve"}, {"note", "urgent fix"}});
        if (!r) return r;
      }
    }
    return act(who.c1, "committee_approve");
  }
  if (st == "in_qa") return act(who.qa, "qa_accept");
  if (st == "qa_approved") return act(who.qa, "request_production");
  if (st == "submitted") {
    if (!skip.count("reviews")) {
      auto r = review_all();
      if (!r) return r;
    }
    auto r = checklist_records();
    if (!r) return r;
    return act(who.op, "validate");
  }
  if (st == "validated") return act(who.op, "prepare_report");
  if (st == "pending_approval") return act(who.asi, "pre_approve");
  if (st == "pre_approved") return act(who.chief, "approve");
  if (st == "approved") {
    if (rel.kind != "project" && !skip.count("backup")) {
      auto r = record(who.op, "backup", {{"what", "app and database"}, {"where", "//backup/siagie/2026-03-10"},
                                         {"sha256", sha256_hex("backup bytes")}});
      if (!r) return r;
    }
    if (!skip.count("deployment")) {
      auto r = record(who.op, "deployment", deployment_fields());
      if (!r) return r;
    }
    if (rel.changes_database && !skip.count("db_deployment")) {
      auto r = record(who.dba, "db_deployment", {{"scripts", "V2__alter.sql"}, {"result", "ok"}});
      if (!r) return r;
    }
    if (!deployed_manifest) deployed_manifest = manifest_sha256(rel);
    return act(who.op, "deploy");
  }
  if (st == "deployed") {
    auto r = record(who.op, "verification", {{"result", "ok"}, {"evidence", "smoke tests passed"}});
    if (!r) return r;
    return act(who.op, "verify");
  }
  if (st == "verified") {
    if (rel.kind == "project") {
      if (!skip.count("inventory")) {
        auto r = record(who.op, "inventory", {{"asset_id", "AIT-0099"}});
        if (!r) return r;
      }
      if (!skip.count("ip_registration")) {
        auto r = record(who.prod, "ip_registration", {{"filed_on", "2026-03-11"}, {"file_number", "INDECOPI-123"}});
        if (!r) return r;
      }
    }
    if (!skip.count("baseline")) {
      auto r = record(who.op, "baseline", {});
      if (!r) return r;
    }
    if (emergency) return act(who.prod, "close");
    if (!skip.count("cosign")) {
      auto r = record(who.qa, "cosign", {{"note", "QA co-signs"}});
      if (!r) return r;
      r = record(who.prod, "cosign", {{"note", "production co-signs"}});
      if (!r) return r;
    }
    return act(who.fu, "accept");
  }
  return ::testing::AssertionFailure() << "advance_to: no happy-path step from state " << st;
}

::testing::AssertionResult Flow::advance_to(const std::string& state) {
  for (int guard = 0; guard < 20 && rel.state != state; ++guard) {
    auto r = step();
    if (!r) return ::testing::AssertionFailure() << "advancing to " << state << ": " << r.message();
  }
  if (rel.state != state) return ::testing::AssertionFailure() << "did not reach " << state;
  return ::testing::AssertionSuccess();
}

}  // namespace pasaprod::test
