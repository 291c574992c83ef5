#include "service/demo.h"

#include <algorithm>

#include "core/derived.h"
#include "core/version.h"
#include "util/sha256.h"

namespace pasaprod {
namespace {

const Caller kSetup{"demo-setup", true};

// The demo plays a script written for edition 02: the codes of that edition it names (actions,
// record types, slots, kinds, states) are here and nowhere else in this file; what a kind is
// (an emergency, through QA, needing a backup or the inventory records) and the window's keys
// it reads from the edition in force (core/derived.h). walk_demo_release refuses, naming what
// is missing, an edition that lacks one of these codes (check_demo_codes).
namespace e02 {
// Actions.
constexpr const char* request_qa = "request_qa";
constexpr const char* qa_accept = "qa_accept";
constexpr const char* request_production = "request_production";
constexpr const char* request_committee = "request_committee";
constexpr const char* committee_approve = "committee_approve";
constexpr const char* validate = "validate";
constexpr const char* prepare_report = "prepare_report";
constexpr const char* pre_approve = "pre_approve";
constexpr const char* approve = "approve";
constexpr const char* reject = "reject";
constexpr const char* deploy = "deploy";
constexpr const char* verify = "verify";
constexpr const char* rollback = "rollback";
constexpr const char* accept = "accept";
constexpr const char* close = "close";
constexpr const char* cancel = "cancel";
// Record types.
constexpr const char* vote = "vote";
constexpr const char* window = "window";
constexpr const char* infra_readiness = "infra_readiness";
constexpr const char* security_conformity = "security_conformity";
constexpr const char* dba_conformity = "dba_conformity";
constexpr const char* backup = "backup";
constexpr const char* deployment = "deployment";
constexpr const char* db_deployment = "db_deployment";
constexpr const char* verification = "verification";
constexpr const char* rollback_record = "rollback";
constexpr const char* inventory = "inventory";
constexpr const char* ip_registration = "ip_registration";
constexpr const char* baseline = "baseline";
constexpr const char* cosign = "cosign";
// Slots: the one QA adds when testing is done.
constexpr const char* qa_acceptance = "qa_acceptance";
// States the script stops at or ends in.
constexpr const char* rolled_back = "rolled_back";
constexpr const char* rejected = "rejected";
constexpr const char* cancelled = "cancelled";

constexpr const char* kActions[] = {request_qa, qa_accept, request_production, request_committee, committee_approve, validate,
                                    prepare_report, pre_approve, approve, reject, deploy, verify, rollback, accept, close, cancel};
constexpr const char* kRecords[] = {vote,         window,          infra_readiness, security_conformity, dba_conformity,
                                    backup,       deployment,      db_deployment,   verification,        rollback_record,
                                    inventory,    ip_registration, baseline,        cosign};
constexpr const char* kStates[] = {rolled_back, rejected, cancelled};

// The requests of the full demo (seed_demo_office): system, kind, title, the state to stop at.
struct Plan {
  const char* system;
  const char* kind;
  const char* title;
  const char* target;
};
const Plan kPlans[] = {
    {"TUTOR", "project", "Primera versión de la plataforma de tutoría", "closed"},
    {"SIAGIE", "maintenance", "Nuevo reporte de actas de evaluación", "closed"},
    {"SIAGIE", "emergency", "Corrección del cálculo de promedios", "closed"},
    {"NEXUS", "maintenance", "Reasignación de plazas por excedencia", "rolled_back"},
    {"NEXUS", "maintenance", "Integración con el padrón de docentes", "pending_approval"},
    {"SIAGIE", "maintenance", "Matrícula en línea para el año escolar", "in_qa"},
    {"SIAGIE", "emergency", "Bloqueo de sesiones duplicadas", "pending_approval"},
    {"TUTOR", "maintenance", "Foros por aula", "draft"},
    {"NEXUS", "emergency", "Parche de seguridad en el inicio de sesión", "rejected"},
    {"TUTOR", "maintenance", "Notificaciones por correo", "approved"},
};
// The short demo (walk_demo_sample): the second plan, a maintenance walked to closed.
const Plan& kSample = kPlans[1];
}  // namespace e02

// The demo people who play each part of the script.
constexpr const char* kProjectLead = "pedro.lider";
constexpr const char* kQaLead = "carla.calidad";
constexpr const char* kDba = "diego.dba";
constexpr const char* kSecurity = "sofia.seguridad";
constexpr const char* kOperator = "oscar.operador";
constexpr const char* kInfra = "ines.infra";
constexpr const char* kProductionLead = "pablo.produccion";
constexpr const char* kAsi = "rosa.asi";
constexpr const char* kItChief = "julia.jefa";
constexpr const char* kFunctionalUser = "ana.funcional";
constexpr const char* kCommittee[] = {"elena.comite", "raul.comite"};

// failed_precondition "demo.edition_lacks" naming the codes of the script `proc` does not
// declare; ok when it declares them all (and `kind`, "" = any kind).
Status check_demo_codes(const Procedure& proc, const std::string& kind, const std::string& target) {
  std::string missing;
  auto need = [&](bool present, const std::string& what) {
    if (!present) missing += (missing.empty() ? "" : ", ") + what;
  };
  for (const char* a : e02::kActions) need(proc.any_action(a, "") != nullptr, a);
  for (const char* r : e02::kRecords) need(proc.record_type(r) != nullptr, r);
  for (const char* st : e02::kStates) need(proc.state(st) != nullptr, st);
  need(proc.slot(e02::qa_acceptance) != nullptr, e02::qa_acceptance);
  if (!kind.empty()) need(proc.kind(kind) != nullptr, kind);
  if (!target.empty()) need(proc.state(target) != nullptr, target);
  if (missing.empty()) return ok_status();
  return make_error(Code::failed_precondition, "demo.edition_lacks",
                    "La demostración sigue el guion de la edición 02 y la edición en vigor (" + proc.edition +
                        ") no declara: " + missing + ". Cargue la demostración con la edición 02.",
                    "The demo follows edition 02's script and the edition in force (" + proc.edition + ") does not declare: " +
                        missing + ". Load the demo under edition 02.")
      .with("missing", missing);
}

// Runs one step; on refusal returns the error with the step named.
class Walker {
 public:
  Walker(Office& office, const DemoLog& log) : office_(office), log_(log) {}

