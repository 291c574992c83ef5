#include "core_test_util.h"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "core/derived.h"
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

const Names& renames() {
  static const Names names = {
      // record types
      {"window", "ventana"}, {"vote", "voto"}, {"backup", "respaldo"}, {"deployment", "despliegue"},
      {"db_deployment", "despliegue_bd"}, {"consultation", "consulta"}, {"verification", "verificacion"},
      {"rollback", "marcha_atras"}, {"cosign", "cofirma"}, {"baseline", "linea_base"}, {"inventory", "inventario"},
      {"ip_registration", "registro_indecopi"}, {"security_conformity", "conformidad_seguridad"},
      // actions (and the vote's choices "approve" / "reject")
      {"deploy", "desplegar"}, {"verify", "verificar"}, {"approve", "aprobar"}, {"pre_approve", "preaprobar"},
      {"committee_approve", "aprobar_en_comite"}, {"accept", "aceptar"}, {"close", "cerrar"},
      {"prepare_report", "elaborar_informe"}, {"reject", "rechazar"}, {"validate", "validar"},
      {"request_qa", "solicitar_calidad"}, {"qa_accept", "conformidad_calidad"}, {"request_production", "solicitar_produccion"},
      {"return_to_qa", "devolver"}, {"qa_observe", "observar"}, {"cancel", "anular"},
      // states
      {"rejected", "rechazado"}, {"cancelled", "anulado"}, {"deployed", "desplegado"}, {"verified", "verificado"},
      {"closed", "cerrado"}, {"approved", "aprobado"},
      // roles
      {"qa_lead", "jefe_calidad"}, {"production_lead", "jefe_produccion"}, {"it_chief", "jefe_oti"},
      {"asi_head", "jefe_asi"}, {"functional_user", "usuario_funcional"}, {"emergency_committee", "comite"},
      {"dba", "abd"}, {"release_operator", "operador"}, {"admin", "administrador"}, {"pmo_specialist", "especialista_pmo"},
      {"agti_head", "jefe_agti"},
      // slots
      {"technical_report", "informe_tecnico"}, {"backout_plan", "plan_retorno"},
      // kinds
      {"project", "proyecto"}, {"maintenance", "mantenimiento"}, {"emergency", "emergencia"},
      // deployment steps
      {"install_guide", "guia_instalacion"}, {"deployment_guide", "guia_despliegue"},
  };
  return names;
}

