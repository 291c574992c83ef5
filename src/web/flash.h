// One-time messages across a post/redirect/get: a form POST answers 303 to the page the form
// belongs to, and what that page must show once — a refusal and what the person typed, a new
// API token — waits here until the GET.
//
//   std::string id = flashes.put(owner, "/releases/PP-2026-0001", {{"failed", ...}}, now);
//   // Set-Cookie: pasaprod_flash=<id>; HttpOnly; SameSite=Strict; then 303
//   std::optional<json> f = flashes.take(id, owner, "/releases/PP-2026-0001", now);  // once
//
// Held in memory only (a restart forgets them), under a random id that travels in a cookie —
// nothing of the content is in a URL or a cookie. Each flash is bound to its owner (a digest
// of the session, or of the pre-session token before sign-in) and to the path that shows it:
// another person, or another page, never takes it.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace pasaprod::web {

// The cookie holding a flash's id.
inline constexpr const char* kFlashCookie = "pasaprod_flash";

class FlashStore {
 public:
  static constexpr std::size_t kMaxFlashBytes = 64 * 1024;         // one flash, as JSON
  static constexpr std::size_t kMaxTotalBytes = 16 * 1024 * 1024;  // all of them; the oldest go first
  static constexpr std::size_t kMaxFlashes = 10000;
  static constexpr Timestamp kLifetimeMs = 10 * 60 * 1000;

  // Keeps `data` for the first GET of `path` by `owner`; answers its id (32 random bytes,
  // URL-safe base64). `data` over kMaxFlashBytes is replaced by `smaller` (e.g. the error
  // without what was typed), and that by {} if it is too large as well.
  std::string put(const std::string& owner, const std::string& path, const nlohmann::json& data, const nlohmann::json& smaller,
                  Timestamp now);
  // The flash `id` if it belongs to `owner` and `path` and is younger than kLifetimeMs; it is
  // erased (shown once). nullopt otherwise (and then it is left for its own page).
  std::optional<nlohmann::json> take(const std::string& id, const std::string& owner, const std::string& path, Timestamp now);

  std::size_t size() const;  // flashes held (tests)

 private:
  struct Entry {
    std::string owner;
    std::string path;
    std::string json;  // serialized: its size is what is bounded
    Timestamp at = 0;
  };
  void evict(Timestamp now);  // REQUIRES: mu_ held

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
  std::deque<std::string> order_;          // GUARDED_BY(mu_): ids, oldest first (some maybe taken)
  std::size_t bytes_ = 0;                  // GUARDED_BY(mu_): sum of entries_' json sizes
};

}  // namespace pasaprod::web
