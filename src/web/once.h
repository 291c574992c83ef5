// Forms that create something without a version to carry (the new release form): the page
// gives each form a random `once` token, and the store remembers what the first POST with it
// made, so a double click or a second tab leads to that, not to a second one.
//
//   auto claim = store.claim(owner, token, now);        // nullopt: this POST goes ahead
//   if (claim) return redirect(*claim);                  // done before: where it led
//   ... open the release ...; store.finish(owner, token, "/releases/PP-2026-0007");   // or store.abandon(...)
//
// In memory (a restart forgets), bounded in count and age; a token binds to its owner (a digest
// of the session).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/time.h"

namespace pasaprod::web {

class OnceStore {
 public:
  static constexpr std::size_t kMaxTokens = 10000;
  static constexpr Timestamp kLifetimeMs = 24 * 3600 * 1000;

  // Claims `token` for `owner`. nullopt: nobody used it, go ahead (then finish or abandon). A
  // location: a POST with it was done and led there. While another POST with it is under way,
  // waits for it (up to 30 s; then answers "", meaning: say it is under way).
  std::optional<std::string> claim(const std::string& owner, const std::string& token, Timestamp now);
  // What the claimed POST made: later claims lead to `location`.
  void finish(const std::string& owner, const std::string& token, const std::string& location);
  // The claimed POST made nothing (refused): the token may be used again.
  void abandon(const std::string& owner, const std::string& token);

 private:
  struct Entry {
    std::string location;  // "" while the claiming POST is under way
    Timestamp at = 0;
  };
  mutable std::mutex mu_;
  std::condition_variable done_;                 // a claimed token was finished or abandoned
  std::map<std::string, Entry> entries_;          // GUARDED_BY(mu_): by owner + "/" + token
  std::deque<std::string> order_;                 // GUARDED_BY(mu_): keys, oldest first
};

}  // namespace pasaprod::web
