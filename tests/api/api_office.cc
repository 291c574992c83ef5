#include "api_office.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace apitest {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string file_name_for(const std::string& slot) {
  if (slot == "source_code") return "fuentes.zip";
  if (slot == "executables") return "sistema.war";
  if (slot == "installers") return "instalador.sh";
  if (slot == "db_scripts") return "scripts.sql";
  return slot + ".pdf";
}

const json* find_slot(const json& rel, const std::string& slot) {
  for (const auto& d : rel.at("deliverables")) {
    if (d.at("slot") == slot) return &d;
  }
  return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Office

std::vector<std::string> Office::global_args(int node) const {
  if (db_url_.empty()) return {};
  // PASAPROD_TEST_LIBRARY_IN_DATABASE=1: the files in the database too (library/postgres).
  const char* in_db = std::getenv("PASAPROD_TEST_LIBRARY_IN_DATABASE");
  const std::string library = in_db != nullptr && std::string(in_db) == "1" ? db_url_ : (dir() / "library").string();
  return {"--data-dir", (dir() / ("node-" + std::to_string(node))).string(), "--library", library,
          "--document-key", (dir() / "pasaprod.dockey").string()};
}

std::unique_ptr<Office> Office::fresh_on(const std::string& db_url, ServeOptions options) {
  std::unique_ptr<Office> o(new Office);
  o->dir_ = std::make_unique<TempDir>();
  o->db_url_ = db_url;
  return setup(std::move(o), std::move(options));
}

void Office::use_test_cluster() {
  // A database of its own for each office, numbered within the process and named after the test
  // or the suite it serves.
  static int offices = 0;
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  std::string name = "suite";
  if (const ::testing::TestInfo* test = unit.current_test_info()) {
    name = std::string(test->test_suite_name()) + "_" + test->name();
  } else if (const ::testing::TestSuite* suite = unit.current_test_suite()) {
    name = suite->name();
  }
  pg_ = std::make_unique<pasaprod::testing_pg::PgScratchDatabase>(std::to_string(++offices) + "_" + name);
  if (pg_->active()) db_url_ = pg_->url();
}

std::unique_ptr<Office> Office::fresh(ServeOptions options, bool on_disk) {
  std::unique_ptr<Office> o(new Office);
  o->dir_ = std::make_unique<TempDir>(on_disk);
  o->use_test_cluster();
  return setup(std::move(o), std::move(options));
}

std::unique_ptr<Office> Office::setup(std::unique_ptr<Office> o, ServeOptions options) {
  o->password_ = kPassword;
  const std::string db = o->db().string();
  // Bootstrap by CLI: the first admin and a token for them (no password needed).
  std::vector<std::string> cli = {"--db", db};
  for (const std::string& a : o->global_args()) cli.push_back(a);
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), cli.begin(), cli.end());
    return args;
  };
  run_cli_ok(with({"user", "add", "admin", "--name", "Administradora de pruebas", "--role", "admin"}));
  CliResult t = run_cli_ok(with({"--json", "token", "create", "admin", "--name", "setup"}));
  const std::string token = json::parse(t.out).at("token").get<std::string>();

  const std::vector<std::string> global = o->global_args();
  options.global.insert(options.global.end(), global.begin(), global.end());
  if (!o->db_url_.empty()) options.output_dir = o->dir();
  o->server_ = std::make_unique<ServerProcess>(o->db(), options);
  o->server_->start();
  auto admin = std::make_unique<Api>(o->port(), "admin");
  admin->token = token;
  o->clients_["admin"] = std::move(admin);
  Api& a = o->admin();

  const json systems = json::array({
      {{"code", "ALFA"}, {"name", "Sistema Alfa"}, {"unit", "Oficina de pruebas"}, {"origin", "inhouse"}, {"version", "1.0"},
       {"status", "in_production"}},
      {{"code", "MTX"}, {"name", "Sistema de la matriz"}, {"unit", "Oficina de pruebas"}, {"origin", "outsourcing"}, {"version", "1.0"},
       {"status", "in_production"}},
      {{"code", "NUEVO"}, {"name", "Sistema nuevo"}, {"unit", "Oficina de pruebas"}, {"origin", "inhouse"}},
  });
  for (const auto& s : systems) a.post("/api/v1/systems", s).expect(201);

  auto per_system = [&](const std::string& role) {
    json roles = json::array();
    for (const auto& s : systems) roles.push_back({{"role", role}, {"system", s.at("code")}});
    return roles;
  };
  const std::vector<std::pair<std::string, std::string>> staff = {
      {"project_lead", "lead"},       {"functional_user", "func"},   {"qa_lead", "qa"},
      {"dba", "dba"},                 {"security_officer", "sec"},   {"release_operator", "op"},
      {"infra_specialist", "infra"},  {"production_lead", "prod"},   {"asi_head", "asi"},
      {"agti_head", "agti"},          {"it_chief", "chief"},         {"pmo_specialist", "pmo"},
  };
  for (const auto& [role, user] : staff) {
    const bool ps = role == "project_lead" || role == "functional_user";
    o->add_user(user, ps ? per_system(role) : json::array({{{"role", role}}}));
    o->cast[role] = user;
  }
  o->add_user("chief2", json::array({{{"role", "it_chief"}}}));
  for (const char* c : {"com1", "com2", "com3"}) {
    o->add_user(c, json::array({{{"role", "emergency_committee"}}}));
    o->committee.push_back(c);
  }
  o->cast["emergency_committee"] = "com1";
  o->cast["admin"] = "admin";
  return o;
}

