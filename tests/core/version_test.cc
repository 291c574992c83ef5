// The version policy of SPEC §4.1, as a table, plus parsing and comparison of versions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core_test_util.h"

namespace pasaprod::test {
namespace {

VersionUse use(std::string version, std::string state, std::string number = "PP-2026-0001") {
  return VersionUse{std::move(version), std::move(state), std::move(number)};
}

// --- Version::parse / str / compare ------------------------------------------------------------

TEST(VersionParse, AcceptsMajorMinorAndMajorMinorPatch) {
  for (const char* text : {"1.0", "2.3", "2.3.1", "0.1", "10.20.30", "1000000.0"}) {
    auto v = Version::parse(text);
    ASSERT_TRUE(Allowed(v)) << text;
    EXPECT_EQ(v->str(), text);
  }
  auto v = Version::parse("2.3.1");
  EXPECT_EQ(v->major(), 2);
  EXPECT_EQ(v->minor(), 3);
  EXPECT_EQ(v->patch(), 1);
  EXPECT_EQ(Version::parse("2.3")->patch(), 0);
}

TEST(VersionParse, RefusesMalformedVersions) {
  for (const char* text : {"", "2", "2.", ".2", "2..3", "2.3.", "2.3.4.5", "v2.3", "2.3-beta", " 2.3", "2.3 ", "02.3",
                           "2.03", "2.3.01", "-1.0", "2,3", "a.b", "1000001.0", "99999999999999999999.0", "2.3\n"}) {
    auto v = Version::parse(text);
    ASSERT_TRUE(Refused(v, Code::invalid_argument, "version.invalid")) << "\"" << text << "\"";
    EXPECT_NE(v.error().en.find("MAJOR.MINOR"), std::string::npos);
    EXPECT_NE(v.error().es.find("MAYOR.MENOR"), std::string::npos);
  }
}

TEST(VersionCompare, IsNumericAndTreatsMissingPatchAsZero) {
  EXPECT_TRUE(*Version::parse("2.9") < *Version::parse("2.10"));
  EXPECT_TRUE(*Version::parse("2.3") < *Version::parse("2.3.1"));
  EXPECT_TRUE(*Version::parse("2.3.9") < *Version::parse("2.4"));
  EXPECT_TRUE(*Version::parse("2.3") == *Version::parse("2.3.0"));
  EXPECT_EQ(Version::parse("3.0")->compare(*Version::parse("2.99.99")), 1);
  EXPECT_EQ(Version::parse("1.0")->compare(*Version::parse("1.0")), 0);
}

// --- production_version --------------------------------------------------------------------------

TEST(ProductionVersion, IsNothingForANewSystem) {
  EXPECT_FALSE(production_version(builtin(), SystemBuilder().status("in_development"), {}).has_value());
}

TEST(ProductionVersion, IsTheHighestOfInitialAndVerifiedOrClosedRequests) {
  const System sys = SystemBuilder().version("2.3");
  EXPECT_EQ(production_version(builtin(), sys, {})->str(), "2.3");
  EXPECT_EQ(production_version(builtin(), sys, {use("2.4", "closed"), use("2.3.1", "closed")})->str(), "2.4");
  EXPECT_EQ(production_version(builtin(), sys, {use("2.4", "verified")})->str(), "2.4");
  // Open, deployed-but-unverified, rolled-back, rejected and cancelled requests are not in production.
  for (const char* state : {"draft", "submitted", "approved", "deployed", "rolled_back", "rejected", "cancelled"}) {
    EXPECT_EQ(production_version(builtin(), sys, {use("2.4", state)})->str(), "2.3") << state;
  }
}

TEST(ProductionVersion, RolledBackReleaseLeavesTheVersionAsItWas) {
  const System sys = SystemBuilder().version("2.3");
  EXPECT_EQ(production_version(builtin(), sys, {use("2.4", "rolled_back")})->str(), "2.3");
}

// --- the policy as a table --------------------------------------------------------------------

struct PolicyRow {
  std::string name;
  std::string initial;  // system's initial production version
  std::vector<VersionUse> uses;
  std::string kind;
  bool declared_major;
  std::string expected;  // expected version, or "" when refused
  std::string error_id;  // when refused
};

std::vector<PolicyRow> policy_table() {
  return {
      {"first project of a new system is 1.0", "", {}, "project", false, "1.0", ""},
      {"first project after a rejected 1.0 is still 1.0", "", {use("1.0", "rejected")}, "project", false, "1.0", ""},
      {"project beside an open first project is 2.0", "", {use("1.0", "draft")}, "project", false, "2.0", ""},
      {"project is the next major", "2.3", {}, "project", false, "3.0", ""},
      {"project beside an open project 3.0 is 4.0", "2.3", {use("3.0", "in_qa")}, "project", false, "4.0", ""},
      {"project after a rolled-back 3.0 is 4.0 (burnt)", "2.3", {use("3.0", "rolled_back")}, "project", false, "4.0", ""},
      {"project after a cancelled 3.0 is 3.0 (freed)", "2.3", {use("3.0", "cancelled")}, "project", false, "3.0", ""},
      {"project counts majors reached by closed releases", "", {use("1.0", "closed"), use("2.0", "closed")}, "project", false, "3.0", ""},
      {"maintenance is the next minor", "2.3", {}, "maintenance", false, "2.4", ""},
      {"maintenance beside an open 2.4 is 2.5", "2.3", {use("2.4", "submitted")}, "maintenance", false, "2.5", ""},
      {"maintenance beside open 2.4 and 2.5 is 2.6", "2.3", {use("2.4", "draft"), use("2.5", "approved")}, "maintenance", false, "2.6", ""},
      {"maintenance after a rejected 2.4 is 2.4 (freed)", "2.3", {use("2.4", "rejected")}, "maintenance", false, "2.4", ""},
      {"maintenance after a cancelled 2.4 is 2.4 (freed)", "2.3", {use("2.4", "cancelled")}, "maintenance", false, "2.4", ""},
      {"maintenance after a rolled-back 2.4 is 2.5 (burnt)", "2.3", {use("2.4", "rolled_back")}, "maintenance", false, "2.5", ""},
      {"maintenance after a closed 2.4 is 2.5", "2.3", {use("2.4", "closed")}, "maintenance", false, "2.5", ""},
      {"maintenance ignores an open emergency 2.3.1", "2.3", {use("2.3.1", "draft")}, "maintenance", false, "2.4", ""},
      {"maintenance over an emergency in production 2.3.1 is 2.4", "2.3", {use("2.3.1", "closed")}, "maintenance", false, "2.4", ""},
      {"maintenance stays in the production series beside an open project 3.0", "2.3", {use("3.0", "draft")}, "maintenance", false, "2.4", ""},
      {"maintenance declared major is the next major", "2.3", {}, "maintenance", true, "3.0", ""},
      {"maintenance declared major beside an open 3.0 is 4.0", "2.3", {use("3.0", "draft")}, "maintenance", true, "4.0", ""},
      {"maintenance of a system whose first project closed is 1.1", "", {use("1.0", "closed")}, "maintenance", false, "1.1", ""},
      {"maintenance with nothing in production is refused", "", {}, "maintenance", false, "", "version.no_production"},
      {"maintenance with only an open project is refused", "", {use("1.0", "approved")}, "maintenance", false, "", "version.no_production"},
      {"maintenance with only a deployed project is refused", "", {use("1.0", "deployed")}, "maintenance", false, "", "version.no_production"},
      {"emergency is the next patch", "2.3", {}, "emergency", false, "2.3.1", ""},
      {"emergency with 2.3 in production and 2.3.1 open is 2.3.2", "2.3", {use("2.3.1", "submitted")}, "emergency", false, "2.3.2", ""},
      {"emergency after a closed 2.3.1 is 2.3.2", "2.3", {use("2.3.1", "closed")}, "emergency", false, "2.3.2", ""},
      {"emergency after a rolled-back 2.3.1 is 2.3.2 (burnt)", "2.3", {use("2.3.1", "rolled_back")}, "emergency", false, "2.3.2", ""},
      {"emergency after a rejected 2.3.1 is 2.3.1 (freed)", "2.3", {use("2.3.1", "rejected")}, "emergency", false, "2.3.1", ""},
      {"emergency after a cancelled 2.3.1 is 2.3.1 (freed)", "2.3", {use("2.3.1", "cancelled")}, "emergency", false, "2.3.1", ""},
      {"emergency ignores an open maintenance 2.4", "2.3", {use("2.4", "pending_approval")}, "emergency", false, "2.3.1", ""},
      {"emergency follows a maintenance 2.4 in production: 2.4.1", "2.3", {use("2.4", "verified")}, "emergency", false, "2.4.1", ""},
      {"emergency goes back to 2.3 series after 2.4 rolled back", "2.3", {use("2.4", "rolled_back")}, "emergency", false, "2.3.1", ""},
      {"emergency on an initial 2.3.4 is 2.3.5", "2.3.4", {}, "emergency", false, "2.3.5", ""},
      {"maintenance on an initial 2.3.4 is 2.4", "2.3.4", {}, "maintenance", false, "2.4", ""},
      {"emergency with nothing in production is refused", "", {}, "emergency", false, "", "version.no_production"},
      {"unknown kind is refused", "2.3", {}, "hotfix", false, "", "kind.unknown"},
  };
}

TEST(VersionPolicy, ExpectedVersionTable) {
  for (const auto& row : policy_table()) {
    SCOPED_TRACE(row.name);
    const System sys = SystemBuilder().version(row.initial);
    auto v = expected_version(builtin(), sys, row.uses, row.kind, row.declared_major);
    if (row.expected.empty()) {
      ASSERT_FALSE(v.ok()) << "got " << v->str();
      EXPECT_EQ(v.error().id, row.error_id);
      EXPECT_EQ(v.error().code, row.error_id == "kind.unknown" ? Code::invalid_argument : Code::failed_precondition);
    } else {
      ASSERT_TRUE(Allowed(v));
      EXPECT_EQ(v->str(), row.expected);
    }
  }
}

TEST(VersionPolicy, CheckVersionAcceptsExactlyTheExpectedVersion) {
  for (const auto& row : policy_table()) {
    if (row.expected.empty()) continue;
    SCOPED_TRACE(row.name);
    const System sys = SystemBuilder().version(row.initial);
    EXPECT_TRUE(Allowed(check_version(builtin(), sys, row.uses, row.kind, row.declared_major, row.expected)));
  }
}

TEST(VersionPolicy, RefusalSpellsOutTheExpectedVersion) {
  const System sys = SystemBuilder().version("2.3");
  struct Case {
    std::string kind;
    bool major;
    std::string target;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{{"maintenance", false, "2.6", "2.4"},
                                         {"maintenance", false, "3.0", "2.4"},
                                         {"maintenance", false, "2.4.0", "2.4"},
                                         {"maintenance", true, "2.4", "3.0"},
                                         {"project", false, "2.4", "3.0"},
                                         {"project", false, "5.0", "3.0"},
                                         {"emergency", false, "2.3.2", "2.3.1"},
                                         {"emergency", false, "2.4", "2.3.1"}}) {
    SCOPED_TRACE(c.kind + " " + c.target);
    auto st = check_version(builtin(), sys, {}, c.kind, c.major, c.target);
    ASSERT_TRUE(Refused(st, Code::failed_precondition, "version.expected"));
    EXPECT_EQ(st.error().detail("expected_version"), c.expected);
    EXPECT_NE(st.error().en.find("the expected version is " + c.expected), std::string::npos) << st.error().en;
    EXPECT_NE(st.error().es.find("la versión esperada es " + c.expected), std::string::npos) << st.error().es;
  }
}

TEST(VersionPolicy, UsedVersionIsRefusedWithTheExpectedVersion) {
  const System sys = SystemBuilder().version("2.3");
  // 2.4 is open; asking for 2.4 again names 2.5.
  auto st = check_version(builtin(), sys, {use("2.4", "in_qa")}, "maintenance", false, "2.4");
  ASSERT_TRUE(Refused(st, Code::failed_precondition, "version.used"));
  EXPECT_EQ(st.error().detail("expected_version"), "2.5");
  // The production version itself is used.
  auto prod = check_version(builtin(), sys, {}, "maintenance", false, "2.3");
  ASSERT_FALSE(prod.ok());
  EXPECT_EQ(prod.error().detail("expected_version"), "2.4");
}

TEST(VersionPolicy, RolledBackVersionStaysBurnt) {
  const System sys = SystemBuilder().version("2.3");
  auto st = check_version(builtin(), sys, {use("2.4", "rolled_back")}, "maintenance", false, "2.4");
  ASSERT_TRUE(Refused(st, Code::failed_precondition, "version.used"));
  EXPECT_EQ(st.error().detail("expected_version"), "2.5");
}

TEST(VersionPolicy, RejectedOrCancelledRequestFreesItsNumber) {
  const System sys = SystemBuilder().version("2.3");
  EXPECT_TRUE(Allowed(check_version(builtin(), sys, {use("2.4", "rejected")}, "maintenance", false, "2.4")));
  EXPECT_TRUE(Allowed(check_version(builtin(), sys, {use("2.4", "cancelled")}, "maintenance", false, "2.4")));
  EXPECT_TRUE(Allowed(check_version(builtin(), sys, {use("2.3.1", "cancelled")}, "emergency", false, "2.3.1")));
}

TEST(VersionPolicy, MaintenanceWithNothingInProductionIsRefused) {
  const System sys = SystemBuilder().status("in_development");
  auto st = check_version(builtin(), sys, {}, "maintenance", false, "1.1");
  ASSERT_TRUE(Refused(st, Code::failed_precondition, "version.no_production"));
  EXPECT_NE(st.error().en.find("1.0"), std::string::npos) << st.error().en;
}

TEST(VersionPolicy, MalformedTargetIsInvalidArgument) {
  const System sys = SystemBuilder().version("2.3");
  for (const char* target : {"", "2", "2.4.", "v2.4", "2.04", "latest"}) {
    EXPECT_TRUE(Refused(check_version(builtin(), sys, {}, "maintenance", false, target), Code::invalid_argument, "version.invalid"))
        << target;
  }
}

TEST(VersionPolicy, MalformedStoredVersionsAreIgnored) {
  // A corrupt stored version neither crashes nor reserves anything.
  const System sys = SystemBuilder().version("2.3");
  auto v = expected_version(builtin(), sys, {use("garbage", "draft"), use("", "closed")}, "maintenance", false);
  ASSERT_TRUE(Allowed(v));
  EXPECT_EQ(v->str(), "2.4");
}

}  // namespace
}  // namespace pasaprod::test
