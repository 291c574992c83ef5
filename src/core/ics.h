// iCalendar text (RFC 5545), written by hand: CRLF line ends, content lines folded at 75
// octets (never inside a UTF-8 character), TEXT values escaped. Event times are local to the
// calendar's zone (DTSTART;TZID=America/Lima:…) with a VTIMEZONE that covers the events' span,
// derived from the zone's own data (core/time_zone.h); DTSTAMP is in UTC ("…Z").
//
//   ics::Calendar c;
//   c.name = "pasaprod";
//   c.zone = &lima;  // a TimeZone, alive while c is serialized
//   c.events.push_back(event);  // uid "PP-2026-0001-window@pasaprod", stamp, start, end, summary…
//   std::string text = ics::serialize(c);  // "BEGIN:VCALENDAR\r\n…END:VCALENDAR\r\n"
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "core/time_zone.h"

namespace pasaprod::ics {

struct Event {
  std::string uid;        // stable: a client replaces the event of the same UID
  int sequence = 0;       // grows with each revision of the event
  Timestamp stamp = 0;    // DTSTAMP: when this revision was made
  Timestamp start = 0;    // DTSTART
  Timestamp end = 0;      // DTEND
  std::string summary;
  std::string description;  // "" = none
  std::string url;          // "" = none; an absolute URI
  std::string category;     // "" = none
  bool transparent = false;  // TRANSP:TRANSPARENT (does not make the person busy)
  // An invitation's attendee (METHOD:REQUEST): "" = none.
  std::string attendee_name, attendee_address;
};

struct Calendar {
  std::string name;       // X-WR-CALNAME
  // The zone of the events' times (TZID, VTIMEZONE) and the one clients should show them in
  // (X-WR-TIMEZONE); nullptr: times in UTC. A local time that the zone reads twice (clocks set
  // back) is written in UTC when it is the second of the two, as a TZID time names the first.
  const TimeZone* zone = nullptr;
  std::string method;     // "" (a feed) or "REQUEST" (an invitation)
  std::vector<Event> events;
};

// TEXT escaping (§3.3.11): backslash, semicolon, comma and newline; other control characters
// (CR, tab, …) become spaces.
std::string escape_text(std::string_view text);
// One content line (without its line end) folded (§3.1): no line longer than 75 octets, each
// continuation starting with a space, every line ended by CRLF.
std::string fold(std::string_view line);
// "20261211T030000Z".
std::string utc_time(Timestamp t);
// The VTIMEZONE component of `zone` (§3.6.5) covering [from, to]: one observance (STANDARD or
// DAYLIGHT) for the offset in force at `from` and one for each change up to `to`. A zone that
// never changes gets one STANDARD observance.
std::string vtimezone(const TimeZone& zone, Timestamp from, Timestamp to);
std::string serialize(const Calendar& calendar);
// `ics` with the content line `line` (unfolded, without its line end) added to every VEVENT,
// right after its BEGIN line (e.g. the ORGANIZER a mail's sender knows).
std::string add_to_events(const std::string& ics, std::string_view line);
// A parameter value (§3.2): quoted when it holds ';', ':' or ',', without DQUOTE or controls.
std::string param_value(std::string_view value);

}  // namespace pasaprod::ics
