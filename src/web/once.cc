#include "web/once.h"

#include <chrono>

namespace pasaprod::web {

std::optional<std::string> OnceStore::claim(const std::string& owner, const std::string& token, Timestamp now) {
  const std::string key = owner + "/" + token;
  std::unique_lock lock(mu_);
  while (!order_.empty() && (entries_.size() > kMaxTokens || !entries_.count(order_.front()) ||
                             now - entries_[order_.front()].at > kLifetimeMs)) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_[key] = Entry{"", now};
    order_.push_back(key);
    return std::nullopt;
  }
  const bool settled = done_.wait_for(lock, std::chrono::seconds(30), [&] {
    auto e = entries_.find(key);
    return e == entries_.end() || !e->second.location.empty();
  });
  auto e = entries_.find(key);
  if (e == entries_.end()) {  // abandoned: this POST goes ahead in its place
    entries_[key] = Entry{"", now};
    order_.push_back(key);
    return std::nullopt;
  }
  return settled ? e->second.location : std::string();
}

void OnceStore::finish(const std::string& owner, const std::string& token, const std::string& location) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(owner + "/" + token);
    if (it != entries_.end()) it->second.location = location;
  }
  done_.notify_all();
}

void OnceStore::abandon(const std::string& owner, const std::string& token) {
  {
    std::lock_guard lock(mu_);
    entries_.erase(owner + "/" + token);
  }
  done_.notify_all();
}

}  // namespace pasaprod::web
