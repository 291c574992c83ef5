// Form helpers shared by the release pages (internal to src/web): how each record field is
// entered (input kind by the key's format and choices in the procedure), local date-time inputs <-> ISO 8601, the committee quorum.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/procedure.h"
#include "service/office.h"
#include "web/page.h"

namespace pasaprod::web {

// The form of a record type for `kind`: {type, name, fields:[{key, input, label, value,
// options|checks, ...}]}. `values` are what the user typed (kept after a refusal).
nlohmann::json record_form(const Page& page, const RecordTypeDef& def, const KindDef& kind,
                           const std::map<std::string, std::string>& values);

// The record's fields as submitted (form fields "f_KEY"), converted for the office: local
// date-times to ISO 8601 UTC, checkbox groups to comma lists. `typed` receives the raw values.
std::map<std::string, std::string> record_fields(const Page& page, const RecordTypeDef& def,
                                                 std::map<std::string, std::string>& typed);

// A record field's value as shown, by the key's format and choices in `def` (nullptr: as is):
// times in local time, choices and deployment steps by their names.
std::string field_display(const Page& page, const RecordTypeDef* def, const std::string& key, const std::string& value);
// The name of a deployment step: its label in the procedure file, else the catalog's
// ("value.steps.CODE"), else the code.
std::string step_label(const Page& page, const std::string& code);
// The name of a value of a choice key (catalog "value.KEY.VALUE"), or the value itself.
std::string value_label(const Page& page, const std::string& key, const std::string& value);

// "2026-05-01T10:00" in the page's offset → "2026-05-01T15:00:00Z"; "" when empty; the text
// itself when malformed (the office then refuses it with a message).
std::string local_to_iso(const Page& page, const std::string& local);
// Timestamp → "2026-05-01T10:00" in the page's offset (for datetime-local inputs).
std::string iso_to_local(const Page& page, Timestamp t);

// Votes needed for committee_approve: the configured quorum ("majority" or a number) over
// the active members holding the procedure's committee role.
int committee_votes_needed(Office& office);

}  // namespace pasaprod::web