  Status act(const std::string& number, const std::string& user, const std::string& action, const std::string& note = "") {
    auto r = office_.act(Caller{user}, number, ActionInput{action, note, {}});
    if (!r) return failed(number, action, r.error());
    say(number + ": " + action + " (" + user + ") → " + r->state);
    return ok_status();
  }
  Status record(const std::string& number, const std::string& user, const std::string& type,
                const std::map<std::string, std::string>& fields) {
    auto r = office_.record(Caller{user}, number, type, fields);
    if (!r) return failed(number, "record " + type, r.error());
    say(number + ": record " + type + " (" + user + ")");
    return ok_status();
  }
  Status upload(const std::string& number, const std::string& user, const std::string& slot, const std::string& name,
                const std::string& content) {
    auto up = office_.begin_upload(Caller{user}, number, slot, name, sha256_hex(content), Library::kNoLimit);
    if (!up) return failed(number, "upload " + slot, up.error());
    if (auto st = (*up)->write(content.data(), content.size()); !st) return failed(number, "upload " + slot, st.error());
    auto f = (*up)->finish();
    if (!f) return failed(number, "upload " + slot, f.error());
    say(number + ": deliverable " + slot + "/" + name + " sha256=" + f->sha256.substr(0, 12) + "… (" + user + ")");
    return ok_status();
  }
  Status review_all(const std::string& number, const std::string& user) {
    auto v = office_.view(number, "");
    if (!v) return v.error();
    for (const auto& slot : v->proc->kind(v->release.kind)->slots) {
      if (v->release.files_in(slot).empty()) continue;
      auto r = office_.review(Caller{user}, number, slot, "accepted", "Conforme");
      if (!r) return failed(number, "review " + slot, r.error());
    }
    say(number + ": every deliverable reviewed and accepted (" + user + ")");
    return ok_status();
  }

