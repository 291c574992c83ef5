// The calendar of deployment windows and freezes (issue 15): which record type is the window,
// a month in the office's time zone, and the conflicts a calendar flags. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/procedure.h"
#include "core/status.h"
#include "core/time_zone.h"

namespace pasaprod {

// The procedure's record type that plans a span of time: the one that `is: window` (its first
// two keys are the start and the end). nullptr when it has none.
const RecordTypeDef* span_record_type(const Procedure& proc);

// The span a record plans when its type is the procedure's window (span_record_type): from the
// fields of its first two keys, parse_span. nullopt for a record of another type, or whose
// fields do not hold two times (then it is not a window).
std::optional<TimeSpan> window_span(const Procedure& proc, const Record& rec);

// A window on the calendar: one request's latest span record.
struct DatedWindow {
  std::string release;  // request number
  std::string system;
  Timestamp from = 0;
  Timestamp to = 0;
};

// Something wrong with a window: another window of the same system overlapping it (`other`
// is that request), or a freeze it overlaps (`freeze`). `from`/`to`: the overlap.
struct WindowConflict {
  std::string release;
  std::string other;                    // "" for a freeze
  std::optional<FreezeWindow> freeze;   // set for a freeze
  Timestamp from = 0;
  Timestamp to = 0;
};

// Every conflict of every window, ordered by window (as given), then overlap start. An overlap
// of two windows is listed for both. Spans are half-open: one ending when the next starts does
// not overlap it.
std::vector<WindowConflict> window_conflicts(const std::vector<DatedWindow>& windows, const std::vector<FreezeWindow>& freezes);

// A calendar month and its span in a time zone: [start, end) are the UTC instants of local
// midnight on its first day and on the first day of the next month.
struct Month {
  int year = 0;
  unsigned month = 0;  // 1–12
  Timestamp start = 0;
  Timestamp end = 0;
  std::string text() const;  // "2026-12"
};
// Parses "YYYY-MM" (years 1970–9999); invalid_argument "calendar.bad_month" with field "month".
Result<Month> parse_month(const std::string& text, const TimeZone& zone);
// The month of the instant `t` in `zone`.
Month month_of(Timestamp t, const TimeZone& zone);
// The month before or after (`delta` months away).
Month add_months(const Month& m, int delta, const TimeZone& zone);

}  // namespace pasaprod
