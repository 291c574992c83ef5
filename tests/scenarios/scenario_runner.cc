// Runs every tests/scenarios/*.scenario file as one test (see README.md in this folder). After
// every step, the adherence report made from the facts the store keeps per release must equal
// a fresh evaluation of the whole histories (Runner::check_adherence).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "storage/postgres/pg.h"
#include "tests/fixtures/pg_scratch.h"
#include "audit/file_anchor.h"
#include "core/manifest.h"
#include "core/version.h"
#include "library/library.h"
#include "tests/library/library_test_util.h"
#include "reports/adherence.h"
#include "reports/adherence_facts.h"
#include "scenario_parse.h"
#include "service/demo.h"
#include "service/office.h"
#include "storage/open/open_store.h"
#include "util/sha256.h"
#include "util/system_clock.h"

namespace pasaprod::scenario {
namespace {

namespace fs = std::filesystem;

// A digest of every row of every table: equal digests mean equal database content.
std::string database_digest(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) throw std::runtime_error("open");
  Sha256 h;
  std::vector<std::string> tables;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  for (const auto& t : tables) {
    h.update("table:" + t + "\n");
    const std::string sql = "SELECT * FROM \"" + t + "\" ORDER BY 1";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) continue;
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* v = sqlite3_column_text(st, i);
        const std::string cell = v ? reinterpret_cast<const char*>(v) : "<null>";
        h.update(std::to_string(cell.size()) + ":" + cell + "|");
      }
      h.update("\n");
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return h.hex_digest();
}

// The same on PostgreSQL: every row of every table of the database at `url`, as text.
std::string pg_database_digest(const std::string& url) {
  pg::Connection db(url, "");
  Sha256 h;
  pg::Result tables = db.exec("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
  for (int i = 0; i < tables.rows(); ++i) {
    const std::string t = tables.row(i).text(0);
    h.update("table:" + t + "\n");
    // Identifiers cannot be parameters; the names come from the catalog, quoted.
    pg::Result rows = db.exec("SELECT r::text FROM \"" + t + "\" AS r ORDER BY 1");
    for (int j = 0; j < rows.rows(); ++j) h.update(rows.row(j).text(0) + "\n");
  }
  return h.hex_digest();
}

// Where a scenario's database lives: a SQLite file in its folder or, under the fixture
// pg_cluster, a database of its own on that PostgreSQL cluster.
class ScenarioDatabase {
 public:
  explicit ScenarioDatabase(const fs::path& dir)
      : pg_("pasaprod_s" + dir.filename().string() + "_" + dir.parent_path().filename().string()),
        location_(pg_.active() ? pg_.url() : (dir / "p.db").string()) {}
  const std::string& location() const { return location_; }
  std::string digest() const { return pg_.active() ? pg_database_digest(location_) : database_digest(location_); }

 private:
  testing_pg::PgScratchDatabase pg_;
  std::string location_;
};

// What the library at `root` holds: its entries (a file with its size), and each row of
// small.db as "<root>/small.db#<sha256>:<size>" in place of the database's own files (whose
// log grows with every commit) and the session file of its adds.
std::string library_listing(const fs::path& root) {
  std::vector<std::string> entries;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string name = e.path().filename().string();
    if (name == "small.db" || name == "small.db-wal" || name == "small.db-shm" || name.starts_with("session-")) continue;
    entries.push_back(e.path().string() + (e.is_regular_file() ? ":" + std::to_string(e.file_size()) : ""));
  }
  sqlite3* db = nullptr;
  if (fs::exists(root / "small.db") &&
      sqlite3_open_v2((root / "small.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* q = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT sha256, size FROM small_blobs", -1, &q, nullptr) == SQLITE_OK) {
      while (sqlite3_step(q) == SQLITE_ROW) {
        entries.push_back((root / "small.db").string() + "#" + reinterpret_cast<const char*>(sqlite3_column_text(q, 0)) + ":" +
                          std::to_string(sqlite3_column_int64(q, 1)));
      }
    }
    sqlite3_finalize(q);
  }
  sqlite3_close(db);
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const auto& e : entries) out += e + "\n";
  return out;
}

class Runner {
 public:
  explicit Runner(const fs::path& dir)
      : dir_(dir),
        clock_(parse_iso("2026-11-02T09:00:00Z").value()),
        procedures_(ProcedureSet::builtin()),
        anchor_((dir / "p.db.anchor").string()),
        database_(dir),
        store_(std::move(open_store(database_.location(), &anchor_).value())),
        library_(dir / "library"),
        office_(*store_, library_, clock_, procedures_) {
    office_.set_document_key("scenario-document-key");  // the documents are part of the story
  }

