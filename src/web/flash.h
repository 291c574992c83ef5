// One-time messages across a post/redirect/get: a form POST answers 303 to the page the form
// belongs to, and what that page must show once — a refusal and what the person typed, a new
// API token — waits here until the GET.
//
//   std::string id = flashes.put(owner, "/releases/PP-2026-0001", {{"failed", ...}}, {}, now);
//   // Set-Cookie: pasaprod_flash=<id>; HttpOnly; SameSite=Strict; then 303
//   std::optional<json> f = flashes.take(id, owner, "/releases/PP-2026-0001", now);  // once
//
// Kept in the database (Office::put_form_state), so the GET may reach another server node
// than the POST. The id (32 random bytes, URL-safe base64) travels only in a cookie; the row
// is found by its SHA-256 and its content is sealed under the id (auth::seal), so a copy of
// the database shows neither what was typed nor a new token. Each flash is bound to its owner
// (a digest of the session, or of the pre-session token before sign-in) and to the path that
// shows it: another person, or another page, never takes it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace pasaprod {
class Office;
}

namespace pasaprod::web {

// The cookie holding a flash's id.
inline constexpr const char* kFlashCookie = "pasaprod_flash";

class FlashStore {
 public:
  static constexpr std::size_t kMaxFlashBytes = 64 * 1024;  // one flash, as JSON
  static constexpr std::int64_t kMaxFlashes = 2000;         // kept at once; the oldest go first
  static constexpr Timestamp kLifetimeMs = 10 * 60 * 1000;

  explicit FlashStore(Office& office) : office_(office) {}

  // Keeps `data` for the first GET of `path` by `owner`; answers its id. `data` over
  // kMaxFlashBytes is replaced by `smaller` (e.g. the error without what was typed), and that
  // by {} if it is too large as well. "" when the database refused (the page then shows no
  // message).
  std::string put(const std::string& owner, const std::string& path, const nlohmann::json& data, const nlohmann::json& smaller,
                  Timestamp now);
  // The flash `id` if it belongs to `owner` and `path` and is younger than kLifetimeMs; it is
  // removed (shown once). nullopt otherwise (and then it is left for its own page).
  std::optional<nlohmann::json> take(const std::string& id, const std::string& owner, const std::string& path, Timestamp now);

 private:
  Office& office_;
};

}  // namespace pasaprod::web
