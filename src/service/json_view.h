// JSON views of the domain, shared by the CLI's --json output and the HTTP API. Shapes are
// part of the public API: fields may be added, never renamed or removed.
#pragma once

#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/model.h"
#include "service/office.h"

namespace pasaprod {

nlohmann::json error_json(const Error& e, Lang lang);
nlohmann::json user_json(const User& u);
nlohmann::json system_json(const System& s);
nlohmann::json system_view_json(const SystemView& v);
nlohmann::json summary_json(const ReleaseSummary& r, const Procedure& proc, Lang lang);
nlohmann::json release_json(const ReleaseView& v, Lang lang);
nlohmann::json record_json(const Record& r);
nlohmann::json review_json(const Review& r);
nlohmann::json file_json(const DeliverableFile& f);
nlohmann::json event_json(const AuditEvent& e);
nlohmann::json freeze_json(const FreezeWindow& f);
// A calendar address without its key: scope, created_at, rotated_at (null when never rotated).
nlohmann::json calendar_key_json(const CalendarKey& k);
// A generated document: id, kind, step, name, sha256, size, verification_code, issued_at,
// issued_by, lang, manifest_sha256, url (the API download path).
nlohmann::json document_json(const IssuedDocument& d);
// A baseline: system, version, release, state, manifest_sha256, frozen_at, frozen_by, files
// (path, sha256, size) when `with_files`, file_count, total_size, archive_url.
nlohmann::json baseline_json(const Baseline& b, bool with_files);
// An edition: edition, title {es, en}, approved_on, builtin, in_force, effective_from (ISO,
// null for the built-in one), effective_date, sha256, loaded_at (ISO or null), loaded_by.
nlohmann::json edition_json(const EditionInfo& e);
// A checked edition file: ok, edition, title, in_force, changes [{what, code, change, detail,
// text}] in `lang`.
nlohmann::json edition_check_json(const EditionCheck& c, Lang lang);

}  // namespace pasaprod
