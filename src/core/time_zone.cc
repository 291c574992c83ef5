#include "core/time_zone.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace pasaprod {
namespace {

Error bad_tzif(const std::string& name, const char* why) {
  return make_error(Code::invalid_argument, "tz.invalid",
                    "Los datos de la zona horaria «" + name + "» no son válidos (" + why +
                        "); instale o actualice el paquete tzdata.",
                    "The time zone data of \"" + name + "\" is not valid (" + why + "); install or update tzdata.")
      .with("time_zone", name);
}

// Reads big-endian integers from TZif bytes; any read past the end sets `bad`.
struct Reader {
  std::string_view data;
  std::size_t pos = 0;
  bool bad = false;

  std::uint64_t be(std::size_t n) {
    if (pos + n > data.size()) {
      bad = true;
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(data[pos + i]);
    pos += n;
    return v;
  }
  std::int64_t signed_be(std::size_t n) {
    const std::uint64_t v = be(n);
    if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
  void skip(std::uint64_t n) {
    if (n > data.size() - std::min(pos, data.size())) bad = true;
    else pos += n;
  }
};

struct Counts {
  std::uint64_t isut, isstd, leap, time, type, chars;
};

bool read_header(Reader& r, char& version, Counts& c) {
  if (r.data.substr(r.pos, 4) != "TZif") return false;
  r.skip(4);
  version = r.pos < r.data.size() ? r.data[r.pos] : 0;
  r.skip(16);
  c = {r.be(4), r.be(4), r.be(4), r.be(4), r.be(4), r.be(4)};
  return !r.bad && c.type > 0 && c.type <= 256 && c.time <= 100000 && c.chars <= 1024;
}

// --- POSIX TZ footer ("<-05>5", "CET-1CEST,M3.5.0,M10.5.0/3") ---

struct Posix {
  std::string_view s;
  std::size_t pos = 0;
  bool bad = false;

  bool at_end() const { return pos >= s.size(); }
  char peek() const { return at_end() ? '\0' : s[pos]; }
  std::string name() {
    std::string out;
    if (peek() == '<') {
      ++pos;
      while (!at_end() && s[pos] != '>') out += s[pos++];
      if (at_end()) bad = true;
      else ++pos;
    } else {
      while (!at_end() && std::isalpha(static_cast<unsigned char>(s[pos]))) out += s[pos++];
    }
    if (out.size() < 3) bad = true;
    return out;
  }
  int number(int max) {
    if (!std::isdigit(static_cast<unsigned char>(peek()))) {
      bad = true;
      return 0;
    }
    int v = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      v = v * 10 + (s[pos++] - '0');
      if (v > max) bad = true;
    }
    return v;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  int hms() {
    int sign = 1;
    if (peek() == '+' || peek() == '-') sign = s[pos++] == '-' ? -1 : 1;
    int v = number(167) * 3600;
    if (peek() == ':') {
      ++pos;
      v += number(59) * 60;
      if (peek() == ':') {
        ++pos;
        v += number(59);
      }
    }
    return sign * v;
  }
  TimeZone::Rule rule() {
    TimeZone::Rule r;
    if (peek() == 'M') {
      ++pos;
      r.kind = 'M';
      r.month = number(12);
      if (peek() != '.') bad = true;
      ++pos;
      r.week = number(5);
      if (peek() != '.') bad = true;
      ++pos;
      r.day = number(6);
      if (r.month < 1 || r.week < 1) bad = true;
    } else if (peek() == 'J') {
      ++pos;
      r.kind = 'J';
      r.day = number(365);
      if (r.day < 1) bad = true;
    } else {
      r.kind = 'N';
      r.day = number(365);
    }
    if (peek() == '/') {
      ++pos;
      r.time = hms();
    }
    return r;
  }
};

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// UTC seconds at which `rule` switches in year `y`, the local clock being `offset` east of UTC.
std::int64_t rule_instant(const TimeZone::Rule& rule, std::int64_t y, int offset) {
  std::int64_t day = 0;  // days since the epoch
  if (rule.kind == 'J') {
    day = days_from_civil(y, 1, 1) + rule.day - 1 + (is_leap(y) && rule.day >= 60 ? 1 : 0);
  } else if (rule.kind == 'N') {
    day = days_from_civil(y, 1, 1) + rule.day;
  } else {
    const std::int64_t first = days_from_civil(y, static_cast<unsigned>(rule.month), 1);
    const int first_weekday = static_cast<int>(((first % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
    std::int64_t d = first + (rule.day - first_weekday + 7) % 7 + 7 * (rule.week - 1);
    const unsigned next_month = rule.month == 12 ? 1 : static_cast<unsigned>(rule.month + 1);
    const std::int64_t month_end = days_from_civil(rule.month == 12 ? y + 1 : y, next_month, 1);
    while (d >= month_end) d -= 7;
    day = d;
  }
  return day * 86400 + rule.time - offset;
}

}  // namespace

Result<TimeZone> TimeZone::from_tzif(std::string name, std::string_view tzif) {
  Reader r{tzif};
  char version = 0;
  Counts c{};
  if (!read_header(r, version, c)) return bad_tzif(name, "header");
  std::size_t time_size = 4;
  if (version >= '2') {
    // Skip the version 1 block; the 64-bit block and the footer follow.
    r.skip(c.time * 5 + c.type * 6 + c.chars + c.leap * 8 + c.isstd + c.isut);
    if (r.bad || !read_header(r, version, c)) return bad_tzif(name, "second header");
    time_size = 8;
  }
  TimeZone z;
  z.name_ = std::move(name);
  for (std::uint64_t i = 0; i < c.time; ++i) z.transitions_.push_back(r.signed_be(time_size));
  for (std::uint64_t i = 0; i < c.time; ++i) z.transition_types_.push_back(static_cast<std::uint8_t>(r.be(1)));
  std::vector<std::pair<int, std::uint8_t>> raw;  // offset, abbreviation index
  for (std::uint64_t i = 0; i < c.type; ++i) {
    Type t;
    t.offset = static_cast<int>(r.signed_be(4));
    t.dst = r.be(1) != 0;
    raw.push_back({t.offset, static_cast<std::uint8_t>(r.be(1))});
    z.types_.push_back(t);
  }
  const std::size_t chars_at = r.pos;
  r.skip(c.chars);
  if (r.bad) return bad_tzif(z.name_, "truncated");
  for (std::size_t i = 0; i < z.types_.size(); ++i) {
    if (raw[i].second >= c.chars) return bad_tzif(z.name_, "abbreviation");
    std::string_view chars = tzif.substr(chars_at + raw[i].second, c.chars - raw[i].second);
    z.types_[i].abbreviation = std::string(chars.substr(0, chars.find('\0')));
  }
  for (std::uint8_t t : z.transition_types_) {
    if (t >= z.types_.size()) return bad_tzif(z.name_, "transition type");
  }
  if (!std::is_sorted(z.transitions_.begin(), z.transitions_.end())) return bad_tzif(z.name_, "transition order");
  r.skip(c.leap * (time_size + 4) + c.isstd + c.isut);
  if (r.bad) return bad_tzif(z.name_, "truncated");

  if (time_size == 8 && r.pos < tzif.size() && tzif[r.pos] == '\n') {
    const std::size_t end = tzif.find('\n', r.pos + 1);
    if (end == std::string_view::npos) return bad_tzif(z.name_, "footer");
    Posix p{tzif.substr(r.pos + 1, end - r.pos - 1)};
    if (!p.at_end()) {
      Type standard;
      standard.abbreviation = p.name();
      standard.offset = -p.hms();
      z.footer_types_.push_back(standard);
      if (!p.at_end() && !p.bad) {
        Type daylight;
        daylight.dst = true;
        daylight.abbreviation = p.name();
        daylight.offset = standard.offset + 3600;
        if (p.peek() != ',' && !p.at_end()) daylight.offset = -p.hms();
        if (p.peek() != ',') return bad_tzif(z.name_, "footer rules");
        ++p.pos;
        z.footer_rules_.push_back(p.rule());
        if (p.peek() != ',') return bad_tzif(z.name_, "footer rules");
        ++p.pos;
        z.footer_rules_.push_back(p.rule());
        z.footer_types_.push_back(daylight);
      }
      if (p.bad || !p.at_end()) return bad_tzif(z.name_, "footer");
    }
  }
  return z;
}

TimeZone TimeZone::utc() {
  TimeZone z;
  z.name_ = "UTC";
  z.types_.push_back({0, false, "UTC"});
  return z;
}

const TimeZone::Type& TimeZone::type_at(Timestamp t) const {
  const std::int64_t secs = floor_div(t, 1000);
  const bool past_table = transitions_.empty() || secs >= transitions_.back();
  if (past_table && !footer_types_.empty()) {
    if (footer_rules_.empty()) return footer_types_[0];
    const std::int64_t y = civil_from_days(floor_div(secs, 86400)).y;
    // The rules switch on local time: daylight starts in standard time and ends in daylight.
    const std::int64_t start = rule_instant(footer_rules_[0], y, footer_types_[0].offset);
    const std::int64_t end = rule_instant(footer_rules_[1], y, footer_types_[1].offset);
    const bool daylight = start < end ? (secs >= start && secs < end) : !(secs >= end && secs < start);
    return footer_types_[daylight ? 1 : 0];
  }
  if (transitions_.empty() || secs < transitions_.front()) {
    // Before the first transition: the first standard-time type (RFC 8536 §3.2), else type 0.
    for (const Type& ty : types_) {
      if (!ty.dst) return ty;
    }
    return types_[0];
  }
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), secs);
  return types_[transition_types_[static_cast<std::size_t>(it - transitions_.begin()) - 1]];
}

std::vector<TimeZone::Change> TimeZone::changes(Timestamp from, Timestamp to) const {
  // Candidates: every table transition and every footer rule's instant in the years around the
  // span; kept where the type in force differs on either side (as type_at reads it).
  std::vector<std::int64_t> candidates(transitions_.begin(), transitions_.end());
  if (footer_rules_.size() == 2) {
    const std::int64_t first = civil_from_days(floor_div(floor_div(from, 1000), 86400)).y - 1;
    const std::int64_t last = civil_from_days(floor_div(floor_div(to, 1000), 86400)).y + 1;
    for (std::int64_t y = first; y <= last; ++y) {
      candidates.push_back(rule_instant(footer_rules_[0], y, footer_types_[0].offset));
      candidates.push_back(rule_instant(footer_rules_[1], y, footer_types_[1].offset));
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<Change> out;
  for (const std::int64_t secs : candidates) {
    const Timestamp at = secs * 1000;
    if (at > to) break;
    const Type& before = type_at(at - 1000);
    const Type& after = type_at(at);
    if (before.offset == after.offset && before.dst == after.dst && before.abbreviation == after.abbreviation) continue;
    // Only the last change at or before `from` is kept of those.
    if (!out.empty() && out.back().at <= from && at <= from) out.pop_back();
    out.push_back({at, before.offset, after});
  }
  return out;
}

int TimeZone::offset_seconds(Timestamp t) const { return type_at(t).offset; }

std::string TimeZone::abbreviation(Timestamp t) const { return type_at(t).abbreviation; }

Timestamp TimeZone::from_local(Timestamp local) const {
  constexpr Timestamp kDay = 86400000;
  const Timestamp before = local - static_cast<Timestamp>(offset_seconds(local - kDay)) * 1000;
  const Timestamp after = local - static_cast<Timestamp>(offset_seconds(local + kDay)) * 1000;
  const bool before_ok = to_local(before) == local;
  const bool after_ok = to_local(after) == local;
  if (before_ok && after_ok) return std::min(before, after);
  if (after_ok) return after;
  return before;
}

namespace {

struct Wall {
  CivilDate date;
  int hour, minute, second;
};

Wall wall(Timestamp t, const TimeZone& zone) {
  const std::int64_t secs = floor_div(zone.to_local(t), 1000);
  const std::int64_t days = floor_div(secs, 86400);
  const std::int64_t rem = secs - days * 86400;
  return {civil_from_days(days), static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
          static_cast<int>(rem % 60)};
}

}  // namespace

std::string format_local(Timestamp t, const TimeZone& zone) { return format_local(t, zone, Lang::en); }

std::string format_local(Timestamp t, const TimeZone& zone, Lang lang) {
  const Wall w = wall(t, zone);
  char buf[48];
  if (lang == Lang::es) {
    std::snprintf(buf, sizeof buf, "%02u/%02u/%04lld %02d:%02d", w.date.d, w.date.m, static_cast<long long>(w.date.y),
                  w.hour, w.minute);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d", static_cast<long long>(w.date.y), w.date.m, w.date.d,
                  w.hour, w.minute);
  }
  return buf;
}

std::string format_iso_local(Timestamp t, const TimeZone& zone) {
  const Wall w = wall(t, zone);
  const int off = zone.offset_seconds(t);
  const int a = off < 0 ? -off : off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", static_cast<long long>(w.date.y),
                w.date.m, w.date.d, w.hour, w.minute, w.second, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return buf;
}

Result<Timestamp> parse_local(const std::string& text, const TimeZone& zone) {
  Result<Timestamp> t = parse_iso(text);
  if (!t) return t;
  // parse_iso reads a text without an offset as UTC; here it is a wall time in `zone`.
  const std::string rest = text.size() > 10 ? text.substr(10) : std::string();
  const bool has_offset = rest.find_first_of("Zz+-") != std::string::npos;
  if (has_offset) return t;
  return zone.from_local(*t);
}

}  // namespace pasaprod
