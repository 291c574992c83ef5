// Passwords (argon2id, libsodium), random secrets and their digests.
//
// Secrets handed to people (API tokens, session ids, CSRF tokens) are random, shown once,
// and stored only as SHA-256 digests, so a copy of the database reveals none of them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace pasaprod::auth {

// Initialises libsodium; call once before anything else here (idempotent, thread-safe).
// Throws std::runtime_error when libsodium cannot start.
void init();

// An argon2id hash string (with its own salt and parameters). `interactive` picks libsodium's
// interactive limits; tests and demos may pass false for the minimum (fast) ones.
Result<std::string> hash_password(const std::string& password, bool interactive = true);
// Constant-time check of a password against a stored hash.
bool verify_password(const std::string& password, const std::string& hash);
// Refuses passwords shorter than 10 characters or longer than 1024 bytes.
Status check_password_policy(const std::string& password);

// `bytes` random bytes as URL-safe base64 without padding.
std::string random_secret(std::size_t bytes = 32);
// An API token: "ppt_" + random secret. Its id for display is its first 8 characters after
// the prefix.
std::string new_api_token();
// Lowercase hex SHA-256 of a secret (what is stored).
std::string secret_digest(const std::string& secret);
// Constant-time string comparison.
bool equal_secrets(const std::string& a, const std::string& b);

// `plaintext` sealed under a key derived from `secret` (BLAKE2b of it; XSalsa20-Poly1305 with
// a random nonce), as URL-safe base64: who holds only the result learns nothing of the
// plaintext, and cannot alter it unnoticed.
std::string seal(std::string_view secret, std::string_view plaintext);
// The plaintext of seal(secret, ...); nullopt when `sealed` was made with another secret or
// was altered.
std::optional<std::string> unseal(std::string_view secret, std::string_view sealed);

}  // namespace pasaprod::auth
