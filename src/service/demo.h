// A lived-in demo office: a user for every role, three information systems, and release
// requests walked through the procedure to chosen states. Used by `pasaprod demo`,
// `pasaprod serve --demo` and tests.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "service/office.h"

namespace pasaprod {

// The password every demo user gets (printed by the commands that create them).
inline constexpr const char* kDemoPassword = "pasaprod-demo";

struct DemoUser {
  const char* username;
  const char* name;
  std::vector<RoleGrant> grants;
};

// The documented demo users, one or more per role.
const std::vector<DemoUser>& demo_users();

// Progress lines ("PP-2026-0001: qa_accept (carla.calidad) → qa_approved").
using DemoLog = std::function<void(const std::string&)>;

// Creates the demo users and systems. Refuses (already_exists) a database that has users.
Status seed_demo_people_and_systems(Office& office, const DemoLog& log);

// Opens a request of `kind` on `system` and walks it until it reaches `target` (a state on
// the kind's path, or rolled_back/rejected/cancelled). Returns its number. The walk is edition
// 02's script (demo.cc names its codes in one table); an edition in force lacking one of them,
// or `kind` or `target`, is refused (failed_precondition "demo.edition_lacks", naming them).
Result<std::string> walk_demo_release(Office& office, const std::string& system, const std::string& kind,
                                      const std::string& title, const std::string& target, const DemoLog& log);

// The short demo: one request of SIAGIE walked to closed (edition 02: a maintenance).
// Returns its number.
Result<std::string> walk_demo_sample(Office& office, const DemoLog& log);

// Users, systems, and releases of every kind in a spread of states. Like walk_demo_release,
// refuses (failed_precondition "demo.edition_lacks", naming them) an edition in force that
// lacks a code of the demo's script, which is edition 02's.
// Users, systems, and releases of every kind in a spread of states.
Status seed_demo_office(Office& office, const DemoLog& log);

}  // namespace pasaprod
