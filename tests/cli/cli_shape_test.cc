// The command-line shape scripts depend on (issue 2, point 7): every command, its output in
// text and JSON, refusals in Spanish and English, and the documented exit codes
// (0 ok, 2 invalid argument, 3 not found, 4 not allowed, 5 guard refusal, 6 conflict,
// 7 verification failed).
#include "cli_office.h"
#include "core/procedure.h"

namespace clitest {
namespace {

using nlohmann::json;

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

const json* find_by(const json& array, const std::string& key, const std::string& value) {
  if (!array.is_array()) return nullptr;
  for (const auto& x : array) {
    if (x.is_object() && x.value(key, "") == value) return &x;
  }
  return nullptr;
}

std::vector<std::string> numbers_of(const json& list) {
  std::vector<std::string> out;
  if (!list.is_object() || !list.contains("items")) return out;
  for (const auto& r : list["items"]) out.push_back(r.value("number", ""));
  std::sort(out.begin(), out.end());
  return out;
}

// PP-YYYY-NNNN.
bool is_release_number(const std::string& s) {
  if (s.size() != 12 || s.rfind("PP-", 0) != 0 || s[7] != '-') return false;
  for (std::size_t i : {3u, 4u, 5u, 6u, 8u, 9u, 10u, 11u}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

std::string sha256sum(const std::string& path) {
  Outcome o = run({"sha256sum", path});
  EXPECT_EQ(o.exit_code, 0) << o.describe();
  return o.out.substr(0, 64);
}

TEST(CliShape, InitCreatesTheDatabaseAndCanRunAgain) {
  Workspace ws;
  Outcome first = ws.ok({"init"});
  EXPECT_TRUE(contains(first.out, ws.db().string())) << first.describe();
  EXPECT_TRUE(fs::exists(ws.db()));
  EXPECT_TRUE(fs::is_directory(ws.blobs_dir()));
  ws.ok({"init"});  // idempotent
  json j = ws.json({"init"});
  EXPECT_EQ(j.value("edition", ""), "02") << j.dump();
  EXPECT_GE(j.value("schema_version", 0), 1) << j.dump();
  EXPECT_EQ(j.value("db", ""), ws.db().string());
  EXPECT_EQ(ws.json({"user", "list"}), json::array());
  EXPECT_EQ(ws.json({"system", "list"}), json::array());
  ws.ok({"system", "add", "SIS", "--name", "Sistema"});
  EXPECT_TRUE(fs::exists(ws.db().string() + ".anchor")) << "the audit trail's anchor lives beside the database, outside it";
}

TEST(CliShape, UserAddGrantAndList) {
  Workspace ws;
  ws.ok({"init"});
  ws.ok({"system", "add", "SIS", "--name", "Sistema"});

  json ana = ws.json({"user", "add", "ana", "--name", "Ana Quispe", "--role", "qa_lead,dba"});
  EXPECT_EQ(ana.value("username", ""), "ana");
  EXPECT_EQ(ana.value("name", ""), "Ana Quispe");
  EXPECT_EQ(ana["roles"], json::parse(R"([{"role":"qa_lead"},{"role":"dba"}])"));

  Outcome fu = ws.ok({"user", "add", "fu", "--name", "Fabiola Usuaria", "--role", "functional_user", "--system", "SIS"});
  EXPECT_TRUE(contains(fu.out, "fu")) << fu.describe();

  json granted = ws.json({"user", "grant", "ana", "it_chief"});
  EXPECT_EQ(granted["roles"].size(), 3u) << granted.dump();
  ws.ok({"user", "grant", "fu", "project_lead", "--system", "SIS"});

  json users = ws.json({"user", "list"});
  ASSERT_TRUE(users.is_array());
  ASSERT_EQ(users.size(), 2u) << users.dump(2);
  const json* a = find_by(users, "username", "ana");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(find_by((*a)["roles"], "role", "it_chief"));
  const json* f = find_by(users, "username", "fu");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ((*f)["roles"], json::parse(R"([{"role":"functional_user","system":"SIS"},{"role":"project_lead","system":"SIS"}])"));

  Outcome text = ws.ok({"user", "list"});
  bool ana_line = false;
  for (const auto& l : lines(text.out)) {
    if (l.rfind("ana\t", 0) == 0) ana_line = contains(l, "Ana Quispe") && contains(l, "qa_lead") && contains(l, "it_chief");
  }
  EXPECT_TRUE(ana_line) << text.describe();

  // Refusals.
  ws.fails(6, {"user", "add", "ana", "--name", "Otra Ana", "--role", "dba"});   // already exists
  ws.fails(2, {"user", "add", "zed", "--name", "Zed", "--role", "wizard"});      // unknown role
  Outcome missing = ws.fails(3, {"--lang", "en", "user", "grant", "nobody", "it_chief"});
  EXPECT_TRUE(contains(missing.err, "does not exist")) << missing.describe();
  EXPECT_EQ(ws.json({"user", "list"}).size(), 2u);
}

TEST(CliShape, SystemAddListAndShowWithProductionVersion) {
  Workspace ws;
  ws.ok({"init"});
  json sis = ws.json({"system", "add", "SIS", "--name", "Sistema Integrado", "--unit", "OTI", "--origin", "outsourcing", "--version", "2.3"});
  EXPECT_EQ(sis.value("code", ""), "SIS") << sis.dump();
  ws.ok({"system", "add", "NEW", "--name", "Sistema Nuevo"});

  Outcome list = ws.ok({"system", "list"});
  std::vector<std::string> ls = lines(list.out);
  ASSERT_EQ(ls.size(), 2u) << list.describe();
  std::sort(ls.begin(), ls.end());
  EXPECT_EQ(ls[0].rfind("NEW\t-\t", 0), 0u) << ls[0];
  EXPECT_EQ(ls[1].rfind("SIS\t2.3\t", 0), 0u) << ls[1];
  json jl = ws.json({"system", "list"});
  ASSERT_TRUE(jl.is_array());
  EXPECT_EQ(jl.size(), 2u);
  ASSERT_NE(find_by(jl, "code", "SIS"), nullptr);
  EXPECT_EQ(find_by(jl, "code", "SIS")->value("current_version", ""), "2.3");

  Outcome es = ws.ok({"system", "show", "SIS"});
  EXPECT_TRUE(contains(es.out, "Versión en producción: 2.3")) << es.describe();
  EXPECT_TRUE(contains(es.out, "OTI")) << es.describe();
  Outcome en = ws.ok({"--lang", "en", "system", "show", "SIS"});
  EXPECT_TRUE(contains(en.out, "Version in production: 2.3")) << en.describe();
  json js = ws.json({"system", "show", "SIS"});
  EXPECT_EQ(js.value("current_version", ""), "2.3") << js.dump(2);
  EXPECT_EQ(js.value("unit", ""), "OTI");
  EXPECT_EQ(js.value("origin", ""), "outsourcing");
  EXPECT_EQ(js.value("name", ""), "Sistema Integrado");
  Outcome none = ws.ok({"system", "show", "NEW"});
  EXPECT_TRUE(contains(none.out, "Versión en producción: -")) << none.describe();

  ws.fails(3, {"system", "show", "NOPE"});
  ws.fails(6, {"system", "add", "SIS", "--name", "Otra vez"});
  ws.fails(2, {"system", "add", "BAD", "--name", "Versión mala", "--version", "dos"});
}

TEST(CliShape, ReleaseNewPrintsOnlyTheNumber) {
  Workspace ws;
  ws.copy_office_from(office_template());
  Outcome o = ws.ok({"release", "new", "--system", "SIS", "--kind", "maintenance", "--version", "2.4", "--title", "Nuevo reporte", "--as", "lead"});
  EXPECT_TRUE(o.out.size() == 13 && is_release_number(o.out.substr(0, 12)) && o.out.back() == '\n') << o.describe();
  EXPECT_EQ(o.err, "");
  const std::string first = o.out.substr(0, o.out.size() - 1);

  json j = ws.json({"release", "new", "--system", "SIS", "--kind", "emergency", "--version", "2.3.1", "--title", "Parche", "--as", "prod"});
  ASSERT_TRUE(j.is_object()) << j.dump();
  ASSERT_TRUE(j.contains("number") && j["number"].is_string()) << j.dump();
  const std::string second = j["number"];
  EXPECT_TRUE(is_release_number(second)) << second;
  EXPECT_NE(second, first);
  EXPECT_EQ(j.value("state", ""), "draft");

  EXPECT_EQ(numbers_of(ws.json({"release", "list"})), (std::vector<std::string>{first, second}));
  json shown = show(ws, first);
  EXPECT_EQ(shown.value("number", ""), first);
  EXPECT_EQ(shown.value("requester", ""), "lead");
  EXPECT_EQ(shown.value("version", ""), "2.4");
}

TEST(CliShape, ReleaseListFiltersByStateSystemAndKind) {
  Workspace ws;
  ws.copy_office_from(office_template());
  ws.ok({"system", "add", "NEW", "--name", "Sistema Nuevo", "--origin", "inhouse"});
  ws.ok({"user", "grant", "lead", "project_lead", "--system", "NEW"});
  const std::string m = new_release(ws, "maintenance", "2.4", "lead");
  const std::string e = new_release(ws, "emergency", "2.3.1", "prod");
  const std::string p =
      ws.ok({"release", "new", "--system", "NEW", "--kind", "project", "--version", "1.0", "--title", "Primera versión", "--as", "lead"}).out;
  const std::string pn = p.substr(0, p.find('\n'));
  ws.ok({"act", e, "cancel", "--note", "Ya no es necesario", "--as", "prod"});

  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  json all = ws.json({"release", "list"});
  EXPECT_EQ(numbers_of(all), sorted({m, e, pn}));
  EXPECT_EQ(all.value("total", -1), 3);
  EXPECT_EQ(numbers_of(ws.json({"release", "list", "--state", "draft"})), sorted({m, pn}));
  EXPECT_EQ(numbers_of(ws.json({"release", "list", "--state", "cancelled"})), sorted({e}));
  EXPECT_EQ(numbers_of(ws.json({"release", "list", "--system", "NEW"})), sorted({pn}));
  EXPECT_EQ(numbers_of(ws.json({"release", "list", "--kind", "emergency"})), sorted({e}));
  EXPECT_EQ(numbers_of(ws.json({"release", "list", "--system", "SIS", "--kind", "maintenance", "--state", "draft"})), sorted({m}));
  EXPECT_EQ(numbers_of(ws.json({"release", "list", "--system", "SIS", "--kind", "project"})), std::vector<std::string>{});

  // Text: one line per request, number first, tab-separated.
  Outcome text = ws.ok({"release", "list", "--system", "SIS"});
  std::vector<std::string> ls = lines(text.out);
  ASSERT_EQ(ls.size(), 2u) << text.describe();
  for (const auto& l : ls) EXPECT_TRUE(l.rfind(m + "\t", 0) == 0 || l.rfind(e + "\t", 0) == 0) << l;
  Outcome cancelled = ws.ok({"release", "list", "--state", "cancelled"});
  EXPECT_TRUE(contains(cancelled.out, e + "\tSIS\temergency\t2.3.1\tcancelled")) << cancelled.describe();
}

TEST(CliShape, ReleaseShowInTextAndJson) {
  Workspace ws;
  ws.copy_office_from(office_template());
  const std::string n = new_release(ws, "maintenance", "2.4", "lead");
  Outcome es = ws.ok({"release", "show", n});
  EXPECT_EQ(es.out.rfind(n + " — ", 0), 0u) << es.describe();
  EXPECT_TRUE(contains(es.out, "Estado: ")) << es.describe();
  EXPECT_TRUE(contains(es.out, "(draft)")) << es.describe();
  EXPECT_TRUE(contains(es.out, "(install_manual)")) << es.describe();
  Outcome en = ws.ok({"--lang", "en", "release", "show", n});
  EXPECT_TRUE(contains(en.out, "State: ")) << en.describe();
  EXPECT_TRUE(contains(en.out, "Deliverables:")) << en.describe();

  json j = show(ws, n);
  EXPECT_EQ(j.value("number", ""), n);
  EXPECT_EQ(j.value("system", ""), "SIS");
  EXPECT_EQ(j.value("kind", ""), "maintenance");
  EXPECT_EQ(j.value("state", ""), "draft");
  EXPECT_EQ(j.value("edition", ""), "02");
  ASSERT_TRUE(j["deliverables"].is_array());
  std::vector<std::string> slots;
  for (const auto& d : j["deliverables"]) slots.push_back(d.value("slot", ""));
  for (const auto& s : maintenance_slots()) EXPECT_NE(std::find(slots.begin(), slots.end(), s), slots.end()) << s;
  EXPECT_TRUE(j["transitions"].empty());

  Outcome missing = ws.fails(3, {"release", "show", "PP-1999-0001"});
  EXPECT_TRUE(contains(missing.err, "no existe")) << missing.describe();
  Outcome missing_en = ws.fails(3, {"--lang", "en", "release", "show", "PP-1999-0001"});
  EXPECT_TRUE(contains(missing_en.err, "does not exist")) << missing_en.describe();
}

TEST(CliShape, DeliverableReviewRecordAndAct) {
  Workspace ws;
  ws.copy_office_from(office_template());
  const std::string n = new_release(ws, "maintenance", "2.4", "lead");

  // deliverable add: several files to one slot; JSON lists them with size and digest.
  const std::string a = ws.write_file("manual-a.pdf", "primera parte del manual\n");
  const std::string b = ws.write_file("manual-b.pdf", std::string(100000, 'b'));
  json added = ws.json({"deliverable", "add", n, "install_manual", a, b, "--as", "lead"});
  ASSERT_TRUE(added.is_array()) << added.dump();
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0].value("name", ""), "manual-a.pdf");
  EXPECT_EQ(added[0].value("sha256", ""), sha256sum(a));
  EXPECT_EQ(added[1].value("name", ""), "manual-b.pdf");
  EXPECT_EQ(added[1].value("size", 0), 100000);
  EXPECT_EQ(added[1].value("sha256", ""), sha256sum(b));
  EXPECT_EQ(files_in_slot(show(ws, n), "install_manual"), (std::vector<std::string>{"manual-a.pdf", "manual-b.pdf"}));
  Outcome text = ws.ok({"deliverable", "add", n, "user_manual", ws.write_file("usuario.pdf", "manual de usuario\n"), "--as", "lead"});
  EXPECT_TRUE(contains(text.out, "user_manual/usuario.pdf")) << text.describe();
  EXPECT_TRUE(contains(text.out, sha256sum(ws.dir() / "files" / "usuario.pdf"))) << text.describe();
  ws.fails(2, {"deliverable", "add", n, "no_such_slot", a, "--as", "lead"});
  ws.fails(3, {"deliverable", "add", n, "install_manual", (ws.dir() / "missing.pdf").string(), "--as", "lead"});

  // act with and without the required note; the note becomes an observation.
  json moved = ws.json({"act", n, "request_qa", "--as", "lead"});
  EXPECT_EQ(moved.value("state", ""), "in_qa") << moved.dump();
  Outcome no_note = ws.fails(5, {"act", n, "qa_observe", "--as", "qa"});
  EXPECT_EQ(state_of(ws, n), "in_qa");
  Outcome observed = ws.ok({"act", n, "qa_observe", "--note", "Falta el manual de sistemas", "--as", "qa"});
  EXPECT_TRUE(contains(observed.out, "draft")) << observed.describe();
  json r = show(ws, n);
  EXPECT_EQ(r.value("state", ""), "draft");
  ASSERT_EQ(r["observations"].size(), 1u) << r.dump(2);
  EXPECT_TRUE(contains(r["observations"][0].dump(), "Falta el manual de sistemas")) << r["observations"].dump();
  EXPECT_EQ(count_transitions(r, "qa_observe"), 1);

  for (const auto& slot : maintenance_slots()) {
    if (slot == "install_manual" || slot == "user_manual") continue;
    ws.ok({"deliverable", "add", n, slot, ws.write_file(slot + ".bin", slot + "\n"), "--as", "lead"});
  }
  ws.ok({"act", n, "request_qa", "--as", "lead"});
  ws.ok({"deliverable", "add", n, "qa_acceptance", ws.write_file("qa.pdf", "conforme\n"), "--as", "qa"});
  ws.ok({"act", n, "qa_accept", "--as", "qa"});
  ws.ok({"act", n, "request_production", "--as", "qa"});

  // review: observed with a note, then accepted.
  json rv = ws.json({"review", n, "install_manual", "observed", "--note", "Versión desactualizada", "--as", "op"});
  EXPECT_EQ(rv.value("verdict", ""), "observed") << rv.dump();
  EXPECT_EQ(rv.value("note", ""), "Versión desactualizada");
  EXPECT_EQ(rv.value("by", ""), "op");
  Outcome rv_text = ws.ok({"review", n, "install_manual", "accepted", "--as", "op"});
  EXPECT_TRUE(contains(rv_text.out, "install_manual accepted")) << rv_text.describe();
  ws.fails(4, {"review", n, "user_manual", "accepted", "--as", "lead"});

  // record TYPE key=value...
  json rec = ws.json({"record", n, "window", std::string("from=") + kWindowFrom, std::string("to=") + kWindowTo, "--as", "op"});
  EXPECT_EQ(rec.value("type", ""), "window") << rec.dump();
  EXPECT_EQ(rec["fields"].value("from", ""), kWindowFrom);
  EXPECT_EQ(rec["fields"].value("to", ""), kWindowTo);
  ws.fails(2, {"record", n, "infra_readiness", "note", "--as", "infra"});  // not key=value
  ws.fails(4, {"record", n, "infra_readiness", "note=listo", "--as", "qa"});  // wrong role
  Outcome ok_text = ws.ok({"record", n, "infra_readiness", "note=listo", "--as", "infra"});
  EXPECT_TRUE(contains(ok_text.out, "infra_readiness")) << ok_text.describe();
  json after = show(ws, n);
  int infra = 0;
  for (const auto& x : after["records"]) infra += x.value("type", "") == "infra_readiness";
  EXPECT_EQ(infra, 1) << after["records"].dump(2);
}

TEST(CliShape, FreezeAdd) {
  Workspace ws;
  ws.copy_office_from(office_template());
  json f = ws.json({"freeze", "add", "2030-12-20T00:00:00Z", "2031-01-05T00:00:00Z", "--reason", "Cierre del año fiscal", "--as", "chief"});
  EXPECT_EQ(f.value("from", ""), "2030-12-20T00:00:00Z") << f.dump();
  EXPECT_EQ(f.value("to", ""), "2031-01-05T00:00:00Z");
  EXPECT_EQ(f.value("reason", ""), "Cierre del año fiscal");
  Outcome text = ws.ok({"freeze", "add", "2031-07-27T00:00:00Z", "2031-07-30T00:00:00Z", "--reason", "Fiestas Patrias", "--as", "prod"});
  EXPECT_FALSE(text.out.empty());
  ws.fails(4, {"freeze", "add", "2032-01-01T00:00:00Z", "2032-01-02T00:00:00Z", "--reason", "x", "--as", "lead"});
  ws.fails(2, {"freeze", "add", "2032-01-02T00:00:00Z", "2032-01-01T00:00:00Z", "--reason", "al revés", "--as", "chief"});
  ws.fails(2, {"freeze", "add", "mañana", "2032-01-01T00:00:00Z", "--reason", "x", "--as", "chief"});
  ws.fails(4, {"freeze", "add", "2032-01-01T00:00:00Z", "2032-01-02T00:00:00Z", "--reason", "x", "--as", "ghost"});  // unknown user
}

TEST(CliShape, EveryCommandSpeaksJson) {
  Workspace ws;
  // Each of these must print one JSON document on stdout (a refusal: {"error": {...}}).
  EXPECT_TRUE(ws.json({"init"}).is_object());
  EXPECT_TRUE(ws.json({"system", "add", "SIS", "--name", "Sistema", "--version", "2.3"}).is_object());
  EXPECT_TRUE(ws.json({"system", "list"}).is_array());
  EXPECT_TRUE(ws.json({"system", "show", "SIS"}).is_object());
  for (const auto& [u, role] : std::vector<std::pair<std::string, std::string>>{
           {"qa", "qa_lead"}, {"op", "release_operator"}, {"chief", "it_chief"}}) {
    EXPECT_TRUE(ws.json({"user", "add", u, "--name", u, "--role", role}).is_object());
  }
  EXPECT_TRUE(ws.json({"user", "add", "lead", "--name", "Líder", "--role", "project_lead", "--system", "SIS"}).is_object());
  EXPECT_TRUE(ws.json({"user", "grant", "qa", "dba"}).is_object());
  EXPECT_TRUE(ws.json({"user", "list"}).is_array());
  json nr = ws.json({"release", "new", "--system", "SIS", "--kind", "maintenance", "--version", "2.4", "--title", "T", "--as", "lead"});
  const std::string n = nr.value("number", "");
  EXPECT_TRUE(ws.json({"release", "list"}).is_object());
  EXPECT_TRUE(ws.json({"release", "show", n}).is_object());
  EXPECT_TRUE(ws.json({"deliverable", "add", n, "install_manual", ws.write_file("m.pdf", "m"), "--as", "lead"}).is_array());
  EXPECT_TRUE(ws.json({"act", n, "request_qa", "--as", "lead"}).is_object());
  EXPECT_TRUE(ws.json({"freeze", "add", "2031-01-01T00:00:00Z", "2031-01-02T00:00:00Z", "--reason", "x", "--as", "chief"}).is_object());
  EXPECT_TRUE(ws.json({"audit", "verify"}).value("ok", false));
  EXPECT_TRUE(ws.json({"library", "verify"}).value("ok", false));
  // review and record are refused here (wrong state): still JSON, with the error.
  for (const Args& refused : {Args{"review", n, "install_manual", "accepted", "--as", "op"},
                              Args{"record", n, "window", "from=2031-01-01T00:00:00Z", "to=2031-01-02T00:00:00Z", "--as", "op"},
                              Args{"act", n, "approve", "--as", "chief"}, Args{"release", "show", "PP-1999-0001"}}) {
    Args a = {"--json"};
    a.insert(a.end(), refused.begin(), refused.end());
    Outcome o = ws.cli(a);
    EXPECT_NE(o.exit_code, 0) << o.describe();
    json j;
    ASSERT_NO_THROW(j = json::parse(o.out)) << o.describe();
    ASSERT_TRUE(j.contains("error")) << o.describe();
    EXPECT_TRUE(j["error"].contains("code")) << o.describe();
    EXPECT_FALSE(j["error"].value("message", "").empty()) << o.describe();
    EXPECT_EQ(o.err.rfind("pasaprod: ", 0), 0u) << "the message also goes to stderr\n" << o.describe();
  }
  {
    Workspace demo;
    json d = demo.json({"demo"});
    EXPECT_TRUE(d.contains("steps")) << d.dump();
  }
}

TEST(CliShape, RefusalsSpeakSpanishByDefaultAndEnglishWithLangEn) {
  Workspace ws;
  ws.copy_office_from(office_template());
  const Args bad_version = {"release", "new", "--system", "SIS", "--kind", "maintenance", "--version", "2.5", "--title", "T", "--as", "lead"};
  Outcome es = ws.fails(5, bad_version);
  EXPECT_TRUE(contains(es.err, "la versión esperada es 2.4")) << es.describe();
  Args en_args = {"--lang", "en"};
  en_args.insert(en_args.end(), bad_version.begin(), bad_version.end());
  Outcome en = ws.fails(5, en_args);
  EXPECT_TRUE(contains(en.err, "the expected version is 2.4")) << en.describe();
  Outcome en_es = ws.fails(5, {"--lang", "es", "release", "new", "--system", "SIS", "--kind", "emergency", "--version", "2.4.1", "--title", "T",
                               "--as", "prod"});
  EXPECT_TRUE(contains(en_es.err, "2.3.1")) << en_es.describe();

  const std::string n = new_release(ws, "maintenance", "2.4", "lead");
  Outcome role_es = ws.fails(4, {"act", n, "request_qa", "--as", "qa"});
  EXPECT_TRUE(contains(role_es.err, "requiere el rol")) << role_es.describe();
  Outcome role_en = ws.fails(4, {"--lang", "en", "act", n, "request_qa", "--as", "qa"});
  EXPECT_TRUE(contains(role_en.err, "requires the role")) << role_en.describe();
  // With --json the refusal is also a JSON error object on stdout, in the chosen language.
  json j = ws.json({"--lang", "en", "act", n, "request_qa", "--as", "qa"}, 4);
  EXPECT_EQ(j["error"].value("code", ""), "permission_denied") << j.dump();
  EXPECT_TRUE(contains(j["error"].value("message", ""), "requires the role")) << j.dump();
}

TEST(CliShape, DocumentedExitCodes) {
  Workspace ws;
  ws.copy_office_from(office_template());
  Outcome help = ws.ok({"--help"});
  for (const char* doc : {"2 argumento inválido/invalid argument", "3 no existe/not found", "4 no permitido/not allowed",
                          "5 rechazado por el procedimiento/refused by a guard", "6 conflicto/conflict", "7 verificación fallida/verification failed"}) {
    EXPECT_TRUE(contains(help.out, doc)) << doc << "\n" << help.describe();
  }
  const std::string n = new_release(ws, "maintenance", "2.4", "lead");
  ws.fails(2, {"record", n, "window", "from", "--as", "op"});                    // invalid argument
  ws.fails(3, {"release", "show", "PP-2000-9999"});                              // not found
  ws.fails(4, {"act", n, "request_qa", "--as", "op"});                           // not allowed
  ws.fails(5, {"act", n, "cancel", "--as", "lead"});                             // guard: a note is required
  ws.fails(6, {"act", n, "approve", "--as", "chief"});                           // conflict: not in that state
  ws.fails(6, {"user", "add", "qa", "--name", "Duplicada", "--role", "qa_lead"});  // conflict: exists
  EXPECT_EQ(state_of(ws, n), "draft");
}

// Usage errors (missing option, bad value, unknown command) are invalid arguments: the help
// documents exit 2 for them.
TEST(CliShape, UsageErrorsExitWithInvalidArgument) {
  Workspace ws;
  ws.copy_office_from(office_template());
  const std::string n = new_release(ws, "maintenance", "2.4", "lead");
  std::string bugs;
  for (const Args& args : {Args{"release", "new", "--system", "SIS", "--kind", "maintenance", "--version", "2.5", "--title", "T"},
                           Args{"system", "add", "X", "--name", "Y", "--origin", "bogus"}, Args{"review", n, "install_manual", "maybe", "--as", "op"},
                           Args{"frobnicate"}, Args{"--lang", "fr", "init"}}) {
    Outcome o = ws.cli(args);
    EXPECT_NE(o.exit_code, 0) << o.describe();
    EXPECT_FALSE(o.err.empty()) << o.describe();
    EXPECT_TRUE(o.out.empty()) << o.describe();
    if (o.exit_code != 2) bugs += "\n  exit " + std::to_string(o.exit_code) + " for: " + o.command;
  }
  EXPECT_EQ(state_of(ws, n), "draft");
  if (!bugs.empty()) {
    FAIL() << "command-line usage errors exit with CLI11's own codes (105 ValidationError, 106 RequiredError, ...) "
                    "instead of the documented 2 (invalid argument):"
                 << bugs;
  }
}

// `procedure check FILE`: a valid edition prints its differences from the edition in force; a
// broken one is refused naming the file and line, with the usage exit code.
TEST(CliShape, ProcedureCheckValidatesAnEditionAndListsItsDifferences) {
  Workspace ws;
  std::string text(pasaprod::builtin_procedure_yaml());
  const std::string from = "edition: \"02\"";
  text.replace(text.find(from), from.size(), "edition: \"03\"");
  const std::string cancel = "    I: [production_lead, release_operator, everyone]\n";
  ASSERT_NE(text.find(cancel), std::string::npos);
  text.replace(text.find(cancel), cancel.size(), "    I: [production_lead, release_operator, asi_head, everyone]\n");
  const json ok = ws.json({"procedure", "check", ws.write_file("edition-03.yaml", text)});
  EXPECT_TRUE(ok.value("ok", false)) << ok.dump();
  EXPECT_EQ(ok.value("edition", ""), "03");
  EXPECT_EQ(ok.value("in_force", ""), "02");
  ASSERT_EQ(ok.at("changes").size(), 3u) << ok.dump();  // cancel from approved, for each kind
  EXPECT_EQ(ok.at("changes")[0].value("what", ""), "action");

  std::string broken = text;
  const std::string guard = "      - deployment_recorded\n";
  broken.replace(broken.find(guard), guard.size(), "      - deployment_logged\n");
  Outcome bad = ws.cli({"procedure", "check", ws.write_file("broken.yaml", broken)});
  EXPECT_EQ(bad.exit_code, 2) << bad.describe();
  EXPECT_NE(bad.err.find("broken.yaml:"), std::string::npos) << bad.describe();
  EXPECT_NE(bad.err.find("deployment_logged"), std::string::npos) << bad.describe();

  // `procedure load FILE --effective DATE` puts it in force from that date; `procedure list`
  // shows both editions; the same edition again is refused (exit 6) and a past date (exit 2).
  const std::string file = ws.write_file("edition-03.yaml", text);
  Outcome past = ws.cli({"procedure", "load", file, "--effective", "2020-01-01"});
  EXPECT_EQ(past.exit_code, 2) << past.describe();
  const json loaded = ws.json({"procedure", "load", file, "--effective", "2099-01-02"});
  EXPECT_EQ(loaded.value("edition", ""), "03") << loaded.dump();
  EXPECT_EQ(loaded.value("effective_date", ""), "2099-01-02");
  EXPECT_FALSE(loaded.value("in_force", true));
  Outcome again = ws.cli({"procedure", "load", file, "--effective", "2099-02-01"});
  EXPECT_EQ(again.exit_code, 6) << again.describe();
  const json list = ws.json({"procedure", "list"});
  ASSERT_EQ(list.at("items").size(), 2u) << list.dump();
  EXPECT_TRUE(list.at("items")[0].value("builtin", false));
  EXPECT_TRUE(list.at("items")[0].value("in_force", false));
  EXPECT_EQ(list.at("items")[1].value("edition", ""), "03");
  EXPECT_EQ(list.at("items")[1].value("sha256", ""), loaded.value("sha256", "-"));
}

}  // namespace
}  // namespace clitest