  // Begins an upload of each name to `slot` of the current request and streams its content
  // ("contenido de NAME"), without finishing it.
  Result<std::vector<std::unique_ptr<Upload>>> begin_uploads(const Caller& who, const std::string& slot,
                                                             const std::vector<std::string>& names) {
    std::vector<std::unique_ptr<Upload>> uploads;
    for (const std::string& name : names) {
      auto up = office_.begin_upload(who, current_, slot, name, std::nullopt, Library::kNoLimit);
      if (!up) return up.error();
      const std::string content = "contenido de " + name;
      if (auto st = (*up)->write(content.data(), content.size()); !st) return st.error();
      uploads.push_back(std::move(*up));
    }
    return uploads;
  }
  Office& office() { return office_; }
  const std::string& current() const { return current_; }
  // The library's files (a discarded blob may leave its empty fan-out directory behind).
  std::string library_files_now() const {
    std::string out;
    std::istringstream all(library_listing(dir_ / "library"));
    for (std::string line; std::getline(all, line);) {
      if (line.find(':') != std::string::npos) out += line + "\n";
    }
    return out;
  }

  // Runs one step; returns "" or a failure description.
  std::string run(const Step& step) {
    const bool refusable = !step.actor.empty();
    std::string before_db, before_lib;
    if (refusable) {
      before_db = database_.digest();
      before_lib = library_listing(dir_ / "library");
    }
    Status st = execute(step);
    if (step.expect_code.empty()) {
      if (!st) return "refused: [" + std::string(code_name(st.error().code)) + " " + st.error().id + "] " + st.error().es;
      return "";
    }
    if (st) return "succeeded, but a refusal " + step.expect_code + " was expected";
    if (code_name(st.error().code) != step.expect_code || (!step.expect_id.empty() && st.error().id != step.expect_id)) {
      return "refused with " + std::string(code_name(st.error().code)) + " " + st.error().id + " (" + st.error().es + "), expected " +
             step.expect_code + " " + step.expect_id;
    }
    if (st.error().es.empty() || st.error().en.empty()) return "refusal without a message in both languages";
    if (refusable) {
      if (database_.digest() != before_db) return "the refusal changed the database";
      if (library_listing(dir_ / "library") != before_lib) return "the refusal changed the library";
    }
    return "";
  }

  // The adherence report the office serves equals a fresh evaluation of every release's whole
  // history (reports::compute_adherence over ReadTx::release). Run after every step: the first
  // report reads whole what the step changed (its stored facts were dropped) and keeps their
  // facts; then every release has current facts, and the second report is made from them
  // alone. Returns "" or what differs.
  std::string check_adherence() {
    std::string fresh;
    Status st = store_->read([&](ReadTx& tx) -> Status {
      ReleaseFilter all;
      all.limit = 1000000;
      std::vector<Release> releases;
      for (const ReleaseSummary& s : tx.releases(all).items) releases.push_back(tx.release(s.number).value());
      // In the report's order: by number, then oldest first.
      std::sort(releases.begin(), releases.end(), [](const Release& a, const Release& b) { return a.number < b.number; });
      std::stable_sort(releases.begin(), releases.end(), [](const Release& a, const Release& b) { return a.created_at < b.created_at; });
      reports::AdherenceOptions o;
      o.as_of = clock_.now();
      o.zone = office_.time_zone();
      fresh = reports::adherence_json(reports::compute_adherence(office_.current_procedure(), releases, tx.systems(), o), Lang::en).dump();
      return ok_status();
    });
    if (!st) return "reading the releases: " + st.error().en;
    for (const char* pass : {"first", "second"}) {
      auto report = office_.adherence_report(Caller{"scenario", true}, AdherenceQuery{});
      if (!report) return "adherence report refused: " + report.error().en;
      if (reports::adherence_json(*report, Lang::en).dump() != fresh) {
        return std::string("the ") + pass + " adherence report differs from a fresh evaluation of the whole histories";
      }
      int whole = 0;  // releases without current stored facts
      st = store_->read([&](ReadTx& tx) -> Status {
        tx.for_each_release_derived(ReleaseFilter{}, reports::adherence_facts_key(office_.current_procedure()),
                                    [&](const Release&, const std::string* value) { whole += value == nullptr; });
        return ok_status();
      });
      if (!st) return "reading the stored facts: " + st.error().en;
      if (whole != 0) return std::to_string(whole) + " releases without stored facts after the " + pass + " report";
    }
    return "";
  }

