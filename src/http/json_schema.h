// JSON request bodies checked against their route's declared JSON Schema (draft 7, valijson).
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace pasaprod::http {

// nullopt when `body` satisfies `schema` (a null schema means "any object"); otherwise
// invalid_argument "json.invalid_body" whose message names the first offending field (details
// field, expected) in Spanish and English. A schema that cannot be compiled is a programming
// error: internal "json.bad_schema". Compiled schemas are cached (thread-safe).
std::optional<Error> check_json_schema(const nlohmann::json& schema, const nlohmann::json& body);

}  // namespace pasaprod::http
