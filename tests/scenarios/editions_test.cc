// Editions at run time (Office::load_edition): the example edition 03 differs from 02 by exactly
// one change; refusals change nothing; another office on the same database learns a loaded
// edition before it opens a request; a stored edition altered behind the office is caught.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "core/procedure_diff.h"
#include "scratch_office.h"
#include "service/demo.h"
#include "storage/replay.h"

namespace pasaprod {
namespace {

std::string example_edition() {
  std::ifstream in(std::string(PASAPROD_SOURCE_DIR) + "/procedures/edition-03-example.yaml", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty());
  return text.str();
}

const Caller kAdmin{"admin"};

class Editions : public ScratchOfficeTest {
 protected:
  Editions() : ScratchOfficeTest("pasaprod-editions") {}

  void seed() { ASSERT_TRUE(seed_demo_people_and_systems(*office_, nullptr)); }
  std::size_t stored() {
    std::size_t n = 0;
    EXPECT_TRUE(store_->read([&](ReadTx& tx) {
      n = tx.editions(false).size();
      return ok_status();
    }));
    return n;
  }
  std::int64_t last_seq() {
    std::int64_t seq = 0;
    EXPECT_TRUE(store_->read([&](ReadTx& tx) {
      if (auto e = tx.last_event()) seq = e->seq;
      return ok_status();
    }));
    return seq;
  }
};

TEST(EditionExample, DiffersFromEdition02OnlyByTheMaintenanceKind) {
  auto builtin = load_procedure(builtin_procedure_yaml(), "edition-02.yaml");
  auto example = load_procedure(example_edition(), "edition-03-example.yaml");
  ASSERT_TRUE(builtin && example) << (example ? "" : example.error().en);
  EXPECT_EQ(example->edition, "03");
  const auto changes = procedure_diff(*builtin, *example);
  ASSERT_EQ(changes.size(), 1u) << changes[0].text(Lang::en);
  EXPECT_EQ(changes[0].what, "kind");
  EXPECT_EQ(changes[0].code, "maintenance");
  EXPECT_NE(changes[0].detail_en.find("technical_report"), std::string::npos) << changes[0].detail_en;
}

TEST_F(Editions, RefusalsChangeNothingAndSayWhatToDo) {
  seed();
  const std::int64_t seq = last_seq();
  const std::string yaml = example_edition();
  struct Case {
    Caller who;
    std::string yaml, date, id;
  };
  const std::vector<Case> cases = {
      {Caller{"pedro.lider"}, yaml, "2026-11-04", "role.required"},
      {kAdmin, yaml, "2026-11-01", "procedure.effective_past"},
      {kAdmin, yaml, "2026-02-30", "procedure.bad_date"},
      {kAdmin, yaml, "", "procedure.bad_date"},
      {kAdmin, std::string(builtin_procedure_yaml()), "2026-11-04", "procedure.duplicate_edition"},
      {kAdmin, std::regex_replace(yaml, std::regex("edition: \"03\""), "edition: \"03 bis\""), "2026-11-04",
       "procedure.bad_edition_code"},
      {kAdmin, std::regex_replace(yaml, std::regex("pmo_specialist"), "pmo"), "2026-11-04", "procedure.roles_in_use"},
      {kAdmin, yaml + std::string(Office::kMaxEditionBytes, '#'), "2026-11-04", "procedure.too_large"},
      {kAdmin, "edition: \"03\"\nroles: [", "2026-11-04", ""},
  };
  for (const auto& c : cases) {
    auto r = office_->load_edition(c.who, c.yaml, "edition-03-example.yaml", c.date);
    ASSERT_FALSE(r) << c.id;
    if (!c.id.empty()) {
      EXPECT_EQ(r.error().id, c.id) << r.error().en;
    }
    EXPECT_FALSE(r.error().es.empty());
    EXPECT_EQ(stored(), 0u) << c.id;
    EXPECT_EQ(last_seq(), seq) << c.id;
  }
  auto roles = office_->load_edition(kAdmin, std::regex_replace(yaml, std::regex("pmo_specialist"), "pmo"), "e.yaml", "2026-11-04");
  ASSERT_FALSE(roles);
  EXPECT_NE(roles.error().es.find("pmo_specialist (marco.pmo)"), std::string::npos) << roles.error().es;
  EXPECT_EQ(office_->current_procedure().edition, "02");
}

TEST_F(Editions, AnEditionThatLocksOutTheAdministratorsIsRefused) {
  User root;
  root.username = "root";
  root.grants = {{"admin", ""}};
  ASSERT_TRUE(office_->add_user(Caller{"cli", true}, root));
  // The administering attribute moves to a role nobody holds.
  std::string yaml = example_edition();
  yaml = std::regex_replace(yaml, std::regex("\\{code: admin, administers: true,"), "{code: admin,");
  yaml = std::regex_replace(yaml, std::regex("\\{code: pmo_specialist,"), "{code: pmo_specialist, administers: true,");
  auto r = office_->load_edition(Caller{"root"}, yaml, "e.yaml", "2026-11-04");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().id, "procedure.no_administrator") << r.error().en;
  // An office nobody administers yet (set up from the command line) loses nothing.
  EXPECT_TRUE(office_->set_active(Caller{"cli", true}, "root", false));
  EXPECT_TRUE(office_->check_edition(yaml, "e.yaml"));
}

TEST_F(Editions, LoadedTodayIsInForceFromNowAndAudited) {
  seed();
  auto r = office_->load_edition(kAdmin, example_edition(), "e.yaml", "2026-11-02");
  ASSERT_TRUE(r) << r.error().en;
  EXPECT_EQ(r->effective_from, clock_.now());  // today: from now, not from a past midnight
  EXPECT_TRUE(r->in_force);
  EXPECT_EQ(office_->current_procedure().edition, "03");
  auto events = office_->events("procedure:03", 0, 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].action, "procedure.load");
  EXPECT_NE((*events)[0].after.find(r->sha256), std::string::npos);
  auto list = office_->editions();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_TRUE((*list)[0].builtin);
  EXPECT_FALSE((*list)[0].in_force);
  EXPECT_EQ((*list)[1].code, "03");
  EXPECT_EQ((*list)[1].loaded_by, "admin");
  std::vector<audit::AuditProblem> problems;
  ASSERT_TRUE(store_->read([&](ReadTx& tx) {
    problems = replay_trail(tx);
    return ok_status();
  }));
  EXPECT_TRUE(problems.empty()) << problems[0].en;
}

