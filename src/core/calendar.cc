// The calendar of windows and freezes (calendar.h).
#include "core/calendar.h"

#include <algorithm>

namespace pasaprod {

namespace {

constexpr Timestamp kDayMs = 86'400'000;

Month make_month(std::int64_t year, unsigned month, const TimeZone& zone) {
  Month m;
  m.year = static_cast<int>(year);
  m.month = month;
  m.start = zone.from_local(days_from_civil(year, month, 1) * kDayMs);
  const std::int64_t next_year = month == 12 ? year + 1 : year;
  const unsigned next_month = month == 12 ? 1 : month + 1;
  m.end = zone.from_local(days_from_civil(next_year, next_month, 1) * kDayMs);
  return m;
}

}  // namespace

const RecordTypeDef* span_record_type(const Procedure& proc) { return proc.record_meaning("window"); }

std::optional<TimeSpan> window_span(const Procedure& proc, const Record& rec) {
  const RecordTypeDef* type = span_record_type(proc);
  if (!type || type->code != rec.type || type->keys.size() < 2) return std::nullopt;
  const auto from = rec.fields.find(type->keys[0]), to = rec.fields.find(type->keys[1]);
  if (from == rec.fields.end() || to == rec.fields.end()) return std::nullopt;
  return parse_span(from->second, to->second);
}

std::vector<WindowConflict> window_conflicts(const std::vector<DatedWindow>& windows, const std::vector<FreezeWindow>& freezes) {
  std::vector<std::vector<WindowConflict>> of(windows.size());
  // Overlaps within a system: windows sorted by system and start; each meets only the
  // following ones that start before it ends.
  std::vector<std::size_t> order(windows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(windows[a].system, windows[a].from, a) < std::tie(windows[b].system, windows[b].from, b);
  });
  for (std::size_t x = 0; x < order.size(); ++x) {
    const DatedWindow& a = windows[order[x]];
    for (std::size_t y = x + 1; y < order.size(); ++y) {
      const DatedWindow& b = windows[order[y]];
      if (b.system != a.system || b.from >= a.to) break;
      if (b.release == a.release) continue;
      const Timestamp from = std::max(a.from, b.from), to = std::min(a.to, b.to);
      of[order[x]].push_back({a.release, b.release, std::nullopt, from, to});
      of[order[y]].push_back({b.release, a.release, std::nullopt, from, to});
    }
  }
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const DatedWindow& w = windows[i];
    for (const auto& f : freezes) {
      if (w.from < f.to && f.from < w.to) of[i].push_back({w.release, "", f, std::max(w.from, f.from), std::min(w.to, f.to)});
    }
  }
  std::vector<WindowConflict> out;
  for (auto& list : of) {
    std::stable_sort(list.begin(), list.end(), [](const WindowConflict& a, const WindowConflict& b) { return a.from < b.from; });
    out.insert(out.end(), list.begin(), list.end());
  }
  return out;
}

std::string Month::text() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", year, month);
  return buf;
}

Result<Month> parse_month(const std::string& text, const TimeZone& zone) {
  const auto bad = [&] {
    return make_error(Code::invalid_argument, "calendar.bad_month", "Indique el mes como AAAA-MM, por ejemplo 2026-12.",
                      "Give the month as YYYY-MM, e.g. 2026-12.")
        .with("field", "month");
  };
  if (text.size() != 7 || text[4] != '-') return bad();
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u}) {
    if (text[i] < '0' || text[i] > '9') return bad();
  }
  const int year = std::stoi(text.substr(0, 4));
  const unsigned month = static_cast<unsigned>(std::stoi(text.substr(5, 2)));
  if (year < 1970 || month < 1 || month > 12) return bad();
  return make_month(year, month, zone);
}

Month month_of(Timestamp t, const TimeZone& zone) {
  const CivilDate d = civil_from_days(floor_div(zone.to_local(t), kDayMs));
  return make_month(d.y, d.m, zone);
}

Month add_months(const Month& m, int delta, const TimeZone& zone) {
  const std::int64_t index = static_cast<std::int64_t>(m.year) * 12 + (m.month - 1) + delta;
  return make_month(floor_div(index, 12), static_cast<unsigned>(index - floor_div(index, 12) * 12) + 1, zone);
}

}  // namespace pasaprod
