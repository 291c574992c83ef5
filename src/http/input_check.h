// Every text a client sends, checked once at the boundary before any handler sees it: the
// query, the path parameters, form fields and every string of a JSON body (object keys
// included) must be valid UTF-8 without control characters (TAB, CR and LF allowed in bodies)
// and within the limit of its field (field_limit()).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace pasaprod::http {

class Request;

// The longest value accepted for a field of this name, in bytes: e.g. username 64, title 200,
// summary 4000, note 4000, description 8000; 8000 for any other field.
std::size_t field_limit(std::string_view field);

// invalid_argument "input.too_long" (details field, limit) or "input.bad_text" (field) for the
// first offending value of the query and path parameters; nullopt when all are fine.
std::optional<Error> check_url_inputs(const Request& req);
// The same for the body: form fields (BodyKind::form) or the parsed JSON (BodyKind::json).
std::optional<Error> check_body_inputs(const Request& req, bool json, bool form);

}  // namespace pasaprod::http