 private:
  std::string expand(const std::string& v) const {
    if (v.rfind("$now", 0) != 0) return v;
    Timestamp t = clock_.now();
    if (v.size() > 4) t += offset_ms(v.substr(4));
    return format_iso(t);
  }

  static Timestamp offset_ms(const std::string& s) {
    const int sign = s[0] == '-' ? -1 : 1;
    const std::string num = s.substr(s[0] == '+' || s[0] == '-' ? 1 : 0);
    const char unit = num.back();
    const long long n = std::stoll(num.substr(0, num.size() - 1));
    const long long per = unit == 'd' ? 86400000LL : unit == 'h' ? 3600000LL : unit == 'm' ? 60000LL : 1000LL;
    return sign * n * per;
  }

  static Status fail(const std::string& what) { return make_error(Code::internal, "scenario.check", what, what); }

  const DeliverableFile* find_file(const Release& r, const std::string& slot, const std::string& name) {
    for (const auto& f : r.files) {
      if (f.slot == slot && f.name == name) return &f;
    }
    return nullptr;
  }

  Status execute(const Step& s) {
    const auto& w = s.words;
    const std::string& cmd = w[0];
    auto arg = [&](std::size_t i) -> std::string { return i < w.size() ? w[i] : std::string(); };
    const Caller who{s.actor};
    if (s.actor.empty()) {
      if (cmd == "setup" && arg(1) == "demo") return seed_demo_people_and_systems(office_, nullptr);
      if (cmd == "clock") {
        clock_.set(parse_iso(arg(1)).value());
        return ok_status();
      }
      if (cmd == "advance") {
        clock_.advance_ms(offset_ms(arg(1)));
        return ok_status();
      }
      if (cmd == "use") {
        current_ = arg(1);
        return ok_status();
      }
      if (cmd == "setting") return office_.set_setting(Caller{"scenario", true}, arg(1), arg(2));
      if (cmd == "adduser") {
        User u;
        u.username = arg(1);
        for (std::size_t i = 2; i < w.size(); ++i) {
          const auto at = w[i].find('@');
          u.grants.push_back({w[i].substr(0, at), at == std::string::npos ? "" : w[i].substr(at + 1)});
        }
        auto r = office_.add_user(Caller{"scenario", true}, u);
        return r ? ok_status() : Status(r.error());
      }
      if (cmd == "corrupt") {
        auto v = office_.view(current_, "");
        if (!v) return v.error();
        const DeliverableFile* f = find_file(v->release, arg(1), arg(2));
        if (!f) return fail("no such file to corrupt");
        testing_library::alter_blob(library_, f->sha256);  // its file or its row of small.db
        return ok_status();
      }
      if (cmd == "expect") return expect(s);
      return fail("unknown directive " + cmd);
    }
    if (cmd == "open") {
      auto r = office_.open_release(who, arg(1), NewReleaseInput{arg(2), arg(3), arg(5) == "major", arg(5) != "no-database", arg(4),
                                                                         "Resumen de " + arg(4)});
      if (!r) return r.error();
      current_ = r->number;
      return ok_status();
    }
    if (cmd == "upload") {
      const std::string content = w.size() > 3 ? arg(3) : "contenido de " + arg(2);
      auto up = office_.begin_upload(who, current_, arg(1), arg(2), std::nullopt, Library::kNoLimit);
      if (!up) return up.error();
      if (auto st = (*up)->write(content.data(), content.size()); !st) return st;
      auto f = (*up)->finish();
      return f ? ok_status() : Status(f.error());
    }
    if (cmd == "upload-together") {  // upload-together SLOT NAME...: one form's files, recorded together
      auto uploads = begin_uploads(who, arg(1), {w.begin() + 2, w.end()});
      if (!uploads) return uploads.error();
      auto f = office_.finish_uploads(std::move(*uploads));
      return f ? ok_status() : Status(f.error());
    }
    if (cmd == "remove") return office_.remove_deliverable(who, current_, arg(1), arg(2));
    if (cmd == "load-edition") {  // load-edition FILE DATE: FILE relative to the source tree
      std::ifstream in(fs::path(PASAPROD_SOURCE_DIR) / arg(1), std::ios::binary);
      if (!in) return fail("cannot read " + arg(1));
      std::ostringstream yaml;
      yaml << in.rdbuf();
      auto e = office_.load_edition(who, yaml.str(), arg(1), arg(2));
      return e ? ok_status() : Status(e.error());
    }
    if (cmd == "review") {
      auto r = office_.review(who, current_, arg(1), arg(2), arg(3));
      return r ? ok_status() : Status(r.error());
    }
    if (cmd == "review-all") {
      auto v = office_.view(current_, "");
      if (!v) return v.error();
      for (const auto& slot : v->proc->kind(v->release.kind)->slots) {
        if (v->release.files_in(slot).empty()) continue;
        auto r = office_.review(who, current_, slot, "accepted", "");
        if (!r) return r.error();
      }
      return ok_status();
    }
    if (cmd == "record") {
      std::map<std::string, std::string> fields;
      for (std::size_t i = 2; i < w.size(); ++i) {
        const auto eq = w[i].find('=');
        if (eq == std::string::npos) return fail("record fields are key=value");
        fields[w[i].substr(0, eq)] = expand(w[i].substr(eq + 1));
      }
      auto r = office_.record(who, current_, arg(1), fields);
      return r ? ok_status() : Status(r.error());
    }
    if (cmd == "act") {
      auto r = office_.act(who, current_, ActionInput{arg(1), arg(2), {}});
      return r ? ok_status() : Status(r.error());
    }
    if (cmd == "freeze") {
      auto r = office_.add_freeze(who, parse_iso(expand(arg(1))).value(), parse_iso(expand(arg(2))).value(), arg(3));
      return r ? ok_status() : Status(r.error());
    }
    return fail("unknown command " + cmd);
  }

