// plan_new_release: who opens each kind, retired systems, title and summary, the declared-major
// flag and the version policy.
#include <gtest/gtest.h>

#include "core_test_util.h"

namespace pasaprod::test {
namespace {

NewReleaseInput input(std::string kind, std::string version, std::string title = "Módulo de matrícula") {
  NewReleaseInput in;
  in.kind = std::move(kind);
  in.version = std::move(version);
  in.title = std::move(title);
  in.summary = "Cambios de la versión";
  return in;
}

class NewRelease : public ::testing::Test {
 protected:
  const Procedure& p = builtin();
  Cast c = default_cast();
  System sys = SystemBuilder().version("2.3");
  Timestamp now = at("2026-03-01T08:00:00Z");
};

TEST_F(NewRelease, OpensADraftUnderTheCurrentEdition) {
  auto r = plan_new_release(p, sys, {}, c.pl, input("maintenance", " 2.4 ", "  Reportes de notas  "), now);
  ASSERT_TRUE(Allowed(r));
  EXPECT_EQ(r->state, "draft");
  EXPECT_EQ(r->edition, "02");
  EXPECT_EQ(r->system, kSys);
  EXPECT_EQ(r->kind, "maintenance");
  EXPECT_EQ(r->version, "2.4");
  EXPECT_EQ(r->title, "Reportes de notas");
  EXPECT_EQ(r->requester, "pl");
  EXPECT_EQ(r->created_at, now);
  EXPECT_EQ(r->updated_at, now);
  EXPECT_EQ(r->row_version, 1);
  EXPECT_TRUE(r->number.empty()) << "the caller assigns the number";
  EXPECT_TRUE(r->files.empty());
}

TEST_F(NewRelease, ProjectAndMaintenanceAreOpenedByTheSystemsProjectLead) {
  EXPECT_TRUE(Allowed(plan_new_release(p, sys, {}, c.pl, input("project", "3.0"), now)));
  EXPECT_TRUE(Allowed(plan_new_release(p, sys, {}, c.pl, input("maintenance", "2.4"), now)));
  for (const User* u : {&c.qa, &c.prod, &c.op, &c.chief, &c.fu, &c.admin}) {
    auto r = plan_new_release(p, sys, {}, *u, input("maintenance", "2.4"), now);
    ASSERT_TRUE(Refused(r, Code::permission_denied, "role.required")) << u->username;
    EXPECT_EQ(details(r.error(), "required_role"), std::vector<std::string>{"project_lead"});
  }
  const User other = UserBuilder("other").role_for("project_lead", kOther);
  auto r = plan_new_release(p, sys, {}, other, input("project", "3.0"), now);
  ASSERT_TRUE(Refused(r, Code::permission_denied, "role.required"));
  EXPECT_NE(r.error().en.find("(for system SIAGIE)"), std::string::npos) << r.error().en;
}

TEST_F(NewRelease, EmergencyIsOpenedByProjectLeadQaLeadOrProductionLead) {
  for (const User* u : {&c.pl, &c.qa, &c.prod}) {
    EXPECT_TRUE(Allowed(plan_new_release(p, sys, {}, *u, input("emergency", "2.3.1"), now))) << u->username;
  }
  for (const User* u : {&c.op, &c.chief, &c.c1, &c.admin}) {
    EXPECT_TRUE(Refused(plan_new_release(p, sys, {}, *u, input("emergency", "2.3.1"), now), Code::permission_denied, "role.required"))
        << u->username;
  }
}

TEST_F(NewRelease, InactiveUserCannotOpen) {
  const User gone = UserBuilder("gone").role_for("project_lead", kSys).inactive();
  EXPECT_TRUE(Refused(plan_new_release(p, sys, {}, gone, input("maintenance", "2.4"), now), Code::permission_denied, "role.required"));
}

TEST_F(NewRelease, RetiredSystemTakesNoRelease) {
  const System retired = SystemBuilder().version("2.3").status("retired");
  auto r = plan_new_release(p, retired, {}, c.pl, input("maintenance", "2.4"), now);
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "system.retired"));
  EXPECT_NE(r.error().en.find("SIAGIE"), std::string::npos);
}