std::unique_ptr<Office> Office::demo(ServeOptions options) {
  std::unique_ptr<Office> o(new Office);
  o->dir_ = std::make_unique<TempDir>();
  o->use_test_cluster();
  o->password_ = kDemoPassword;
  options.demo = true;
  const std::vector<std::string> global = o->global_args();
  options.global.insert(options.global.end(), global.begin(), global.end());
  if (!o->db_url_.empty()) options.output_dir = o->dir();
  o->server_ = std::make_unique<ServerProcess>(o->db(), options);
  o->server_->start();
  o->cast = {{"functional_user", "ana.funcional"},  {"project_lead", "pedro.lider"},       {"qa_lead", "carla.calidad"},
             {"dba", "diego.dba"},                  {"security_officer", "sofia.seguridad"}, {"release_operator", "oscar.operador"},
             {"infra_specialist", "ines.infra"},    {"production_lead", "pablo.produccion"}, {"asi_head", "rosa.asi"},
             {"agti_head", "alberto.agti"},         {"it_chief", "julia.jefa"},            {"pmo_specialist", "marco.pmo"},
             {"emergency_committee", "elena.comite"}, {"admin", "admin"}};
  o->committee = {"elena.comite", "raul.comite", "lucia.comite"};
  o->system = "SIAGIE";
  return o;
}

Office::~Office() {
  clients_.clear();
  more_nodes_.clear();
  server_.reset();  // SIGKILLs a server still running
  pg_.reset();
  dir_.reset();
}

Api& Office::as(const std::string& username) {
  auto it = clients_.find(username);
  if (it != clients_.end()) return *it->second;
  auto api = std::make_unique<Api>(port(), username);
  api->sign_in_with_token(username, password_);
  api->rotate = rotate_;
  return *(clients_[username] = std::move(api));
}

Api& Office::add_user(const std::string& username, const json& roles) {
  admin()
      .post("/api/v1/users", {{"username", username},
                              {"name", "Usuario " + username},
                              {"email", username + "@example.org"},
                              {"roles", roles},
                              {"password", password_}})
      .expect(201);
  return as(username);
}

int Office::stop() {
  clients_.clear();
  int status = 0;
  for (auto& n : more_nodes_) {
    if (n->running() && n->stop() != 0) status = 1;
  }
  const int first = server_->stop();
  return first != 0 ? first : status;
}

ServerProcess& Office::add_node(ServeOptions options) {
  const int node = static_cast<int>(more_nodes_.size()) + 2;
  options.output_dir = dir();
  options.name = "node-" + std::to_string(node);
  const std::vector<std::string> global = global_args(node);
  options.global.insert(options.global.end(), global.begin(), global.end());
  if (!db_url_.empty()) {
    // A node with an anchor of its own joins an office with history: an administrator enrolls
    // it by anchoring the verified head there (docs/postgresql.md).
    std::vector<std::string> enroll = {"--db", db_url_};
    enroll.insert(enroll.end(), global.begin(), global.end());
    enroll.insert(enroll.end(), {"audit", "reanchor"});
    run_cli_ok(enroll);
  }
  more_nodes_.push_back(std::make_unique<ServerProcess>(db(), options));
  more_nodes_.back()->start();
  return *more_nodes_.back();
}

std::vector<ServerProcess*> Office::nodes() {
  std::vector<ServerProcess*> out = {server_.get()};
  for (auto& n : more_nodes_) out.push_back(n.get());
  return out;
}

