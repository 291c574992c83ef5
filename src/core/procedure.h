// A procedure edition as data (procedures/edition-02.yaml is the built-in one).
//
// The engine (engine.h) interprets a Procedure; nothing in C++ names a state, a role or an
// action except the guards (guards.h), which the definition refers to by name.
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
};

struct StateDef {
  std::string code;
  Label label;
  bool final = false;  // no action leaves it
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
};

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
  std::string document;       // document generated when it is taken ("" = none)
  int line = 0;
};

struct ChecklistItem {
  std::string record;
  std::string when;  // condition (kConditions); "" = always
};

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
  std::vector<RecordTypeDef> record_types;
  std::vector<ChecklistItem> checklist;
  std::vector<SegregationRule> segregation;
  std::vector<ActionDef> actions;

  const RoleDef* role(std::string_view code) const;
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
