#include "web/once.h"

#include <chrono>
#include <thread>

#include "service/office.h"
#include "util/sha256.h"

namespace pasaprod::web {

namespace {

std::string key_of(const std::string& owner, const std::string& token) { return "once:" + sha256_hex(owner + "/" + token); }

}  // namespace

std::optional<std::string> OnceStore::claim(const std::string& owner, const std::string& token, Timestamp now) {
  const std::string key = key_of(owner, token);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    Status put = office_.put_form_state(FormState{key, owner, "", "", now + kLifetimeMs}, now, kMaxTokens);
    if (put || put.error().code != Code::already_exists) return std::nullopt;
    auto found = office_.form_state(key);
    if (!found) return std::nullopt;
    if (*found) {
      const FormState& claimed = **found;
      if (!claimed.body.empty()) return claimed.body;
      const Timestamp claimed_at = claimed.expires_at - kLifetimeMs;
      if (claimed_at < now - kStaleClaimMs) {  // its POST died with its node: this one goes ahead
        if (!office_.delete_form_state(key)) return std::nullopt;
        continue;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::string();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // Absent: abandoned meanwhile; claim it again.
  }
}

void OnceStore::finish(const std::string& owner, const std::string& token, const std::string& location) {
  (void)office_.set_form_state_body(key_of(owner, token), location);
}

void OnceStore::abandon(const std::string& owner, const std::string& token) {
  (void)office_.delete_form_state(key_of(owner, token));
}

}  // namespace pasaprod::web