const Procedure& renamed_builtin() {
  static const Procedure proc = [] {
    // Codes are renamed where they stand whole (letters, digits and underscores belong to a
    // code); the file format's own words are kept: meanings (`is: window`) and the adherence
    // section's fact names (its keys, before the codes in brackets).
    std::string yaml(builtin_procedure_yaml());
    const std::vector<std::string> meanings(std::begin(kRecordMeanings), std::end(kRecordMeanings));
    for (std::size_t i = 0; i < meanings.size(); ++i) {
      yaml = std::regex_replace(yaml, std::regex("is: " + meanings[i] + "(?![A-Za-z0-9_])"), "is: <" + std::to_string(i) + ">");
    }
    const std::size_t facts = yaml.find("\nadherence:");
    std::string head = yaml.substr(0, facts), tail = yaml.substr(facts);
    for (const auto& [from, to] : renames()) {
      const std::regex code("(^|[^A-Za-z0-9_])" + from + "(?![A-Za-z0-9_])");
      head = std::regex_replace(head, code, "$1" + to);
      tail = std::regex_replace(tail, std::regex("([\\[ ,])" + from + "(?=[\\],])"), "$1" + to);
    }
    yaml = head + tail;
    // The window's keys (`from` and `to` are also words of the actions' rows: renamed only here).
    yaml = std::regex_replace(yaml, std::regex("keys: \\[from, to\\]"), "keys: [desde, hasta]");
    yaml = std::regex_replace(yaml, std::regex("formats: \\{from: time, to: time\\}"), "formats: {desde: time, hasta: time}");
    for (std::size_t i = 0; i < meanings.size(); ++i) {
      yaml = std::regex_replace(yaml, std::regex("is: <" + std::to_string(i) + ">"), "is: " + meanings[i]);
    }
    auto p = load_procedure(yaml, "renamed-edition-02.yaml");
    if (!p) {
      fprintf(stderr, "renamed procedure does not load: %s\n", p.error().en.c_str());
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

Cast default_cast(const Names& names) {
  auto n = [&](const std::string& code) { return named(names, code); };
  Cast c;
  c.pl = UserBuilder("pl").role_for(n("project_lead"), kSys);
  c.qa = UserBuilder("qa").role(n("qa_lead"));
  c.op = UserBuilder("op").role(n("release_operator"));
  c.prod = UserBuilder("prod").role(n("production_lead"));
  c.dba = UserBuilder("dba").role(n("dba"));
  c.sec = UserBuilder("sec").role(n("security_officer"));
  c.infra = UserBuilder("infra").role(n("infra_specialist"));
  c.asi = UserBuilder("asi").role(n("asi_head"));
  c.chief = UserBuilder("chief").role(n("it_chief"));
  c.fu = UserBuilder("fu").role_for(n("functional_user"), kSys);
  c.c1 = UserBuilder("c1").role(n("emergency_committee"));
  c.c2 = UserBuilder("c2").role(n("emergency_committee"));
  c.c3 = UserBuilder("c3").role(n("emergency_committee"));
  c.c4 = UserBuilder("c4").role(n("emergency_committee"));
  c.pmo = UserBuilder("pmo").role(n("pmo_specialist"));
  c.admin = UserBuilder("admin").role(n("admin"));
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

Flow::Flow(const std::string& kind, bool fill) : Flow(builtin(), {}, kind, fill) {}

Flow::Flow(const Procedure& p, Names n, const std::string& kind, bool fill)
    : proc(p), names(std::move(n)), who(default_cast(names)), system(SystemBuilder(kSys).version("2.3")), now(at("2026-03-10T10:00:00Z")) {
  committee = {"c1", "c2", "c3"};
  NewReleaseInput in;
  in.kind = N(kind);
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
    for (const auto& slot : proc.kind(N(kind))->slots) {
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

std::string named(const Names& names, const std::string& code) { return names.count(code) ? names.at(code) : code; }

std::string Flow::N(const std::string& code) const { return named(names, code); }

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
      {&who.op, "window", {{window_from_key(proc), window_from_}, {window_to_key(proc), window_to_}}},
      {&who.dba, "dba_conformity", {{"note", "scripts reviewed"}}},
      {&who.infra, "infra_readiness", {{"note", "servers ready"}}},
      {&who.sec, "security_conformity", {{"note", "complies with the security norms"}}},
  };
  for (const auto& item : items) {
    if (skip.count(item.type)) continue;
    auto r = record(*item.by, N(item.type), item.fields);
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
  const bool emergency = rel.kind == N("emergency");
  if (st == N("draft")) return emergency ? act(who.prod, N("request_committee")) : act(who.pl, N("request_qa"));
  if (st == N("committee")) {
    if (!skip.count("votes")) {
      for (const User* u : {&who.c1, &who.c2}) {
        auto r = record(*u, N("vote"), {{"decision", N("approve")}, {"note", "urgent fix"}});
        if (!r) return r;
      }
    }
    return act(who.c1, N("committee_approve"));
  }
  if (st == N("in_qa")) return act(who.qa, N("qa_accept"));
  if (st == N("qa_approved")) return act(who.qa, N("request_production"));
  if (st == N("submitted")) {
    if (!skip.count("reviews")) {
      auto r = review_all();
      if (!r) return r;
    }
    auto r = checklist_records();
    if (!r) return r;
    return act(who.op, N("validate"));
  }
  if (st == N("validated")) return act(who.op, N("prepare_report"));
  if (st == N("pending_approval")) return act(who.asi, N("pre_approve"));
  if (st == N("pre_approved")) return act(who.chief, N("approve"));
  if (st == N("approved")) {
    if (rel.kind != N("project") && !skip.count("backup")) {
      auto r = record(who.op, N("backup"), {{"what", "app and database"}, {"where", "//backup/siagie/2026-03-10"},
                                         {"sha256", sha256_hex("backup bytes")}});
      if (!r) return r;
    }
    if (!skip.count("deployment")) {
      auto r = record(who.op, N("deployment"), deployment_fields());
      if (!r) return r;
    }
    if (rel.changes_database && !skip.count("db_deployment")) {
      auto r = record(who.dba, N("db_deployment"), {{"scripts", "V2__alter.sql"}, {"result", "ok"}});
      if (!r) return r;
    }
    if (!deployed_manifest) deployed_manifest = manifest_sha256(rel);
    return act(who.op, N("deploy"));
  }
  if (st == N("deployed")) {
    auto r = record(who.op, N("verification"), {{"result", "ok"}, {"evidence", "smoke tests passed"}});
    if (!r) return r;
    return act(who.op, N("verify"));
  }
  if (st == N("verified")) {
    if (rel.kind == N("project")) {
      if (!skip.count("inventory")) {
        auto r = record(who.op, N("inventory"), {{"asset_id", "AIT-0099"}});
        if (!r) return r;
      }
      if (!skip.count("ip_registration")) {
        auto r = record(who.prod, N("ip_registration"), {{"filed_on", "2026-03-11"}, {"file_number", "INDECOPI-123"}});
        if (!r) return r;
      }
    }
    if (!skip.count("baseline")) {
      auto r = record(who.op, N("baseline"), {});
      if (!r) return r;
    }
    if (emergency) return act(who.prod, N("close"));
    if (!skip.count("cosign")) {
      auto r = record(who.qa, N("cosign"), {{"note", "QA co-signs"}});
      if (!r) return r;
      r = record(who.prod, N("cosign"), {{"note", "production co-signs"}});
      if (!r) return r;
    }
    return act(who.fu, N("accept"));
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