TEST_F(Editions, AnotherOfficeOnTheSameDatabaseLearnsTheEditionBeforeOpening) {
  seed();
  ProcedureSet other_set = ProcedureSet::builtin();
  Office other(*store_, *library_, clock_, other_set);  // another server node
  ASSERT_TRUE(office_->load_edition(kAdmin, example_edition(), "e.yaml", "2026-11-03"));
  EXPECT_EQ(other.current_procedure().edition, "02");
  clock_.set(parse_iso("2026-11-03T05:00:00Z").value());  // 00:00 in Lima
  auto opened = other.open_release(Caller{"pedro.lider"}, "NEXUS", NewReleaseInput{"maintenance", "2.6", false, true, "Plazas", "Resumen"});
  ASSERT_TRUE(opened) << opened.error().en;
  EXPECT_EQ(opened->edition, "03");
  EXPECT_EQ(other.current_procedure().edition, "03");
}

TEST_F(Editions, AStoredEditionAlteredBehindTheOfficeIsCaught) {
  seed();
  ASSERT_TRUE(office_->load_edition(kAdmin, example_edition(), "e.yaml", "2026-11-03"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "p.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE editions SET yaml = replace(yaml, 'technical_report]', ']')", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ProcedureSet fresh = ProcedureSet::builtin();
  Office restarted(*store_, *library_, clock_, fresh);
  Status st = restarted.refresh_editions();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().id, "procedure.stored_altered");
  std::vector<audit::AuditProblem> problems;
  ASSERT_TRUE(store_->read([&](ReadTx& tx) {
    problems = replay_trail(tx);
    return ok_status();
  }));
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].id, "audit.replay_edition");
}

}  // namespace
}  // namespace pasaprod
