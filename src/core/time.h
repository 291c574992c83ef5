// Time as data: milliseconds since the Unix epoch, UTC. The core never reads a clock; the
// current time comes in through Clock.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace pasaprod {

using Timestamp = std::int64_t;  // milliseconds since 1970-01-01T00:00:00Z

// Source of the current time. Implementations: SystemClock (util), FixedClock (tests).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

// "2026-11-28T10:54:26Z" (seconds precision, always UTC).
std::string format_iso(Timestamp t);
// "2026-11-28" (UTC).
std::string format_date(Timestamp t);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS" with optional fraction and
// "Z" or "+HH:MM"/"-HH:MM" offset (a space may stand for "T"); no offset means UTC.
Result<Timestamp> parse_iso(const std::string& text);

// UTC calendar year of t.
int year_of(Timestamp t);

}  // namespace pasaprod
