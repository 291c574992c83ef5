#include "auth/throttle.h"

#include <algorithm>

namespace pasaprod::auth {

Timestamp throttle_delay(const ThrottlePolicy& p, int failures) {
  if (failures <= p.free_failures) return 0;
  const int doublings = std::min(failures - p.free_failures - 1, 30);
  return std::min(p.base_delay_ms << doublings, p.max_delay_ms);
}

}  // namespace pasaprod::auth