  Status expect(const Step& s) {
    const auto& w = s.words;
    auto arg = [&](std::size_t i) -> std::string { return i < w.size() ? w[i] : std::string(); };
    const std::string what = arg(1);
    if (what == "production") {
      auto v = office_.system_view(arg(2));
      if (!v) return v.error();
      if (v->production_version != arg(3)) return fail("production version of " + arg(2) + " is " + v->production_version + ", expected " + arg(3));
      return ok_status();
    }
    if (what == "system") {  // expect system CODE FIELD VALUE (status, asset_id, indecopi_*)
      auto v = office_.system_view(arg(2));
      if (!v) return v.error();
      const System& sys = v->system;
      const std::map<std::string, std::string> fields = {{"status", sys.status},
                                                         {"asset_id", sys.asset_id},
                                                         {"indecopi_requested_on", sys.indecopi.requested_on},
                                                         {"indecopi_file_number", sys.indecopi.file_number},
                                                         {"indecopi_status", sys.indecopi.status}};
      auto it = fields.find(arg(3));
      if (it == fields.end()) return fail("unknown system field " + arg(3));
      return it->second == arg(4) ? ok_status() : fail(arg(3) + " of " + arg(2) + " is \"" + it->second + "\", expected " + arg(4));
    }
    if (what == "in-force") {  // expect in-force CODE: the edition new requests are opened under
      const std::string code = office_.current_procedure().edition;
      return code == arg(2) ? ok_status() : fail("edition in force is " + code + ", expected " + arg(2));
    }
    if (what == "audit") {
      auto report = store_->verify_audit();
      return report.ok ? ok_status() : fail("audit trail does not verify");
    }
    if (what == "library") {
      return library_.verify().ok() ? ok_status() : fail("library does not verify");
    }
    auto v = office_.view(current_, "");
    if (!v) return v.error();
    const Release& r = v->release;
    if (what == "state") return r.state == arg(2) ? ok_status() : fail("state is " + r.state + ", expected " + arg(2));
    if (what == "observations") {
      return std::to_string(r.observations.size()) == arg(2) ? ok_status() : fail("observations: " + std::to_string(r.observations.size()));
    }
    if (what == "transitions") {
      const auto n = std::count_if(r.transitions.begin(), r.transitions.end(), [&](const Transition& t) { return t.action == arg(2); });
      return std::to_string(n) == arg(3) ? ok_status() : fail(arg(2) + " taken " + std::to_string(n) + " times");
    }
    if (what == "file") return find_file(r, arg(2), arg(3)) ? ok_status() : fail("file missing");
    if (what == "no-file") return find_file(r, arg(2), arg(3)) ? fail("file present") : ok_status();
    if (what == "signoff") {
      const std::string manifest = manifest_sha256(r);
      std::string recorded;
      if (const Transition* t = r.latest_transition(arg(2))) recorded = t->manifest_sha256;
      if (const Record* rec = r.latest_record(arg(2))) recorded = rec->manifest_sha256;
      if (recorded.empty()) return fail("no sign-off " + arg(2));
      const bool fresh = recorded == manifest;
      return (fresh ? "fresh" : "stale") == arg(3) ? ok_status() : fail("sign-off " + arg(2) + " is " + (fresh ? "fresh" : "stale"));
    }
    if (what == "documents") {  // expect documents KIND N
      const auto n = std::count_if(v->documents.begin(), v->documents.end(), [&](const IssuedDocument& d) { return d.kind == arg(2); });
      return std::to_string(n) == arg(3) ? ok_status() : fail(arg(2) + ": " + std::to_string(n) + " documents");
    }
    if (what == "notified") {  // expect notified USER ACTION: the user was told of ACTION on this request
      for (int page = 0;; ++page) {
        auto inbox = office_.inbox(arg(2), page);
        if (!inbox) return inbox.error();
        for (const auto& n : inbox->notifications) {
          if (n.release == r.number && n.action == arg(3)) return ok_status();
        }
        if (!inbox->more_notifications) break;
      }
      return fail(arg(2) + " was not notified of " + arg(3));
    }
    if (what == "mailed" || what == "not-mailed") {  // expect mailed USER R|A|C|I STEP / expect not-mailed USER STEP
      auto all = office_.mails(Caller{"scenario", true}, "", 500, 0);
      if (!all) return all.error();
      const std::string step = what == "mailed" ? arg(4) : arg(3);
      std::string found;
      // "turn:X" matches a mail naming X among its actions ("turn:X,Y").
      const auto names = [&step](const std::string& mailed) {
        if (mailed == step) return true;
        if (step.rfind("turn:", 0) != 0 || mailed.rfind("turn:", 0) != 0) return false;
        const std::string list = "," + mailed.substr(5) + ",";
        return list.find("," + step.substr(5) + ",") != std::string::npos;
      };
      for (const auto& m : *all) {
        if (m.release == r.number && m.username == arg(2) && names(m.step)) found += std::string(1, m.raci);
      }
      if (what == "not-mailed") return found.empty() ? ok_status() : fail(arg(2) + " was mailed " + step + " (" + found + ")");
      if (found.find(arg(3)) != std::string::npos) return ok_status();
      return fail(arg(2) + " was not mailed " + step + " as " + arg(3) + (found.empty() ? "" : " (but as " + found + ")"));
    }
    if (what == "next") {  // expect next USER STEP|none|waiting:ACTION — the user's inbox for this request
      auto inbox = office_.inbox(arg(2));
      if (!inbox) return inbox.error();
      std::vector<std::string> todo, waiting;
      for (const auto& i : inbox->todo) {
        if (i.release.number == r.number) todo.push_back(i.action);
      }
      for (const auto& i : inbox->waiting) {
        if (i.release.number == r.number) waiting.push_back("waiting:" + i.action);
      }
      const std::string want = arg(3);
      std::string got = todo.empty() ? (waiting.empty() ? "none" : waiting.front()) : todo.front();
      if (todo.size() > 1) got = std::to_string(todo.size()) + " steps";
      if (todo.size() + waiting.size() > 1) got += " (and " + std::to_string(todo.size() + waiting.size() - 1) + " more)";
      return got == want ? ok_status() : fail(arg(2) + "'s next step is " + got + ", expected " + want);
    }
    if (what == "edition") return r.edition == arg(2) ? ok_status() : fail("edition is " + r.edition);
    if (what == "version") return r.version == arg(2) ? ok_status() : fail("version is " + r.version);
    return fail("unknown expectation " + what);
  }