TEST_F(NewRelease, SystemInDevelopmentStartsWithProject1_0) {
  const System fresh = SystemBuilder().status("in_development");
  EXPECT_TRUE(Allowed(plan_new_release(p, fresh, {}, c.pl, input("project", "1.0"), now)));
  auto m = plan_new_release(p, fresh, {}, c.pl, input("maintenance", "0.1"), now);
  EXPECT_TRUE(Refused(m, Code::failed_precondition, "version.no_production"));
}

TEST_F(NewRelease, TitleIsRequiredAndAtMost200Characters) {
  for (const std::string& title : {std::string(""), std::string("   \t"), std::string(201, 't')}) {
    auto r = plan_new_release(p, sys, {}, c.pl, input("maintenance", "2.4", title), now);
    ASSERT_TRUE(Refused(r, Code::invalid_argument, "release.bad_title")) << title.size();
    EXPECT_EQ(r.error().detail("field"), "title");
  }
  EXPECT_TRUE(Allowed(plan_new_release(p, sys, {}, c.pl, input("maintenance", "2.4", std::string(200, 't')), now)));
}

TEST_F(NewRelease, SummaryIsAtMost20000Characters) {
  NewReleaseInput in = input("maintenance", "2.4");
  in.summary = std::string(20000, 's');
  EXPECT_TRUE(Allowed(plan_new_release(p, sys, {}, c.pl, in, now)));
  in.summary += "s";
  auto r = plan_new_release(p, sys, {}, c.pl, in, now);
  ASSERT_TRUE(Refused(r, Code::invalid_argument, "release.bad_summary"));
  EXPECT_EQ(r.error().detail("field"), "summary");
}

TEST_F(NewRelease, OnlyMaintenanceMayBeDeclaredMajor) {
  NewReleaseInput in = input("maintenance", "3.0");
  in.declared_major = true;
  auto ok = plan_new_release(p, sys, {}, c.pl, in, now);
  ASSERT_TRUE(Allowed(ok));
  EXPECT_TRUE(ok->declared_major);
  for (const auto& [kind, version] : std::vector<std::pair<std::string, std::string>>{{"project", "3.0"}, {"emergency", "2.3.1"}}) {
    NewReleaseInput bad = input(kind, version);
    bad.declared_major = true;
    EXPECT_TRUE(Refused(plan_new_release(p, sys, {}, c.pl, bad, now), Code::invalid_argument, "version.major_flag")) << kind;
  }
}

TEST_F(NewRelease, VersionPolicyIsEnforcedWithTheExpectedVersion) {
  auto r = plan_new_release(p, sys, {VersionUse{"2.4", "in_qa", "PP-2026-0001"}}, c.pl, input("maintenance", "2.4"), now);
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "version.used"));
  EXPECT_EQ(r.error().detail("expected_version"), "2.5");
  auto wrong = plan_new_release(p, sys, {}, c.pl, input("maintenance", "2.7"), now);
  ASSERT_TRUE(Refused(wrong, Code::failed_precondition, "version.expected"));
  EXPECT_EQ(wrong.error().detail("expected_version"), "2.4");
  EXPECT_TRUE(Refused(plan_new_release(p, sys, {}, c.pl, input("maintenance", "dos.cuatro"), now), Code::invalid_argument,
                      "version.invalid"));
}

TEST_F(NewRelease, UnknownKindIsInvalidArgument) {
  EXPECT_TRUE(Refused(plan_new_release(p, sys, {}, c.pl, input("hotfix", "2.3.1"), now), Code::invalid_argument, "kind.unknown"));
}

}  // namespace
}  // namespace pasaprod::test
