// The engine: decides whether an actor may do something to a release request now, and if so
// what gets written. Pure: it reads a Situation (loaded by the caller) and returns plans or
// Errors; the service layer applies a plan in one transaction.
//
//   Situation s = make_situation(proc, release, system, now);
//   s.committee_members = ...; s.freezes = ...;
//   Result<ActionPlan> plan = plan_action(s, actor, {"qa_accept", "", {}});
//   if (!plan) return plan.error();       // permission_denied / conflict / failed_precondition
//
// Refusals, in the order checked: unknown action (invalid_argument), action not possible from
// the current state (conflict: the request moved on), actor lacks an R role (permission_denied,
// naming the roles), segregation of duties (permission_denied), guards (failed_precondition,
// naming everything missing).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/procedure.h"
#include "core/status.h"
#include "core/time_zone.h"

namespace pasaprod {

// Everything a decision depends on.
struct Situation {
  const Procedure* proc = nullptr;
  const Release* release = nullptr;
  const System* system = nullptr;
  Timestamp now = 0;
  std::string manifest;                      // current manifest SHA-256 (make_situation fills it)
  std::vector<FreezeWindow> freezes;
  std::vector<std::string> committee_members;  // usernames holding the committee role
  std::string quorum_setting;                  // "" = the procedure's default
  // For deploy: the manifest recomputed from the bytes actually in the library.
  std::optional<std::string> deployed_manifest;
  // The office's time zone: times in refusal messages are wall times there, named. Null: UTC.
  const TimeZone* zone = nullptr;
};

Situation make_situation(const Procedure& proc, const Release& release, const System& system, Timestamp now);

struct ActionInput {
  std::string action;
  std::string note;
  std::map<std::string, std::string> fields;
};

struct ActionPlan {
  const ActionDef* def = nullptr;
  Transition transition;                  // to append
  std::optional<Observation> observation;  // when the action carries a note that sends work back
};

Result<ActionPlan> plan_action(const Situation& s, const User& actor, const ActionInput& input);

// One action of the release's kind possible from its current state, and whether `actor` may
// take it now (if not, why). Guards needing a note are not refused for lack of one here.
struct ActionOption {
  std::string action;
  std::string to;
  bool allowed = false;
  bool needs_note = false;
  bool irreversible = false;
  std::optional<Error> reason;
};
std::vector<ActionOption> action_options(const Situation& s, const User& actor);

// The inbox's "to do": the one step that moves the request forward for `actor` now. Forward
// means an action whose target lies further along the kind's path (return, reject, cancel and
// rollback never are). In order: a forward action `actor` may take; else something a forward
// action waits for that `actor` can give (a record, a deliverable to upload or to review); else
// a sign-off `actor` gives in this state and has not given for the current deliverables; else
// the actor's own forward action that waits on others (`due` false, `reason` says on what).
// nullopt: nothing of the actor's moves the request now.
struct NextStep {
  std::string step;    // an action code, or "record:TYPE", "upload:SLOT", "review:SLOT"
  std::string action;  // the forward action it serves ("" for a sign-off given on its own)
  bool due = true;
  std::optional<Error> reason;
  std::vector<std::string> accountable;  // the A roles of `action`
};
std::optional<NextStep> next_step(const Situation& s, const User& actor);
// True when reaching `state` moves the request further along its kind's path.
bool moves_forward(const Procedure& proc, const Release& release, const std::string& state);
// What a step (as NextStep::step, or a notification's "consult:CODE") is called: the action's
// name, "Registrar: Backup de la línea base", "Subir: Plan de marcha atrás", "Revisar: …",
// "Se le consulta sobre: …".
std::string step_label(const Procedure& proc, const std::string& step, Lang lang);

// Segregation of duties (procedure `segregation`): refused when `actor` did a step that forbids
// `step` (an action or a record type) on the situation's request.
std::optional<Error> segregation(const Situation& s, const User& actor, const std::string& step);

// Records (SPEC §4.4). Validates type, role, state, kind and fields; returns the record to add.
Result<Record> plan_record(const Situation& s, const User& actor, const std::string& type,
                           const std::map<std::string, std::string>& fields);

// Deliverables. plan_upload covers add and replace; both refuse outside the editable states.
Status plan_upload(const Situation& s, const User& actor, const std::string& slot, const std::string& name);
Status plan_remove(const Situation& s, const User& actor, const std::string& slot, const std::string& name);
Result<Review> plan_review(const Situation& s, const User& actor, const std::string& slot,
                           const std::string& verdict, const std::string& note);
// A file name safe to show and store: 1–200 bytes, no '/', '\\', control characters, not "."/"..".
Status check_file_name(const std::string& name);

// Opening a request.
struct NewReleaseInput {
  std::string kind;
  std::string version;
  bool declared_major = false;
  bool changes_database = true;
  std::string title;
  std::string summary;
};
// Checks role, system status, fields and version policy; returns the release to insert
// without number (the caller assigns it).
Result<Release> plan_new_release(const Procedure& proc, const System& system, const std::vector<VersionUse>& uses,
                                 const User& actor, const NewReleaseInput& input, Timestamp now);

// Who takes part: true when `actor` holds one of `roles` for the release (per-system roles for
// its system; `requester` = who opened it).
bool holds_any(const Procedure& proc, const User& actor, const Release& release, const std::vector<std::string>& roles);
// "Responsable de Control de Calidad o Jefe de la Oficina de Informática (para el sistema X)".
std::string roles_phrase(const Procedure& proc, const std::vector<std::string>& roles, const std::string& system, Lang lang);

// True when a slot/record/guard condition (procedure.h kConditions; "" = always) holds for the request.
bool condition_holds(const std::string& when, const Release& release);
// The slots the request must deliver: its kind's slots whose condition holds, in display order.
std::vector<std::string> required_slots(const Procedure& proc, const Release& release);
// Roles asked for an opinion in the request's current state: the C roles of the actions open
// from it and of the record types recordable in it.
std::vector<std::string> consulted_roles(const Procedure& proc, const Release& release);

// Who may record `def` on the request now: its `by` roles, `consulted` expanded to
// consulted_roles(). Empty when its condition does not hold for the request.
std::vector<std::string> record_roles(const Procedure& proc, const RecordTypeDef& def, const Release& release);

// The system as a request that reaches `state` leaves it: when the state is a final production
// one, the system is in production (an in-development one moves) and each record type's
// system_fields take the request's latest record of that type. Otherwise `system` unchanged.
System system_after(const Procedure& proc, const Release& release, const std::string& state, System system);

// Quorum for the committee of the situation.
int committee_quorum(const Situation& s);
// Latest fresh vote (the record type that `is: vote`) per member: counts of votes with its
// passing value and with any other.
std::pair<int, int> committee_votes(const Situation& s);

}  // namespace pasaprod