void Office::alternate_nodes() {
  rotate_.clear();
  for (ServerProcess* n : nodes()) {
    if (n->running()) rotate_.push_back(n->port());
  }
  for (auto& [name, api] : clients_) api->rotate = rotate_;
}

// ---------------------------------------------------------------------------------------------
// Walker

Walker::Walker(Office& office) : office_(office) {
  procedure_ = office_.admin().get("/api/v1/procedure").expect(200).json();
}

static const json& kind_def(const json& proc, const std::string& kind) {
  for (const auto& k : proc.at("kinds")) {
    if (k.at("code") == kind) return k;
  }
  throw std::runtime_error("no kind " + kind + " in the procedure");
}

std::vector<std::string> Walker::slots(const std::string& kind) const {
  std::vector<std::string> out;
  std::vector<std::string> generated;
  for (const auto& s : procedure_.at("slots")) {
    if (s.value("generated", false)) generated.push_back(s.at("code"));
  }
  for (const auto& s : kind_def(procedure_, kind).at("slots")) {
    if (!contains(generated, s.get<std::string>())) out.push_back(s.get<std::string>());
  }
  return out;
}

std::vector<std::string> Walker::path(const std::string& kind) const {
  return kind_def(procedure_, kind).at("path").get<std::vector<std::string>>();
}

std::vector<std::string> Walker::deployment_steps(const std::string& kind) const {
  return kind_def(procedure_, kind).at("deployment_steps").get<std::vector<std::string>>();
}

json Walker::open(const std::string& system, const std::string& kind, const std::string& opener_in, const std::string& title) {
  const std::string opener = !opener_in.empty() ? opener_in : office_.cast.at(kind == "emergency" ? "qa_lead" : "project_lead");
  Api& api = office_.as(opener);
  json body = {{"system", system}, {"kind", kind}, {"version", "0.0"}, {"title", title.empty() ? "Pase de prueba " + kind : title},
               {"summary", "Cambios de prueba."}};
  Response first = api.post("/api/v1/releases", body);
  first.expect(422);
  const json p = first.json();
  if (p.value("id", "") != "version.expected") throw std::runtime_error("expected version.expected:\n" + first.describe());
  body["version"] = p.at("details").at("expected_version");
  Response r = api.post("/api/v1/releases", body);
  r.expect(201);
  const std::string number = r.json().at("number");
  const std::string uploader = office_.cast.at("project_lead");
  for (const auto& slot : slots(kind)) {
    if (slot == "qa_acceptance") continue;
    upload(number, slot, file_name_for(slot), "", uploader);
  }
  return get(number);
}

json Walker::get(const std::string& number) { return office_.admin().get("/api/v1/releases/" + number).expect(200).json(); }

Response Walker::try_act(const std::string& number, const std::string& action, const std::string& as, const std::string& note) {
  return office_.as(as).post("/api/v1/releases/" + number + "/actions/" + action, {{"note", note}});
}

json Walker::act(const std::string& number, const std::string& action, const std::string& as, const std::string& note) {
  Response r = try_act(number, action, as, note);
  r.expect(200);
  // The answer is computed from the snapshot and the plan, not read back: it must be what the
  // same person reads right after.
  Response read = office_.as(as).get("/api/v1/releases/" + number).expect(200);
  EXPECT_EQ(r.json(), read.json()) << "the answer to " << action << " differs from the request read back";
  EXPECT_EQ(r.header("ETag"), read.header("ETag"));
  return r.json();
}

json Walker::record(const std::string& number, const std::string& type, const json& fields, const std::string& as) {
  Response r = office_.as(as).post("/api/v1/releases/" + number + "/records", {{"type", type}, {"fields", fields}});
  r.expect(201);
  return r.json();
}

json Walker::upload(const std::string& number, const std::string& slot, const std::string& name, const std::string& content_in,
                    const std::string& as) {
  const std::string content =
      !content_in.empty() ? content_in : "archivo de prueba\n" + number + "/" + slot + "/" + name + "#" + std::to_string(++counter_) + "\n";
  Response r = office_.as(as).put("/api/v1/releases/" + number + "/deliverables/" + slot + "/" + name, content);
  r.expect(201);
  return r.json();
}

json Walker::review(const std::string& number, const std::string& slot, const std::string& verdict, const std::string& as,
                    const std::string& note) {
  Response r = office_.as(as).post("/api/v1/releases/" + number + "/reviews", {{"slot", slot}, {"verdict", verdict}, {"note", note}});
  r.expect(200);
  return r.json();
}

