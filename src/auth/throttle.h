// Sign-in throttling policy: failures for one account from one address make that pair wait
// before its next attempt, a delay that doubles with each failure up to a cap. There is no hard
// lock: a named account cannot be locked by someone at another address, and one address (a
// proxy, an office's NAT) failing for some accounts does not keep its other users out.
//
// The counters live in the database (SignInFailures, table signin_failures): they survive
// restarts and are shared by every server on the database; each expires on its own
// `window_ms` after its last failure.
#pragma once

#include "core/time.h"

namespace pasaprod::auth {

struct ThrottlePolicy {
  int free_failures = 3;                   // failures of a pair before any delay
  Timestamp base_delay_ms = 2 * 1000;      // delay after the first failure beyond those
  Timestamp max_delay_ms = 5 * 60 * 1000;  // the delay doubles up to this
  Timestamp window_ms = 15 * 60 * 1000;    // a pair's failures are forgotten this long after its last one
};

// The delay after `failures` failures of a pair (0 up to free_failures, then base, 2×base, …,
// at most max_delay_ms).
Timestamp throttle_delay(const ThrottlePolicy& policy, int failures);

}  // namespace pasaprod::auth
