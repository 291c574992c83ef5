// Short, human-typable verification codes printed on generated documents.
//
//   std::string code = docs::verification_code_for(server_secret, "informe:REQ-2025-012:v3");
//   // "7KQ2-M9XD": printed on every page; a verifier types it back in.
//   Result<std::string> typed = docs::normalize_verification_code(" 7kq2 m9xd ");
//   if (typed && *typed == code) ...
//
// The code is the first 40 bits of HMAC-SHA256(key, payload) in Crockford base32 (digits and
// upper-case letters without I, L, O, U), as two groups of four joined by "-".
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace pasaprod::docs {

// The code for `payload` (the document's identity) under `key` (a server secret): 9 characters,
// "XXXX-XXXX". Deterministic; different payloads or keys give different codes except with
// probability 2^-40.
std::string verification_code_for(std::string_view key, std::string_view payload);

// The canonical "XXXX-XXXX" form of a code as a person may type it: case-insensitive, spaces and
// hyphens anywhere are ignored, and the look-alikes O→0, I/L→1 are accepted.
// Errors: invalid_argument ("docs.verification_code") unless exactly 8 base32 symbols remain.
Result<std::string> normalize_verification_code(std::string_view typed);

}  // namespace pasaprod::docs