 private:
  Error failed(const std::string& number, const std::string& step, const Error& e) {
    Error out = e;
    out.es = number + ": " + step + ": " + e.es;
    out.en = number + ": " + step + ": " + e.en;
    return out;
  }
  void say(const std::string& line) {
    if (log_) log_(line);
  }
  Office& office_;
  const DemoLog& log_;
};

std::string sample_content(const std::string& number, const std::string& slot) {
  return "pasaprod demo deliverable\nrequest: " + number + "\nslot: " + slot +
         "\nContenido de ejemplo: configuración, instalación y operación del sistema.\n";
}

std::string file_name_for(const std::string& slot) {
  if (slot == "source_code") return "fuentes.zip";
  if (slot == "executables") return "sistema.war";
  if (slot == "installers") return "instalador.sh";
  if (slot == "db_scripts") return "scripts.sql";
  return slot + ".pdf";
}

bool reached(const std::vector<std::string>& path, const std::string& current, const std::string& target) {
  auto c = std::find(path.begin(), path.end(), current);
  auto t = std::find(path.begin(), path.end(), target);
  return t != path.end() && c != path.end() && c >= t;
}

}  // namespace

const std::vector<DemoUser>& demo_users() {
  static const std::vector<DemoUser> users = {
      {"ana.funcional", "Ana Quispe Mamani", {{"functional_user", "SIAGIE"}, {"functional_user", "NEXUS"}, {"functional_user", "TUTOR"}}},
      {"pedro.lider", "Pedro Huamán Rojas", {{"project_lead", "SIAGIE"}, {"project_lead", "NEXUS"}, {"project_lead", "TUTOR"}}},
      {"carla.calidad", "Carla Núñez Torres", {{"qa_lead", ""}}},
      {"diego.dba", "Diego Castañeda Ruiz", {{"dba", ""}}},
      {"sofia.seguridad", "Sofía Ramírez León", {{"security_officer", ""}}},
      {"oscar.operador", "Óscar Salazar Vega", {{"release_operator", ""}}},
      {"ines.infra", "Inés Paredes Soto", {{"infra_specialist", ""}}},
      {"pablo.produccion", "Pablo Gutiérrez Flores", {{"production_lead", ""}}},
      {"rosa.asi", "Rosa Mendoza Chávez", {{"asi_head", ""}}},
      {"alberto.agti", "Alberto Vargas Ríos", {{"agti_head", ""}}},
      {"julia.jefa", "Julia Espinoza Cárdenas", {{"it_chief", ""}}},
      {"marco.pmo", "Marco Tello Aguilar", {{"pmo_specialist", ""}}},
      {"elena.comite", "Elena Poma Ccori", {{"emergency_committee", ""}}},
      {"raul.comite", "Raúl Condori Apaza", {{"emergency_committee", ""}}},
      {"lucia.comite", "Lucía Ayala Benites", {{"emergency_committee", ""}}},
      {"admin", "Administrador de pasaprod", {{"admin", ""}}},
  };
  return users;
}

Status seed_demo_people_and_systems(Office& office, const DemoLog& log) {
  auto existing = office.users();
  if (!existing) return existing.error();
  if (!existing->empty()) {
    return make_error(Code::already_exists, "demo.not_empty", "La base de datos ya tiene usuarios: la demostración se carga solo en una base vacía.",
                      "The database already has users: the demo loads only into an empty database.");
  }
  const std::vector<System> systems = {
      {"SIAGIE", "Sistema de Información de Apoyo a la Gestión de la Institución Educativa",
       "Matrícula, evaluación y certificados de estudiantes de educación básica.", "Dirección General de Calidad de la Gestión Escolar",
       "inhouse", "Java 8, Oracle 19c, WebLogic", "in_production", "3.2", {"2015-03-10", "00123-2015/DDA", "registered"}, 0, "AIT-0123"},
      {"NEXUS", "Sistema de Administración y Control de Plazas", "Plazas docentes y administrativas de las UGEL.",
       "Oficina General de Recursos Humanos", "outsourcing", ".NET 4.8, SQL Server 2019", "in_production", "2.5", {}, 0, "AIT-0245"},
      {"TUTOR", "Plataforma de Tutoría Virtual", "Acompañamiento y tutoría a estudiantes en línea.",
       "Dirección de Educación Secundaria", "inhouse", "Python 3.11, PostgreSQL 15", "in_development", "", {}, 0, ""},
  };
  for (const auto& s : systems) {
    auto r = office.add_system(kSetup, s);
    if (!r) return r.error();
    if (log) log("system " + s.code + " — " + s.name + (s.initial_version.empty() ? "" : " (v" + s.initial_version + ")"));
  }
  for (const auto& d : demo_users()) {
    User u;
    u.username = d.username;
    u.name = d.name;
    u.email = std::string(d.username) + "@minedu.gob.pe";
    u.grants = d.grants;
    auto r = office.add_user(kSetup, u);
    if (!r) return r.error();
    if (log) log("user " + u.username + " — " + u.name);
  }
  return ok_status();
}

Result<std::string> walk_demo_release(Office& office, const std::string& system, const std::string& kind, const std::string& title,
                                      const std::string& target, const DemoLog& log) {
  Walker w(office, log);
  const Procedure& proc = office.current_procedure();
  if (Status st = check_demo_codes(proc, kind, target); !st) return st.error();
  const KindDef* k = proc.kind(kind);
  const bool emergency = is_emergency(proc, kind);
  const bool through_qa = kind_takes(proc, kind, "qa_accept");
  auto sys = office.system_view(system);
  if (!sys) return sys.error();
  std::vector<VersionUse> uses;
  Status st = office.store().read([&](ReadTx& tx) -> Status {
    uses = tx.versions_of(system);
    return ok_status();
  });
  if (!st) return st.error();
  auto version = expected_version(proc, sys->system, uses, kind, false);
  if (!version) return version.error();
  const std::string opener = emergency ? kProductionLead : kProjectLead;
  auto rel = office.open_release(Caller{opener}, system, NewReleaseInput{kind, version->str(), false, true, title,
                                                                          "Cambios de la versión " + version->str() + ": " + title + "."});
  if (!rel) return rel.error();
  const std::string n = rel->number;
  if (log) log(n + ": opened " + kind + " " + system + " " + version->str() + " (" + opener + ")");

  const std::vector<std::string>& path = k->path;
  const bool to_end = target == e02::rolled_back;
  const bool off_path = target == e02::cancelled || target == e02::rejected;
  auto done = [&](const std::string& state) { return !to_end && !off_path && reached(path, state, target); };
  auto current = [&]() {
    auto v = office.view(n, "");
    return v ? v->release.state : std::string();
  };
#define STEP(expr)                          \
  do {                                      \
    if (Status s_ = (expr); !s_) return s_.error(); \
  } while (0)

  const std::string uploader = emergency ? kProductionLead : kProjectLead;
  for (const auto& slot : k->slots) {
    if (proc.slot(slot)->generated) continue;
    if (slot == e02::qa_acceptance) continue;  // QA adds it when testing is done
    STEP(w.upload(n, uploader, slot, file_name_for(slot), sample_content(n, slot)));
  }
  if (target == e02::cancelled) {
    STEP(w.act(n, opener, e02::cancel, "La Dirección usuaria retiró el requerimiento."));
    return n;
  }
  if (done(current())) return n;
  if (through_qa) {
    STEP(w.act(n, kProjectLead, e02::request_qa));
    if (done(current())) return n;
    STEP(w.upload(n, kQaLead, e02::qa_acceptance, "acta-conformidad-calidad.pdf", sample_content(n, e02::qa_acceptance)));
    STEP(w.act(n, kQaLead, e02::qa_accept));
    if (done(current())) return n;
  }
  if (emergency) {
    // The committee votes first, on the request with its technical report and back-out plan.
    const RecordTypeDef* vote = proc.record_type(e02::vote);
    const std::string decision = vote->pass_key();
    std::string against;
    for (const auto& c : vote->choices.at(decision)) {
      if (c != vote->passes.at(decision)) against = c;
    }
    STEP(w.act(n, kQaLead, e02::request_committee));
    if (done(current())) return n;
    if (target == e02::rejected) {
      STEP(w.record(n, kCommittee[0], e02::vote, {{decision, against}, {"note", "Riesgo no justificado."}}));
      STEP(w.record(n, kCommittee[1], e02::vote, {{decision, against}, {"note", "Esperar al mantenimiento."}}));
      STEP(w.act(n, kCommittee[0], e02::reject, "El comité no encuentra justificada la emergencia."));
      return n;
    }
    STEP(w.record(n, kCommittee[0], e02::vote, {{decision, vote->passes.at(decision)}, {"note", "Corrige un error crítico en producción."}}));
    STEP(w.record(n, kCommittee[1], e02::vote, {{decision, vote->passes.at(decision)}, {"note", "Conforme."}}));
    STEP(w.act(n, kCommittee[0], e02::committee_approve));
  } else {
    STEP(w.act(n, kQaLead, e02::request_production));
  }
  if (done(current())) return n;
  STEP(w.review_all(n, kOperator));
  STEP(w.act(n, kOperator, e02::validate));
  if (done(current())) return n;
  const Timestamp now = office.now();
  STEP(w.record(n, kOperator, e02::window,
                {{window_from_key(proc), format_iso(now - 3600 * 1000)}, {window_to_key(proc), format_iso(now + 8 * 3600 * 1000)}}));
  STEP(w.record(n, kInfra, e02::infra_readiness, {{"note", "Servidores y accesos del centro de datos listos."}}));
  STEP(w.record(n, kSecurity, e02::security_conformity, {{"note", "Cumple las normas de seguridad de la institución."}}));
  STEP(w.record(n, kDba, e02::dba_conformity, {{"note", "Scripts revisados y probados en preproducción."}}));
  STEP(w.act(n, kOperator, e02::prepare_report));
  if (done(current())) return n;
  if (target == e02::rejected) {
    STEP(w.act(n, kAsi, e02::reject, "No se alinea con las prioridades del trimestre."));
    return n;
  }
  if (!emergency) {
    STEP(w.act(n, kAsi, e02::pre_approve));
    if (done(current())) return n;
    STEP(w.act(n, kItChief, e02::approve));
  }
  if (done(current())) return n;
  if (kind_guarded(proc, kind, "deploy", "backup_recorded")) {
    STEP(w.record(n, kDba, e02::backup,
                  {{"what", "Aplicativo y base de datos " + system}, {"where", "\\\\backup01\\pases\\" + n}, {"sha256", sha256_hex(n + "-backup")}}));
  }
  std::string steps;
  for (const auto& s : k->deployment_steps) steps += (steps.empty() ? "" : ",") + s;
  STEP(w.record(n, kOperator, e02::deployment, {{"steps", steps}}));
  STEP(w.record(n, kDba, e02::db_deployment, {{"scripts", "Scripts de la versión " + rel->version + " (db_scripts)"}, {"result", "ok"}}));
  STEP(w.act(n, kOperator, e02::deploy));
  if (done(current())) return n;
  if (to_end) {
    STEP(w.record(n, kOperator, e02::verification, {{"result", "failed"}, {"evidence", "Error 500 al generar certificados."}}));
    STEP(w.record(n, kOperator, e02::rollback_record, {{"result", "ok"}, {"note", "Se restauró la versión anterior desde el backup."}}));
    STEP(w.act(n, kOperator, e02::rollback));
    return n;
  }
  STEP(w.record(n, kOperator, e02::verification, {{"result", "ok"}, {"evidence", "Pruebas de humo conformes; captura en el acta."}}));
  STEP(w.act(n, kOperator, e02::verify));
  if (done(current())) return n;
  if (kind_records(proc, kind, "inventory")) {
    STEP(w.record(n, kOperator, e02::inventory, {{"asset_id", "INV-SI-" + system}}));
    STEP(w.record(n, kProductionLead, e02::ip_registration, {{"filed_on", format_date(now)}, {"file_number", "0" + n.substr(8) + "-2026/DDA"}}));
  }
  STEP(w.record(n, kOperator, e02::baseline, {}));
  if (!kind_takes(proc, kind, "accept")) {
    STEP(w.act(n, kProductionLead, e02::close));
  } else {
    STEP(w.record(n, kQaLead, e02::cosign, {{"note", "Conforme."}}));
    STEP(w.record(n, kProductionLead, e02::cosign, {{"note", "Conforme."}}));
    STEP(w.act(n, kFunctionalUser, e02::accept));
  }
#undef STEP
  return n;
}

Result<std::string> walk_demo_sample(Office& office, const DemoLog& log) {
  return walk_demo_release(office, e02::kSample.system, e02::kSample.kind, e02::kSample.title, e02::kSample.target, log);
}

Status seed_demo_office(Office& office, const DemoLog& log) {
  for (const auto& p : e02::kPlans) {
    if (Status st = check_demo_codes(office.current_procedure(), p.kind, p.target); !st) return st;
  }
  if (auto st = seed_demo_people_and_systems(office, log); !st) return st;
  for (const auto& p : e02::kPlans) {
    auto n = walk_demo_release(office, p.system, p.kind, p.title, p.target, log);
    if (!n) return n.error();
  }
  return ok_status();
}

}  // namespace pasaprod
