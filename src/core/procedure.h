// A procedure edition as data (procedures/edition-02.yaml is the built-in one).
//
// The engine (engine.h) interprets a Procedure; nothing in C++ names a state, a role, a record
// type or an action the file declares. What C++ must know of a code it reads from the code's
// attributes: a record type's meaning (`is`, kRecordMeanings), its choices and formats, a
// state's `frees_version`, an action's `authorizes`, the adherence report's facts.
//
//   Result<Procedure> p = load_procedure(yaml_text, "procedures/edition-02.yaml");
//   if (!p) fail(p.error().message(Lang::es));   // says file and line
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace pasaprod {

struct Label {
  std::string es;
  std::string en;
  const std::string& get(Lang lang) const { return lang == Lang::en ? en : es; }
};

struct RoleDef {
  std::string code;
  Label label;
  bool per_system = false;  // held for one information system (functional_user, project_lead)
  // What the role may do besides the procedure's actions. The administering role may do all of
  // it; the others only what their flags say.
  bool administers = false;     // manages users, systems, settings, tokens and mail; exactly one role
  bool edits_systems = false;   // edits an information system's record
  bool sets_freezes = false;    // adds and changes freeze windows
  bool edits_settings = false;  // changes the office settings (committee quorum)
  bool reads_reports = false;   // reads the PMO adherence report and the heads' dashboard
};

struct StateDef {
  std::string code;
  Label label;
  bool final = false;  // no action leaves it
  bool frees_version = false;  // a request ending here gives its version number back
};

struct SlotDef {
  std::string code;
  Label label;
  bool generated = false;  // produced by pasaprod (a document), never uploaded
  std::string document;    // generated: the document kind whose PDF fills it when issued
};

struct KindDef {
  std::string code;
  Label label;
  std::string version_rule;               // major | minor | patch (SPEC §4.1)
  std::vector<std::string> opened_by;     // roles that may open a request of this kind
  std::vector<std::string> uploaders;     // roles that may add/replace/remove deliverables
  std::vector<std::string> slots;         // deliverable slots, in display order
  std::map<std::string, std::string> slot_when;  // slot -> condition (see kConditions) it is required under
  std::vector<std::string> deployment_steps;  // points a deployment record must list
  std::vector<std::string> path;          // the happy path, for display (stepper)
  Label checklist_title;                  // heading of the kind's checklist in documents ("" = generic)
  std::map<std::string, Label> step_labels;  // deployment step → its label, when the file gives one

  // A deployment step's label, or its code when the file gives none.
  std::string step_name(const std::string& code, Lang lang) const;
};

// What pasaprod does with a record type beyond its attributes (`is:` in the file; at most one
// record type per meaning). docs/procedure.md describes each.
//   window               its first two keys (format time) are the planned deployment window
//   vote                 a committee member's vote; its `passes` value approves, any other rejects
//   backup               the baseline backup taken before deploying
//   deployment           the deployment performed: `started`/`ended` (now by default) and the
//                        digest of the library's bytes at that moment
//   database_deployment  the database part of the deployment: `started`/`ended`
//   consultation         an opinion of a consulted (C) role; its `on` is the activity asked about
//   verification         the operability check; its `passes` value is a successful one
//   rollback             what the back-out did
//   cosign               a co-signature of the acceptance: `role` is which of its `by` roles signs
//   baseline             freezes the library baseline: every file re-hashed, manifest recorded
inline constexpr std::string_view kRecordMeanings[] = {"window",       "vote",         "backup",   "deployment",
                                                       "database_deployment", "consultation", "verification",
                                                       "rollback",     "cosign",       "baseline"};

// Formats a record key may declare (`formats:`): an ISO 8601 time, a date, a hex SHA-256, a long
// text, or the comma-separated deployment steps of the request's kind (all of them).
inline constexpr std::string_view kKeyFormats[] = {"time", "date", "sha256", "text", "steps"};

struct RecordTypeDef {
  std::string code;
  Label label;
  std::vector<std::string> by;       // roles that may record it (`consulted`: the C roles of the open activities)
  std::vector<std::string> keys;     // required field keys
  std::vector<std::string> states;   // states in which it may be recorded
  std::vector<std::string> kinds;    // empty = every kind
  std::vector<std::string> consult;  // C roles
  std::vector<std::string> inform;   // I roles
  bool signoff = false;              // counts only for the manifest it recorded
  std::string when;                  // condition (kConditions) under which it applies; "" = always
  // When a request closes, its latest record of this type updates its system: system field →
  // record key, or "=text" for a fixed value (see kSystemFields).
  std::map<std::string, std::string> system_fields;
  std::string is;                                            // meaning (kRecordMeanings); "" = none
  std::map<std::string, std::vector<std::string>> choices;   // key → the values it admits (a select)
  std::map<std::string, std::string> passes;                 // choice key → the value that approves/passes
  std::map<std::string, std::string> formats;                // key → format (kKeyFormats)

  // The format of `key`: declared, or "time" for the `started`/`ended` of a deployment part.
  std::string format_of(std::string_view key) const;
  // The key of `passes` ("" when none) and whether `fields` hold its passing value.
  std::string pass_key() const;
  bool passed(const std::map<std::string, std::string>& fields) const;
};

// The system fields a record may set on closing: asset_id, indecopi_requested_on,
// indecopi_file_number, indecopi_status.
inline constexpr std::string_view kSystemFields[] = {"asset_id", "indecopi_requested_on", "indecopi_file_number",
                                                     "indecopi_status"};

// A guard reference: name[:argument], limited to some kinds (empty = all).
struct GuardRef {
  std::string name;
  std::string arg;
  std::vector<std::string> kinds;
  std::string when;  // condition (kConditions); "" = always
  int line = 0;
};

// Conditions on a request that make a slot, record or guard apply. The request states them when
// it is opened: `changes_database` (it carries database scripts).
inline constexpr std::string_view kConditions[] = {"changes_database"};

// One row of the lifecycle: an action from some states of some kinds to a state. An action
// code may have several rows (e.g. per kind, or with other roles from other states); for a
// given kind and state at most one row applies.
struct ActionDef {
  std::string code;
  Label label;
  std::vector<std::string> kinds;
  std::vector<std::string> from;
  std::string to;
  std::vector<std::string> R, A, C, I;
  std::vector<GuardRef> guards;
  bool signoff = false;       // a sign-off: records the approval manifest (SPEC §4.5)
  bool irreversible = false;  // the UI asks for confirmation
  bool authorizes = false;    // an authorization: a signature line (first R role) in the informe
  std::string document;       // document generated when it is taken ("" = none)
  int line = 0;
};

struct ChecklistItem {
  std::string record;
  std::string when;  // condition (kConditions); "" = always
};

// The facts the PMO adherence report reads from a history, each named by the actions (or record
// types, or slot) that mark it in the file's `adherence:` section; records with a meaning
// (window, backup, verification, baseline, rollback, cosign) are found by it.
struct AdherenceFactDef {
  std::string_view name;
  char of;  // 'a' actions, 'r' record types, 's' slots
};
inline constexpr AdherenceFactDef kAdherenceFacts[] = {
    {"request_qa", 'a'}, {"qa_accept", 'a'}, {"request_production", 'a'}, {"validate", 'a'}, {"report", 'a'},
    {"approval", 'a'},   {"deploy", 'a'},    {"verify", 'a'},             {"rollback", 'a'}, {"accept", 'a'},
    {"closed", 'a'},     {"return", 'a'},    {"reject", 'a'},             {"security", 'r'}, {"inventory", 'r'},
    {"ip_registration", 'r'}, {"backout_plan", 's'}};

// Whoever did `first` (an action, or a record they recorded) may not do `then` (an action or a
// record type) on the same request.
struct SegregationRule {
  std::string first;
  std::string then;
};

struct Procedure {
  std::string edition;
  Label title;
  std::string approved_on;
  std::vector<RoleDef> roles;
  std::vector<StateDef> states;
  std::string initial_state;
  std::vector<std::string> production_states;
  std::vector<SlotDef> slots;
  std::vector<KindDef> kinds;
  std::vector<std::string> editable_in;
  std::vector<std::string> review_states;
  std::vector<std::string> review_by;
  std::string committee_role;
  std::string committee_quorum;  // "majority" or a positive number
  std::vector<std::string> committee_slots;  // slots whose files the committee's acta lists
  std::vector<RecordTypeDef> record_types;
  std::vector<ChecklistItem> checklist;
  std::vector<SegregationRule> segregation;
  std::vector<ActionDef> actions;
  std::map<std::string, std::vector<std::string>> adherence;  // fact (kAdherenceFacts) → codes

  const RoleDef* role(std::string_view code) const;
  // The code of the role that `administers` (the loader guarantees exactly one).
  const std::string& administering_role() const;
  // The administering role, then every role carrying `flag` (e.g. &RoleDef::reads_reports).
  std::vector<std::string> roles_allowed(bool RoleDef::* flag) const;
  const StateDef* state(std::string_view code) const;
  const SlotDef* slot(std::string_view code) const;
  const KindDef* kind(std::string_view code) const;
  const RecordTypeDef* record_type(std::string_view code) const;
  // The row of `code` that applies to `kind` from `state`, or nullptr.
  const ActionDef* action(std::string_view code, std::string_view kind, std::string_view state) const;
  // Any row of `code` for `kind` (for labels and listing), or nullptr.
  const ActionDef* any_action(std::string_view code, std::string_view kind) const;
  // Distinct action codes applicable to kind, in definition order.
  std::vector<std::string> action_codes(std::string_view kind) const;
  bool is_final(std::string_view state) const;
  bool is_production(std::string_view state) const;
  bool frees_version(std::string_view state) const;
  // The record type that `is` the meaning (kRecordMeanings), or nullptr.
  const RecordTypeDef* record_meaning(std::string_view is) const;
  // The type of a record with that meaning (`code` of record_meaning), or "" when none.
  std::string meaning_code(std::string_view is) const;
  // True when `code` is one of the codes the adherence fact names.
  bool marks(std::string_view fact, std::string_view code) const;
  // True when `action` lists the guard `guard` (for any kinds or condition).
  bool guarded_by(const ActionDef& action, std::string_view guard) const;

  // Display names, falling back to the code.
  std::string role_name(std::string_view code, Lang lang) const;
  std::string state_name(std::string_view code, Lang lang) const;
  std::string slot_name(std::string_view code, Lang lang) const;
  std::string kind_name(std::string_view code, Lang lang) const;
  std::string action_name(std::string_view code, Lang lang) const;
  std::string record_name(std::string_view code, Lang lang) const;
};

// Parses and checks a definition. Refuses (invalid_argument, message naming `file_name` and
// the line) unknown roles/states/slots/kinds/guards, unreachable states, actions without an R
// role, duplicate codes and overlapping action rows.
Result<Procedure> load_procedure(std::string_view yaml_text, std::string_view file_name);

// The built-in definition (edition 02), compiled into the binary.
std::string_view builtin_procedure_yaml();
constexpr std::string_view kBuiltinProcedureName = "procedures/edition-02.yaml";

}  // namespace pasaprod