  fs::path dir_;
  FixedClock clock_;
  ProcedureSet procedures_;
  audit::FileAnchor anchor_;
  ScenarioDatabase database_;
  std::unique_ptr<AnchoredStore> store_;
  Library library_;
  Office office_;
  std::string current_;
};

std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(SCENARIO_DIR)) {
    if (e.path().extension() == ".scenario") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, Runs) {
  const Scenario sc = parse_scenario(GetParam());
  const fs::path dir = fs::temp_directory_path() / ("pasaprod-scenario-" + std::to_string(::getpid()) + "-" + fs::path(GetParam()).stem().string());
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    Runner runner(dir);
    for (const auto& step : sc.steps) {
      const std::string problem = runner.run(step);
      ASSERT_TRUE(problem.empty()) << sc.file << ":" << step.line << ": " << problem;
      const std::string adherence = runner.check_adherence();
      ASSERT_TRUE(adherence.empty()) << sc.file << ":" << step.line << ": " << adherence;
    }
    // Every story ends with an intact audit trail.
    Step audit;
    audit.words = {"expect", "audit"};
    EXPECT_EQ(runner.run(audit), "");
  }
  fs::remove_all(dir);
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).stem().string();
  std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, ::testing::ValuesIn(scenario_files()), test_name);

// Runs scenario lines (the .scenario syntax) on `runner`; returns "" or the first failure.
std::string run_lines(Runner& runner, const fs::path& dir, const std::string& lines) {
  const fs::path file = dir / "inline.scenario";
  std::ofstream(file) << "# name: inline\n# description: steps of a test\n" << lines;
  for (const auto& step : parse_scenario(file.string()).steps) {
    if (std::string problem = runner.run(step); !problem.empty()) return "line " + std::to_string(step.line) + ": " + problem;
  }
  return "";
}

