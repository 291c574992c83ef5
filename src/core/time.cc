#include "core/time.h"

#include <cctype>
#include <cstdio>

namespace pasaprod {
namespace {

bool digits(const std::string& s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

Error bad_time(const std::string& text) {
  return make_error(Code::invalid_argument, "time.invalid",
                    "La fecha «" + text + "» no es válida; use el formato ISO 8601, por ejemplo 2026-11-28T14:30:00Z.",
                    "The date \"" + text + "\" is not valid; use ISO 8601, for example 2026-11-28T14:30:00Z.");
}

}  // namespace

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string format_iso(Timestamp t) {
  const std::int64_t secs = floor_div(t, 1000);
  const std::int64_t days = floor_div(secs, 86400);
  const std::int64_t rem = secs - days * 86400;
  const CivilDate c = civil_from_days(days);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(c.y), c.m, c.d,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

std::string format_date(Timestamp t) { return format_iso(t).substr(0, 10); }

int year_of(Timestamp t) { return static_cast<int>(civil_from_days(floor_div(floor_div(t, 1000), 86400)).y); }

Result<Timestamp> parse_iso(const std::string& text) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, mo) || text[7] != '-' ||
      !digits(text, 8, 2, d)) {
    return bad_time(text);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return bad_time(text);
  std::size_t pos = 10;
  std::int64_t millis = 0;
  std::int64_t offset_min = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != ' ' && text[pos] != 't') return bad_time(text);
    ++pos;
    if (!digits(text, pos, 2, h) || pos + 2 >= text.size() + 0 || text[pos + 2] != ':' || !digits(text, pos + 3, 2, mi)) {
      return bad_time(text);
    }
    pos += 5;
    if (pos < text.size() && text[pos] == ':') {
      if (!digits(text, pos + 1, 2, s)) return bad_time(text);
      pos += 3;
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        int scale = 100;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
          millis += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
      }
    }
    if (pos < text.size()) {
      if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
      } else if (text[pos] == '+' || text[pos] == '-') {
        int oh, om;
        const int sign = text[pos] == '-' ? -1 : 1;
        if (!digits(text, pos + 1, 2, oh)) return bad_time(text);
        std::size_t p2 = pos + 3;
        if (p2 < text.size() && text[p2] == ':') ++p2;
        if (!digits(text, p2, 2, om)) return bad_time(text);
        offset_min = sign * (oh * 60 + om);
        pos = p2 + 2;
      }
    }
    if (pos != text.size() || h > 23 || mi > 59 || s > 60) return bad_time(text);
  }
  const CivilDate check = civil_from_days(days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)));
  if (static_cast<int>(check.m) != mo) return bad_time(text);  // e.g. 2026-02-30
  const std::int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                            h * 3600 + mi * 60 + s - offset_min * 60;
  return secs * 1000 + millis;
}

std::optional<TimeSpan> parse_span(const std::string& from, const std::string& to) {
  auto f = parse_iso(from), t = parse_iso(to);
  if (!f || !t) return std::nullopt;
  return TimeSpan{*f, *t};
}

}  // namespace pasaprod