void Walker::prepare(const std::string& number, const std::string& action) {
  const json rel = get(number);
  const std::string kind = rel.at("kind");
  const auto& cast = office_.cast;
  auto has_file = [&](const std::string& slot) {
    const json* d = find_slot(rel, slot);
    return d && !d->at("files").empty();
  };
  auto has_record = [&](const std::string& type, const std::string& by, const std::string& key = "", const std::string& value = "") {
    for (const auto& r : rel.at("records")) {
      if (r.at("type") != type || !r.value("current", true)) continue;
      if (!by.empty() && r.at("by") != by) continue;
      if (!key.empty() && r.at("fields").value(key, "") != value) continue;
      return true;
    }
    return false;
  };
  const std::string op = cast.at("release_operator");
  const bool database = rel.value("changes_database", true);
  if (action == "request_qa" || action == "resubmit" || action == "request_committee") {
    for (const auto& slot : slots(kind)) {
      if (slot != "qa_acceptance" && !has_file(slot)) upload(number, slot, file_name_for(slot), "", cast.at("project_lead"));
    }
  }
  if (action == "qa_accept" && !has_file("qa_acceptance")) {
    upload(number, "qa_acceptance", "acta-calidad.pdf", "", cast.at("qa_lead"));
  }
  if (action == "validate") {
    for (const auto& code : kind_def(procedure_, kind).at("slots")) {
      const std::string slot = code.get<std::string>();
      const json* d = find_slot(rel, slot);
      if (!d || d->at("files").empty()) continue;
      const json& rv = d->at("review");
      if (rv.is_null() || rv.at("verdict") != "accepted" || !rv.value("current", false)) review(number, slot, "accepted", op, "Conforme");
    }
  }
  if (action == "prepare_report") {
    if (!has_record("window", "")) record(number, "window", {{"from", iso_now(-3600)}, {"to", iso_now(8 * 3600)}}, op);
    if (!has_record("infra_readiness", "")) record(number, "infra_readiness", {{"note", "Listo."}}, cast.at("infra_specialist"));
    if (!has_record("security_conformity", "")) {
      record(number, "security_conformity", {{"note", "Conforme."}}, cast.at("security_officer"));
    }
    if (database && !has_record("dba_conformity", "")) {
      record(number, "dba_conformity", {{"note", "Scripts revisados."}}, cast.at("dba"));
    }
  }
  if (action == "committee_approve" || (action == "reject" && kind == "emergency")) {
    const std::string decision = action == "reject" ? "reject" : "approve";
    for (const auto& m : office_.committee) {
      if (!has_record("vote", m, "decision", decision)) record(number, "vote", {{"decision", decision}, {"note", "Voto."}}, m);
    }
  }
  if (action == "deploy") {
    if (kind != "project" && !has_record("backup", "")) {
      record(number, "backup",
             {{"what", "Aplicativo y base de datos"}, {"where", "//backup/" + number},
              {"sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
             op);
    }
    if (!has_record("deployment", "")) {
      std::string steps;
      for (const auto& s : deployment_steps(kind)) steps += (steps.empty() ? "" : ",") + s;
      record(number, "deployment", {{"steps", steps}}, op);
    }
    if (database && !has_record("db_deployment", "")) {
      record(number, "db_deployment", {{"scripts", "Scripts de " + number}, {"result", "ok"}}, cast.at("dba"));
    }
  }
  if (action == "verify" && !has_record("verification", "", "result", "ok")) {
    record(number, "verification", {{"result", "ok"}, {"evidence", "Pruebas de humo conformes."}}, op);
  }
  if (action == "rollback" && !has_record("rollback", "")) {
    record(number, "rollback", {{"result", "ok"}, {"note", "Se restauró la versión anterior."}}, op);
  }
  if (action == "accept" || action == "close") {
    if (kind == "project") {
      if (!has_record("inventory", "")) record(number, "inventory", {{"asset_id", "INV-" + number}}, op);
      if (!has_record("ip_registration", "")) {
        record(number, "ip_registration", {{"filed_on", iso_now().substr(0, 10)}, {"file_number", "0042-2026/DDA"}},
               cast.at("production_lead"));
      }
    }
    if (!has_record("baseline", "")) record(number, "baseline", json::object(), op);
    if (action == "accept") {
      if (!has_record("cosign", cast.at("qa_lead"))) record(number, "cosign", {{"note", "Conforme."}}, cast.at("qa_lead"));
      if (!has_record("cosign", cast.at("production_lead"))) {
        record(number, "cosign", {{"note", "Conforme."}}, cast.at("production_lead"));
      }
    }
  }
}

std::string Walker::next_action(const json& rel, const std::string& target) const {
  const std::string kind = rel.at("kind"), st = rel.at("state");
  const bool emergency = kind == "emergency";
  if (target == "returned" && (st == "submitted" || st == "validated" || st == "pending_approval" || st == "pre_approved")) {
    return "return_to_qa";
  }
  if (st == "draft") return emergency ? "request_committee" : "request_qa";
  if (st == "committee") return target == "rejected" ? "reject" : "committee_approve";
  if (st == "in_qa") return "qa_accept";
  if (st == "qa_approved") return "request_production";
  if (st == "submitted") return "validate";
  if (st == "validated") return "prepare_report";
  if (st == "pending_approval") return "pre_approve";
  if (st == "pre_approved") return "approve";
  if (st == "approved") return "deploy";
  if (st == "deployed") return "verify";
  if (st == "verified") return emergency ? "close" : "accept";
  if (st == "returned") return !emergency && (target == "in_qa" || target == "qa_approved") ? "reopen_qa" : "resubmit";
  throw std::runtime_error("cannot take " + rel.at("number").get<std::string>() + " from " + st + " to " + target);
}

std::string Walker::actor_for(const std::string& action, const std::string& kind) const {
  const auto& c = office_.cast;
  if (action == "request_qa") return c.at("project_lead");
  if (action == "qa_accept" || action == "qa_observe" || action == "request_production" || action == "resubmit" ||
      action == "reopen_qa" || action == "request_committee") {
    return c.at("qa_lead");
  }
  if (action == "pre_approve") return c.at("asi_head");
  if (action == "approve") return c.at("it_chief");
  if (action == "committee_approve") return office_.committee.at(0);
  if (action == "reject") return kind == "emergency" ? office_.committee.at(0) : c.at("asi_head");
  if (action == "accept") return c.at("functional_user");
  if (action == "close" || action == "cancel") return c.at("production_lead");
  return c.at("release_operator");  // validate, prepare_report, deploy, verify, rollback, return_to_qa
}

json Walker::advance(const std::string& number, const std::string& target) {
  json rel = get(number);
  for (int i = 0; i < 40; ++i) {
    if (rel.at("state") == target) return rel;
    const std::string action = next_action(rel, target);
    prepare(number, action);
    rel = act(number, action, actor_for(action, rel.at("kind")), "Paso del recorrido (" + action + ").");
  }
  throw std::runtime_error("could not take " + number + " to " + target);
}

bool Walker::reachable(const std::string& kind, const std::string& from, const std::string& to) const {
  const std::vector<std::string> p = path(kind);
  auto pos = [&](const std::string& s) -> double {
    if (s == "returned") {
      auto it = std::find(p.begin(), p.end(), "submitted");
      return static_cast<double>(it - p.begin()) - 0.5;
    }
    auto it = std::find(p.begin(), p.end(), s);
    return it == p.end() ? -100.0 : static_cast<double>(it - p.begin());
  };
  if (pos(from) < -1 || pos(to) < -1) return false;
  if (from == to) return true;
  if (to == "returned") return pos(from) < pos("approved");
  if (from == "returned") return (kind != "emergency" && (to == "in_qa" || to == "qa_approved")) || pos(to) >= pos("submitted");
  return pos(from) <= pos(to);
}

// ---------------------------------------------------------------------------------------------
// Pool

std::string Pool::take(const std::string& kind, const std::string& state) {
  int best = -1;
  for (std::size_t i = 0; i < parked_.size(); ++i) {
    if (parked_[i].kind == kind && parked_[i].state == state) {
      best = static_cast<int>(i);
      break;
    }
  }
  if (best < 0) {
    const auto p = walker_.path(kind);
    auto pos = [&](const std::string& s) { return std::find(p.begin(), p.end(), s == "returned" ? "submitted" : s) - p.begin(); };
    for (std::size_t i = 0; i < parked_.size(); ++i) {
      if (parked_[i].kind != kind || !walker_.reachable(kind, parked_[i].state, state)) continue;
      if (best < 0 || pos(parked_[i].state) > pos(parked_[best].state)) best = static_cast<int>(i);
    }
  }
  std::string number;
  if (best >= 0) {
    number = parked_[best].number;
    parked_.erase(parked_.begin() + best);
  } else {
    number = walker_.open(system_, kind).at("number");
    ++opened_;
  }
  walker_.advance(number, state);
  return number;
}

void Pool::park(const json& release) {
  const std::string state = release.at("state");
  if (state == "closed" || state == "rolled_back" || state == "rejected" || state == "cancelled") return;
  parked_.push_back({release.at("number"), release.at("kind"), state});
}

}  // namespace apitest