// The files of one form are recorded together: when QA accepts the request while they stream
// (its deliverables freeze), recording them is refused and none of them is kept — no
// file on the request, no audit event, no blob in the library.
TEST(UploadTogether, ARequestFrozenMeanwhileKeepsNoneOfTheFiles) {
  const fs::path dir = fs::temp_directory_path() / ("pasaprod-upload-together-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "work");
  {
    Runner runner(dir / "work");
    ASSERT_EQ(run_lines(runner, dir, R"(setup demo
pedro.lider: open NEXUS maintenance 2.6 "Reasignación de plazas"
pedro.lider: upload install_manual i.pdf
pedro.lider: upload user_manual u.pdf
pedro.lider: upload system_manual s.pdf
pedro.lider: upload source_code src.zip
pedro.lider: upload executables nexus.zip
pedro.lider: upload installers setup.exe
pedro.lider: upload db_scripts plazas.sql
pedro.lider: upload backout_plan back.pdf
pedro.lider: act request_qa
carla.calidad: upload qa_acceptance conformidad.pdf
)"),
              "");
    const std::string library_before = runner.library_files_now();
    auto uploads = runner.begin_uploads(Caller{"carla.calidad"}, "qa_acceptance", {"anexo-1.pdf", "anexo-2.pdf"});
    ASSERT_TRUE(uploads) << uploads.error().en;
    ASSERT_EQ(run_lines(runner, dir, "carla.calidad: act qa_accept\n"), "");
    auto events_before = runner.office().events(runner.current(), 0, 1000);
    ASSERT_TRUE(events_before);

    auto recorded = runner.office().finish_uploads(std::move(*uploads));
    ASSERT_FALSE(recorded);
    EXPECT_EQ(recorded.error().id, "deliverables.frozen") << recorded.error().en;
    EXPECT_EQ(run_lines(runner, dir, "expect no-file qa_acceptance anexo-1.pdf\nexpect no-file qa_acceptance anexo-2.pdf\n"), "");
    EXPECT_EQ(runner.office().events(runner.current(), 0, 1000)->size(), events_before->size());
    EXPECT_EQ(runner.library_files_now(), library_before);

    // Uploads of two requests, or of two users, are not recorded together.
    ASSERT_EQ(run_lines(runner, dir, "pedro.lider: open NEXUS maintenance 2.7 \"Otra\"\n"), "");
    auto mine = runner.begin_uploads(Caller{"pedro.lider"}, "db_scripts", {"uno.sql"});
    ASSERT_TRUE(mine);
    std::vector<std::unique_ptr<Upload>> mixed = std::move(*mine);
    ASSERT_EQ(run_lines(runner, dir, "pedro.lider: open NEXUS maintenance 2.8 \"Otra más\"\n"), "");
    auto other = runner.begin_uploads(Caller{"pedro.lider"}, "db_scripts", {"dos.sql"});
    ASSERT_TRUE(other);
    mixed.push_back(std::move(other->front()));
    auto refused = runner.office().finish_uploads(std::move(mixed));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().id, "upload.mixed");
    EXPECT_EQ(runner.library_files_now(), library_before);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pasaprod::scenario
