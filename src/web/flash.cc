#include "web/flash.h"

#include "auth/credentials.h"
#include "service/office.h"
#include "util/sha256.h"

namespace pasaprod::web {

namespace {

std::string key_of(const std::string& id) { return "flash:" + sha256_hex(id); }

}  // namespace

std::string FlashStore::put(const std::string& owner, const std::string& path, const nlohmann::json& data,
                            const nlohmann::json& smaller, Timestamp now) {
  // Replacing invalid UTF-8 keeps dump() from throwing on what a person typed.
  std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxFlashBytes) text = smaller.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxFlashBytes) text = "{}";
  const std::string id = auth::random_secret(32);
  const FormState state{key_of(id), owner, path, auth::seal(id, text), now + kLifetimeMs};
  if (!office_.put_form_state(state, now, kMaxFlashes)) return "";
  return id;
}

std::optional<nlohmann::json> FlashStore::take(const std::string& id, const std::string& owner, const std::string& path,
                                               Timestamp now) {
  auto taken = office_.take_form_state(key_of(id), owner, path, now);
  if (!taken || !*taken) return std::nullopt;
  std::optional<std::string> text = auth::unseal(id, (*taken)->body);
  if (!text) return std::nullopt;
  auto data = nlohmann::json::parse(*text, nullptr, false);
  if (data.is_discarded()) return std::nullopt;
  return data;
}

}  // namespace pasaprod::web
