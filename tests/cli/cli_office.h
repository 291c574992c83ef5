// The test office, set up through CLI commands only, and shared starting points.
//
// System SIS ("Sistema Integrado de Pruebas", inhouse, version 2.3 in production) and one user
// per role:
//   lead     project_lead @SIS        qa      qa_lead             op     release_operator
//   dba      dba                       sec     security_officer    infra  infra_specialist
//   prod     production_lead           asi     asi_head            func   functional_user @SIS
//   chief    it_chief                  chief2  it_chief (a second IT chief, for races)
//   chiefop  it_chief + release_operator (for the approve-then-deploy segregation rule)
#pragma once

#include <string>
#include <vector>

#include "cli_harness.h"

namespace clitest {

inline constexpr const char* kSystem = "SIS";
// The slots a maintenance takes (SPEC §4.2), all uploaded by files; qa_acceptance is QA's.
const std::vector<std::string>& maintenance_slots();
// A deployment window around now (wide: the tests do not depend on the clock).
inline constexpr const char* kWindowFrom = "2000-01-01T00:00:00Z";
inline constexpr const char* kWindowTo = "2099-12-31T00:00:00Z";

// init, the system and the users above.
void setup_office(const Workspace& ws);
// `release new` as `as`; returns the number printed (empty after a failure).
std::string new_release(const Workspace& ws, const std::string& kind, const std::string& version, const std::string& as);
// Drives the maintenance `number` (in draft, nothing uploaded) to pending_approval: uploads,
// request_qa, QA's acceptance record, qa_accept, request_production, every review, validate,
// the checklist records and prepare_report.
void drive_to_pending_approval(const Workspace& ws, const std::string& number);
// From approved: backup, deployment, deploy, verification, verify, baseline, cosigns, accept.
void drive_approved_to_closed(const Workspace& ws, const std::string& number);

// Shared starting points: folders holding an office built with the commands above, to be copied
// into a test's own workspace with Workspace::copy_office_from. Never modify them.
//
// CTest runs every test in its own process, so they are cached on disk between processes:
// under $TMPDIR/pasaprod-cli-cache-<uid>/<key>/, where the key changes whenever the pasaprod
// binary or this test binary changes. A file lock serializes their construction; caches unused
// for a day are removed.
// The office with no release.
fs::path office_template();
// The office with one maintenance of SIS, version 2.4, in pending_approval; *number is set.
fs::path pending_approval_template(std::string* number);

// The release as `release show --json` gives it.
nlohmann::json show(const Workspace& ws, const std::string& number);
// The state of a release.
std::string state_of(const Workspace& ws, const std::string& number);
// Names of the files in a slot of `release show --json`.
std::vector<std::string> files_in_slot(const nlohmann::json& release, const std::string& slot);
// Number of transitions of `release show --json` with this action.
int count_transitions(const nlohmann::json& release, const std::string& action);
// events_checked of `audit verify --json` (expects the trail to verify).
long audit_events(const Workspace& ws);

}  // namespace clitest
