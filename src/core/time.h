// Time as data: milliseconds since the Unix epoch, UTC. The core never reads a clock; the
// current time comes in through Clock.
#pragma once

#include <cstdint>
#include <optional>
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

// A span of time, [from, to).
struct TimeSpan {
  Timestamp from = 0;
  Timestamp to = 0;
  bool operator==(const TimeSpan&) const = default;
};
// The span from one parse_iso time to another (their order unchecked); nullopt when either does
// not parse.
std::optional<TimeSpan> parse_span(const std::string& from, const std::string& to);

// Proleptic Gregorian calendar arithmetic (Howard Hinnant's algorithms).
struct CivilDate {
  std::int64_t y;
  unsigned m, d;
};
// Days since 1970-01-01 of the date y-m-d, and back.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
CivilDate civil_from_days(std::int64_t days);
// Rounds toward negative infinity.
std::int64_t floor_div(std::int64_t a, std::int64_t b);

// UTC calendar year of t.
int year_of(Timestamp t);

}  // namespace pasaprod
