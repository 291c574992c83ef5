// The office's time zone: times a person reads or types are local and named; stored times stay
// UTC (core/time.h).
//
//   Result<TimeZone> lima = load_time_zone("America/Lima");    // util/zoneinfo.h reads the file
//   format_local(t, *lima)      // "2026-12-04 08:50"
//   format_iso_local(t, *lima)  // "2026-12-04T08:50:00-05:00"
//   parse_local("2026-12-04T08:50", *lima)  // the UTC instant of that wall time in Lima
//
// A TimeZone is plain data parsed from TZif bytes (RFC 8536) — the core reads no files. Instants
// after the last transition follow the file's POSIX TZ footer, so daylight-saving rules hold for
// any year.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace pasaprod {

class TimeZone {
 public:
  // Parses TZif data (versions 1–4) of the zone called `name` (an IANA name such as
  // "America/Lima"). invalid_argument "tz.invalid" when the bytes are not TZif.
  static Result<TimeZone> from_tzif(std::string name, std::string_view tzif);
  // Coordinated Universal Time, named "UTC".
  static TimeZone utc();

  const std::string& name() const { return name_; }
  // Offset from UTC in seconds at the UTC instant `t` (Lima: -18000).
  int offset_seconds(Timestamp t) const;
  // The zone's abbreviation at `t` ("-05", "CET", "UTC").
  std::string abbreviation(Timestamp t) const;
  // Wall-clock milliseconds of `t` in this zone (to be formatted as if it were UTC).
  Timestamp to_local(Timestamp t) const { return t + static_cast<Timestamp>(offset_seconds(t)) * 1000; }
  // The UTC instant whose wall-clock time here is `local`. A wall time that occurs twice (clocks
  // set back) gives the earlier instant; one that does not occur (clocks set forward) is read
  // with the offset in force before the change.
  Timestamp from_local(Timestamp local) const;

  // When a POSIX TZ footer rule switches: day `kind` 'J' (Jn: 1–365, no Feb 29), 'N' (n: 0–365)
  // or 'M' (Mm.w.d), at `time` seconds of local time.
  struct Rule {
    char kind = 'M';
    int month = 0, week = 0, day = 0;  // M: month 1–12, week 1–5 (5 = last), weekday 0–6; J/N: day
    int time = 7200;
  };
  struct Type {
    int offset = 0;  // seconds east of UTC
    bool dst = false;
    std::string abbreviation;
  };
  // A change of the zone's offset, DST flag or abbreviation at the UTC instant `at` (whole
  // seconds); `offset_before`: the offset in force just before it.
  struct Change {
    Timestamp at = 0;
    int offset_before = 0;
    Type after;
  };
  // The changes in (from, to], preceded by the last change at or before `from` when there is
  // one: what an iCalendar VTIMEZONE needs to cover that span. Empty for a zone that never
  // changed (UTC).
  std::vector<Change> changes(Timestamp from, Timestamp to) const;

 private:
  const Type& type_at(Timestamp t) const;

  std::string name_;
  std::vector<std::int64_t> transitions_;  // UTC seconds, ascending
  std::vector<std::uint8_t> transition_types_;
  std::vector<Type> types_;  // never empty
  std::vector<Type> footer_types_;  // [standard] or [standard, daylight]
  std::vector<Rule> footer_rules_;  // empty, or [start of daylight, end of daylight]
};

// "2026-12-04 08:50": the wall-clock time of `t` in `zone`, minutes precision.
std::string format_local(Timestamp t, const TimeZone& zone);
// "04/12/2026 08:50" (es) or "2026-12-04 08:50" (en).
std::string format_local(Timestamp t, const TimeZone& zone, Lang lang);
// "2026-12-04T08:50:00-05:00": ISO 8601 with the zone's offset at `t`.
std::string format_iso_local(Timestamp t, const TimeZone& zone);
// As parse_iso, but a date-time without "Z" or an offset is a wall time in `zone`.
Result<Timestamp> parse_local(const std::string& text, const TimeZone& zone);

}  // namespace pasaprod
