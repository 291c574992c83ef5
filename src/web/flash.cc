#include "web/flash.h"

#include "auth/credentials.h"

namespace pasaprod::web {

std::string FlashStore::put(const std::string& owner, const std::string& path, const nlohmann::json& data, const nlohmann::json& smaller,
                            Timestamp now) {
  // Replacing invalid UTF-8 keeps dump() from throwing on what a person typed.
  std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxFlashBytes) text = smaller.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxFlashBytes) text = "{}";
  std::string id = auth::random_secret(32);
  std::lock_guard lock(mu_);
  bytes_ += text.size();
  entries_[id] = Entry{owner, path, std::move(text), now};
  order_.push_back(id);
  evict(now);
  return id;
}

std::optional<nlohmann::json> FlashStore::take(const std::string& id, const std::string& owner, const std::string& path, Timestamp now) {
  std::lock_guard lock(mu_);
  evict(now);
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.owner != owner || it->second.path != path) return std::nullopt;
  auto data = nlohmann::json::parse(it->second.json, nullptr, false);
  bytes_ -= it->second.json.size();
  entries_.erase(it);
  if (data.is_discarded()) return std::nullopt;
  return data;
}

std::size_t FlashStore::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void FlashStore::evict(Timestamp now) {
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    if (it == entries_.end()) {  // taken already
      order_.pop_front();
      continue;
    }
    if (bytes_ <= kMaxTotalBytes && entries_.size() <= kMaxFlashes && now - it->second.at < kLifetimeMs) break;
    bytes_ -= it->second.json.size();
    entries_.erase(it);
    order_.pop_front();
  }
}

}  // namespace pasaprod::web
