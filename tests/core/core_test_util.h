// Fixtures for the core unit tests: builders for User, System and Release, a cast of one user
// per role, and Flow, which drives a release request through the built-in procedure by calling
// the engine exactly as the service layer would (plan, then apply the plan).
//
//   Flow f("maintenance");               // SIAGIE 2.3 in production, request for 2.4, all slots filled
//   ASSERT_TRUE(f.advance_to("approved"));
//   auto plan = f.try_act(f.who.op, "deploy");
//   EXPECT_TRUE(Refused(plan, Code::failed_precondition, "guard.backup_missing"));
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/engine.h"
#include "core/guards.h"
#include "core/manifest.h"
#include "core/procedure.h"
#include "core/status.h"
#include "core/version.h"

namespace pasaprod::test {

inline constexpr const char* kSys = "SIAGIE";    // the system under release in most tests
inline constexpr const char* kOther = "SUP";     // another information system

// The built-in edition 02, loaded once.
const Procedure& builtin();

// Code → another code. renamed_builtin() is edition 02 with every code in renames() (record
// types, actions, the states and roles C++ once named, choice values) replaced where the file
// names it: the proof that C++ reads what a code means from its attributes, not its name.
using Names = std::map<std::string, std::string>;
// `code` under `names` (itself when not renamed).
std::string named(const Names& names, const std::string& code);
const Names& renames();
const Procedure& renamed_builtin();

// Milliseconds since the epoch of an ISO text; aborts the test on a bad literal.
Timestamp at(const std::string& iso);

// ---------------------------------------------------------------------------------------------
// Builders.

class UserBuilder {
 public:
  explicit UserBuilder(std::string username);
  UserBuilder& role(std::string role);                          // office-wide
  UserBuilder& role_for(std::string role, std::string system);  // per-system
  UserBuilder& inactive();
  User build() const { return u_; }
  operator User() const { return u_; }  // NOLINT: builder

 private:
  User u_;
};

class SystemBuilder {
 public:
  explicit SystemBuilder(std::string code = kSys);
  SystemBuilder& version(std::string v);  // initial production version
  SystemBuilder& status(std::string s);
  System build() const { return s_; }
  operator System() const { return s_; }  // NOLINT: builder

 private:
  System s_;
};

// A release as stored, built directly (no engine): for tests that need a precise situation.
class ReleaseBuilder {
 public:
  explicit ReleaseBuilder(std::string kind);
  ReleaseBuilder& version(std::string v);
  ReleaseBuilder& state(std::string s);
  ReleaseBuilder& requester(std::string u);
  ReleaseBuilder& system(std::string code);
  // A file whose digest and size are computed from `content`.
  ReleaseBuilder& file(std::string slot, std::string name, std::string content);
  // One file in every uploadable slot of the kind.
  ReleaseBuilder& all_files();
  ReleaseBuilder& transition(std::string action, std::string by, std::string manifest);
  ReleaseBuilder& record(std::string type, std::string by, std::map<std::string, std::string> fields, std::string manifest);
  Release build() const { return r_; }
  operator Release() const { return r_; }  // NOLINT: builder

