// Forms that create something without a version to carry (the new release form): the page
// gives each form a random `once` token, and the first POST with it records where it led, so
// a double click or a second tab leads to that, not to a second one.
//
//   auto claim = store.claim(owner, token, now);        // nullopt: this POST goes ahead
//   if (claim) return redirect(*claim);                  // done before: where it led
//   ... open the release ...; store.finish(owner, token, "/releases/PP-2026-0007");   // or store.abandon(...)
//
// Kept in the database (Office::put_form_state), so the second POST may reach another server
// node than the first. A token binds to its owner (a digest of the session); bounded in count
// and age.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace pasaprod {
class Office;
}

namespace pasaprod::web {

class OnceStore {
 public:
  static constexpr std::int64_t kMaxTokens = 10000;
  static constexpr Timestamp kLifetimeMs = 24 * 3600 * 1000;
  // A claim this old whose POST never finished nor abandoned (its node died) is taken over.
  static constexpr Timestamp kStaleClaimMs = 60 * 1000;

  explicit OnceStore(Office& office) : office_(office) {}

  // Claims `token` for `owner`. nullopt: nobody used it, go ahead (then finish or abandon). A
  // location: a POST with it was done and led there. While another POST with it is under way,
  // waits for it (up to 30 s; then answers "", meaning: say it is under way). When the
  // database cannot be reached the POST goes ahead (nullopt): it meets the same database.
  std::optional<std::string> claim(const std::string& owner, const std::string& token, Timestamp now);
  // What the claimed POST made: later claims lead to `location`.
  void finish(const std::string& owner, const std::string& token, const std::string& location);
  // The claimed POST made nothing (refused): the token may be used again.
  void abandon(const std::string& owner, const std::string& token);

 private:
  Office& office_;
};

}  // namespace pasaprod::web
