// Under an edition whose administering role and report readers are renamed, the office asks for
// the roles the file marks (`administers`, `reads_reports`, `edits_systems`), whatever their codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "core/time.h"
#include "library/library.h"
#include "service/office.h"
#include "scratch_office.h"
#include "storage/sqlite/sqlite_store.h"
#include "util/system_clock.h"

namespace pasaprod {
namespace {

namespace fs = std::filesystem;

// Edition 02 as edition "02r", with admin, pmo_specialist and production_lead renamed.
Procedure edition_with_renamed_roles() {
  std::string yaml(builtin_procedure_yaml());
  yaml = std::regex_replace(yaml, std::regex("edition: \"02\""), "edition: \"02r\"");
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"admin", "administrador"}, {"pmo_specialist", "especialista_pmo"}, {"production_lead", "jefe_produccion"}}) {
    yaml = std::regex_replace(yaml, std::regex("(^|[^A-Za-z0-9_])" + from + "(?![A-Za-z0-9_])"), "$1" + to);
  }
  auto p = load_procedure(yaml, "edition-02r.yaml");
  EXPECT_TRUE(p) << p.error().en;
  return p ? std::move(*p) : Procedure{};
}

std::vector<std::string> details(const Error& e, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& d : e.details) {
    if (d.key == key) out.push_back(d.value);
  }
  return out;
}

class RenamedRoles : public ScratchOfficeTest {
 protected:
  RenamedRoles() : ScratchOfficeTest("pasaprod-renamed-roles") {
    EXPECT_TRUE(procedures_.add(edition_with_renamed_roles(), /*effective_from=*/1));
  }

  void add(const std::string& username, const std::string& role) {
    User u;
    u.username = username;
    u.grants = {{role, ""}};
    auto r = office_->add_user(Caller{"cli", true}, u);
    ASSERT_TRUE(r) << r.error().en;
  }
};

TEST_F(RenamedRoles, TheRenamedAdministratorAdministers) {
  ASSERT_EQ(office_->current_procedure().administering_role(), "administrador");
  add("ana", "administrador");
  add("dora", "dba");
  User u;
  u.username = "pedro";
  u.grants = {{"especialista_pmo", ""}};
  auto r = office_->add_user(Caller{"ana"}, u);
  ASSERT_TRUE(r) << r.error().en;
  u.username = "pablo";
  auto refused = office_->add_user(Caller{"dora"}, u);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::permission_denied);
  EXPECT_EQ(details(refused.error(), "required_role"), std::vector<std::string>{"administrador"});
  EXPECT_NE(refused.error().en.find("System administrator"), std::string::npos) << refused.error().en;
  System s;
  s.code = "SIGA";
  s.name = "Sistema";
  s.unit = "OTI";
  auto sys = office_->add_system(Caller{"ana"}, s);
  ASSERT_TRUE(sys) << sys.error().en;
}

TEST_F(RenamedRoles, TheRenamedReadersReadTheAdherenceReport) {
  add("ana", "administrador");
  add("pedro", "especialista_pmo");
  add("dora", "dba");
  EXPECT_TRUE(office_->adherence_report(Caller{"pedro"}, {}));
  EXPECT_TRUE(office_->adherence_report(Caller{"ana"}, {}));
  auto refused = office_->adherence_report(Caller{"dora"}, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::permission_denied);
  const auto required = details(refused.error(), "required_role");
  EXPECT_NE(std::find(required.begin(), required.end(), "especialista_pmo"), required.end());
  EXPECT_NE(std::find(required.begin(), required.end(), "administrador"), required.end());
  EXPECT_EQ(std::find(required.begin(), required.end(), "pmo_specialist"), required.end());
}

TEST_F(RenamedRoles, TheRenamedProductionLeadEditsSystems) {
  add("ana", "administrador");
  add("jorge", "jefe_produccion");
  add("dora", "dba");
  System s;
  s.code = "SIGA";
  s.name = "Sistema";
  s.unit = "OTI";
  ASSERT_TRUE(office_->add_system(Caller{"ana"}, s));
  s.name = "Sistema integrado";
  auto edited = office_->update_system(Caller{"jorge"}, s);
  ASSERT_TRUE(edited) << edited.error().en;
  auto refused = office_->update_system(Caller{"dora"}, s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(details(refused.error(), "required_role"), (std::vector<std::string>{"administrador", "jefe_produccion"}));
}

}  // namespace
}  // namespace pasaprod
