// Sign-in throttling: after too many failures for one account or from one address, further
// attempts are refused for a while, whatever the password.
//
// Owned by the server (not a global); thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "core/time.h"

namespace pasaprod::auth {

struct ThrottlePolicy {
  int max_failures_per_account = 5;    // within `window_ms`
  int max_failures_per_address = 20;   // within `window_ms`
  Timestamp window_ms = 15 * 60 * 1000;
  Timestamp lockout_ms = 15 * 60 * 1000;
};

class SignInThrottle {
 public:
  explicit SignInThrottle(ThrottlePolicy policy = {}) : policy_(policy) {}

  // Milliseconds until `account` from `address` may try again; 0 = may try now.
  Timestamp retry_after(const std::string& account, const std::string& address, Timestamp now);
  void record_failure(const std::string& account, const std::string& address, Timestamp now);
  // A success clears the account's failures (not the address's).
  void record_success(const std::string& account);

 private:
  struct Counter {
    int failures = 0;
    Timestamp window_start = 0;
    Timestamp locked_until = 0;
  };
  void bump(Counter& c, int limit, Timestamp now);
  Timestamp wait(const Counter* c, Timestamp now) const;

  const ThrottlePolicy policy_;
  std::mutex mu_;
  std::map<std::string, Counter> accounts_;   // GUARDED_BY(mu_)
  std::map<std::string, Counter> addresses_;  // GUARDED_BY(mu_)
};

}  // namespace pasaprod::auth
