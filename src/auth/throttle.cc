#include "auth/throttle.h"

#include <algorithm>

namespace pasaprod::auth {

void SignInThrottle::bump(Counter& c, int limit, Timestamp now) {
  if (now - c.window_start > policy_.window_ms) {
    c.failures = 0;
    c.window_start = now;
  }
  if (++c.failures >= limit) c.locked_until = now + policy_.lockout_ms;
}

Timestamp SignInThrottle::wait(const Counter* c, Timestamp now) const {
  return c && c->locked_until > now ? c->locked_until - now : 0;
}

Timestamp SignInThrottle::retry_after(const std::string& account, const std::string& address, Timestamp now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto a = accounts_.find(account);
  auto b = addresses_.find(address);
  return std::max(wait(a == accounts_.end() ? nullptr : &a->second, now), wait(b == addresses_.end() ? nullptr : &b->second, now));
}

void SignInThrottle::record_failure(const std::string& account, const std::string& address, Timestamp now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (accounts_.size() > 100000) accounts_.clear();  // bound memory under a spraying attack
  if (addresses_.size() > 100000) addresses_.clear();
  bump(accounts_[account], policy_.max_failures_per_account, now);
  bump(addresses_[address], policy_.max_failures_per_address, now);
}

void SignInThrottle::record_success(const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  accounts_.erase(account);
}

}  // namespace pasaprod::auth