 private:
  Release r_;
};

DeliverableFile make_file(const std::string& slot, const std::string& name, const std::string& content);

// One person per role; per-system roles are for kSys.
struct Cast {
  User pl;      // project_lead (SIAGIE)
  User qa;      // qa_lead
  User op;      // release_operator
  User prod;    // production_lead
  User dba;     // dba
  User sec;     // security_officer
  User infra;   // infra_specialist
  User asi;     // asi_head
  User chief;   // it_chief
  User fu;      // functional_user (SIAGIE)
  User c1, c2, c3, c4;  // emergency_committee
  User pmo;     // pmo_specialist
  User admin;   // admin
  User nobody;  // no role at all
};
// `names`: the procedure's codes for edition 02's role codes (renames() for renamed_builtin()).
Cast default_cast(const Names& names = {});

// ---------------------------------------------------------------------------------------------
// Assertions on refusals.

std::string describe(const Error& e);

template <class T>
::testing::AssertionResult Refused(const Result<T>& r, Code code, const std::string& id) {
  if (r.ok()) return ::testing::AssertionFailure() << "expected refusal " << id << " (" << code_name(code) << "), got success";
  const Error& e = r.error();
  if (e.code != code || e.id != id) {
    return ::testing::AssertionFailure() << "expected " << id << " (" << code_name(code) << "), got " << describe(e);
  }
  return ::testing::AssertionSuccess();
}
::testing::AssertionResult Refused(const Status& s, Code code, const std::string& id);
::testing::AssertionResult Refused(const std::optional<Error>& e, Code code, const std::string& id);

template <class T>
::testing::AssertionResult Allowed(const Result<T>& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "refused: " << describe(r.error());
}
::testing::AssertionResult Allowed(const Status& s);
::testing::AssertionResult Passes(const std::optional<Error>& e);

// True when the error has a detail key=value.
bool has_detail(const Error& e, const std::string& key, const std::string& value);
// All values of a detail key, in order.
std::vector<std::string> details(const Error& e, const std::string& key);

// ---------------------------------------------------------------------------------------------
// Flow: one release request of kSys driven through the built-in procedure.

class Flow {
 public:
  // System kSys with 2.3 in production; the request is opened by `who.pl` through
  // plan_new_release for the version the policy expects (project 3.0, maintenance 2.4,
  // emergency 2.3.1); every uploadable slot gets one file unless `fill` is false.
  explicit Flow(const std::string& kind, bool fill = true);
  // The same under `proc`, whose codes are edition 02's renamed by `names`.
  Flow(const Procedure& proc, Names names, const std::string& kind, bool fill = true);

  const Procedure& proc;
  Names names;
  Cast who;
  System system;
  Release rel;
  Timestamp now;
  std::vector<std::string> committee;  // usernames of the committee members (c1, c2, c3)
  std::vector<FreezeWindow> freezes;
  std::string quorum_setting;
  std::optional<std::string> deployed_manifest;  // nullopt: advance_to sets it to the approved one
  const TimeZone* zone = nullptr;                 // the office's zone (null: UTC)
  // Steps advance_to leaves out: record types ("security_conformity"), "reviews", "votes".
  std::set<std::string> skip;

  Situation sit() const;
  // The procedure's code for edition 02's `code`.
  std::string N(const std::string& code) const;

  // Plans without applying.
  Result<ActionPlan> try_act(const User& actor, const std::string& action, const std::string& note = "") const;
  Result<Record> try_record(const User& actor, const std::string& type, const std::map<std::string, std::string>& fields) const;
  Result<Review> try_review(const User& actor, const std::string& slot, const std::string& verdict, const std::string& note = "") const;
  Status try_upload(const User& actor, const std::string& slot, const std::string& name) const;

  // Plans and applies; fails (returns a failure naming the refusal) when refused.
  ::testing::AssertionResult act(const User& actor, const std::string& action, const std::string& note = "");
  ::testing::AssertionResult record(const User& actor, const std::string& type, const std::map<std::string, std::string>& fields);
  ::testing::AssertionResult review(const std::string& slot, const std::string& verdict, const std::string& note = "");
  ::testing::AssertionResult review_all(const std::string& verdict = "accepted");
  // Adds or replaces (same slot and name) a file, as `who.pl`.
  ::testing::AssertionResult upload(const std::string& slot, const std::string& name, const std::string& content);
  // Empties a slot directly (as if nothing had been uploaded there).
  void clear_slot(const std::string& slot);

  // The records prepare_report's checklist needs (window, infra, security, dba), minus `skip`.
  ::testing::AssertionResult checklist_records();
  // Follows the kind's happy path from the current state until `state`.
  ::testing::AssertionResult advance_to(const std::string& state);

  // The fields of a deployment record listing every step of the kind.
  std::map<std::string, std::string> deployment_fields() const;
  const std::string& window_from() const { return window_from_; }
  const std::string& window_to() const { return window_to_; }

 private:
  ::testing::AssertionResult step();
  std::string window_from_ = "2026-03-10T08:00:00Z";
  std::string window_to_ = "2026-03-10T20:00:00Z";
};

}  // namespace pasaprod::test
