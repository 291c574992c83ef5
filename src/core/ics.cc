// iCalendar text (ics.h).
#include "core/ics.h"

#include <algorithm>
#include <cstdio>

namespace pasaprod::ics {

namespace {

std::string line(std::string_view name, std::string_view value) {
  std::string l(name);
  l += ':';
  l += value;
  return fold(l);
}

// Controls other than tab and DEL become spaces (URIs and parameters cannot carry them).
std::string no_controls(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

// "20261211T030000": the date and time of `t` read as UTC (a wall time when `t` is local).
std::string date_time(Timestamp t) {
  const CivilDate d = civil_from_days(floor_div(t, 86'400'000));
  const std::int64_t s = (t - floor_div(t, 86'400'000) * 86'400'000) / 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld%02u%02uT%02lld%02lld%02lld", static_cast<long long>(d.y), d.m, d.d,
                static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

// UTC-OFFSET (§3.3.14): "-0500", "+0100", "-045640" when it has seconds.
std::string utc_offset(int seconds) {
  const int a = seconds < 0 ? -seconds : seconds;
  char buf[16];
  if (a % 60 != 0) std::snprintf(buf, sizeof buf, "%c%02d%02d%02d", seconds < 0 ? '-' : '+', a / 3600, a / 60 % 60, a % 60);
  else std::snprintf(buf, sizeof buf, "%c%02d%02d", seconds < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return buf;
}

// A DATE-TIME property: local with TZID when `zone` reads it back as `t`, else UTC.
std::string time_line(std::string_view name, Timestamp t, const TimeZone* zone) {
  if (zone) {
    const Timestamp local = zone->to_local(t);
    if (zone->from_local(local) == t) return fold(std::string(name) + ";TZID=" + param_value(zone->name()) + ":" + date_time(local));
  }
  return line(name, utc_time(t));
}

}  // namespace

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;  // CRLF is one newline
        out += "\\n";
        break;
      default: out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    }
  }
  return out;
}

std::string fold(std::string_view l) {
  std::string out;
  std::size_t limit = 75;  // octets on the first line; 74 after the leading space
  while (l.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(l[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    out.append(l.substr(0, cut));
    out += "\r\n ";
    l.remove_prefix(cut);
    limit = 74;
  }
  out.append(l);
  out += "\r\n";
  return out;
}

std::string utc_time(Timestamp t) { return date_time(t) + "Z"; }

std::string vtimezone(const TimeZone& zone, Timestamp from, Timestamp to) {
  std::vector<TimeZone::Change> changes = zone.changes(from, to);
  if (changes.empty()) {
    // Never changed: one observance from the epoch on.
    const int offset = zone.offset_seconds(from);
    changes.push_back({0, offset, {offset, false, zone.abbreviation(from)}});
  }
  std::string out = "BEGIN:VTIMEZONE\r\n" + line("TZID", escape_text(zone.name()));
  for (const auto& c : changes) {
    const char* kind = c.after.dst ? "DAYLIGHT" : "STANDARD";
    out += std::string("BEGIN:") + kind + "\r\n";
    // The onset is in the local time in force before it (TZOFFSETFROM).
    out += line("DTSTART", date_time(c.at + static_cast<Timestamp>(c.offset_before) * 1000));
    out += line("TZOFFSETFROM", utc_offset(c.offset_before));
    out += line("TZOFFSETTO", utc_offset(c.after.offset));
    if (!c.after.abbreviation.empty()) out += line("TZNAME", escape_text(c.after.abbreviation));
    out += std::string("END:") + kind + "\r\n";
  }
  out += "END:VTIMEZONE\r\n";
  return out;
}

std::string param_value(std::string_view value) {
  std::string v = no_controls(value);
  std::erase(v, '"');
  if (v.find_first_of(";:,") != std::string::npos) return "\"" + v + "\"";
  return v;
}

std::string serialize(const Calendar& c) {
  std::string out = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//OFIN MINEDU//pasaprod//ES\r\nCALSCALE:GREGORIAN\r\n";
  if (!c.method.empty()) out += line("METHOD", c.method);
  if (!c.name.empty()) out += line("X-WR-CALNAME", escape_text(c.name));
  if (c.zone) {
    out += line("X-WR-TIMEZONE", escape_text(c.zone->name()));
    if (!c.events.empty()) {
      Timestamp from = c.events.front().start, to = c.events.front().end;
      for (const Event& e : c.events) {
        from = std::min(from, std::min(e.start, e.end));
        to = std::max(to, std::max(e.start, e.end));
      }
      out += vtimezone(*c.zone, from, to);
    }
  }
  for (const Event& e : c.events) {
    out += "BEGIN:VEVENT\r\n";
    out += line("UID", escape_text(e.uid));
    out += line("SEQUENCE", std::to_string(e.sequence));
    out += line("DTSTAMP", utc_time(e.stamp));
    out += time_line("DTSTART", e.start, c.zone);
    out += time_line("DTEND", e.end, c.zone);
    out += line("SUMMARY", escape_text(e.summary));
    if (!e.description.empty()) out += line("DESCRIPTION", escape_text(e.description));
    if (!e.url.empty()) out += line("URL", no_controls(e.url));
    if (!e.category.empty()) out += line("CATEGORIES", escape_text(e.category));
    if (e.transparent) out += line("TRANSP", "TRANSPARENT");
    if (!e.attendee_address.empty()) {
      out += fold("ATTENDEE;CN=" + param_value(e.attendee_name) + ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:" +
                  no_controls(e.attendee_address));
    }
    out += "END:VEVENT\r\n";
  }
  out += "END:VCALENDAR\r\n";
  return out;
}

std::string add_to_events(const std::string& ics, std::string_view l) {
  const std::string begin = "BEGIN:VEVENT\r\n";
  const std::string added = fold(no_controls(l));
  std::string out;
  std::size_t from = 0;
  for (std::size_t at = ics.find(begin); at != std::string::npos; at = ics.find(begin, from)) {
    out.append(ics, from, at + begin.size() - from);
    out += added;
    from = at + begin.size();
  }
  out.append(ics, from);
  return out;
}

}  // namespace pasaprod::ics
