// What pasaprod derives from a procedure's data instead of naming codes: what a kind is, which
// states end a request as rejected or rolled back, and where the deployment window's bounds are
// (docs/procedure.md, "What pasaprod reads from the file, not from a code's name"). Each answer
// is read from the file's actions, guards, slots, record types, `committee` and `adherence:`
// sections; nothing here names a kind, state, role, action or record type.
//
//   if (kind_takes(proc, r.kind, "qa_accept")) ...   // the kind goes through QA
//   if (is_emergency(proc, r.kind)) ...              // the committee approves it
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/procedure.h"
#include "core/status.h"

namespace pasaprod {

// True when some action row of `kind` is one the adherence fact (kAdherenceFacts) marks: with
// "qa_accept" the kind goes through QA, with "accept" it ends with the functional acceptance.
bool kind_takes(const Procedure& proc, std::string_view kind, std::string_view fact);

// True when an action row of `kind` marked by the adherence fact lists `guard` for `kind` (with
// "deploy" and "backup_recorded": a backup is required before deploying).
bool kind_guarded(const Procedure& proc, std::string_view kind, std::string_view fact, std::string_view guard);

// True when `kind`'s deliverable slots include one the adherence fact marks ("backout_plan").
bool kind_has_slot(const Procedure& proc, std::string_view kind, std::string_view fact);

// True when a record type the adherence fact marks ("inventory", "ip_registration") may be
// recorded on requests of `kind`.
bool kind_records(const Procedure& proc, std::string_view kind, std::string_view fact);

// True when `kind` is an emergency: the committee (`committee.role`) is an R role of an action
// row of the kind that the adherence fact `approval` marks. Emergencies are counted apart
// (dashboard, adherence report).
bool is_emergency(const Procedure& proc, std::string_view kind);

// True when `state` is where an action the adherence fact marks leads: "reject" (the request
// was rejected), "rollback" (it was rolled back).
bool reached_by(const Procedure& proc, std::string_view fact, std::string_view state);

// The keys holding the planned deployment window's start and end: the first two keys (format
// `time`, the loader checks) of the record type with meaning `window`; "" when there is none.
std::string window_from_key(const Procedure& proc);
std::string window_to_key(const Procedure& proc);

// The kinds' codes, in file order, joined by `sep` ("project, maintenance, emergency").
std::string kind_codes(const Procedure& proc, std::string_view sep = ", ");

// invalid_argument "kind.unknown" for `kind`, listing the edition's kinds (detail field "kind").
Error unknown_kind(const Procedure& proc, std::string_view kind);

// What answering a consultation needs of the edition: the record type with meaning
// `consultation`, its keys, choices, passing value and formats (from a Procedure, or from the
// server's GET /api/v1/procedure).
struct ConsultationForm {
  std::string type;  // "" = the edition has no consultation record type
  std::vector<std::string> keys;
  std::map<std::string, std::vector<std::string>> choices;
  std::map<std::string, std::string> passes;
  std::map<std::string, std::string> formats;
};
ConsultationForm consultation_form(const Procedure& proc);

// The fields of a consultation record: `opinion` is one of the values of the passing key's
// choices, or by meaning "agree" (its passing value) or "concerns" (its first other value);
// `note` goes to the first key of format `text` (else "note"); `on` ("" = the open activity)
// to "on". Refuses (invalid_argument) an edition without a consultation record type
// ("consult.none") and an opinion it does not admit ("consult.bad_opinion", listing them).
Result<std::map<std::string, std::string>> consultation_fields(const ConsultationForm& form, const std::string& opinion,
                                                                const std::string& note, const std::string& on);

}  // namespace pasaprod
