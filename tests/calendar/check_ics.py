"""Parses iCalendar files with Debian's python3-icalendar and prints what a calendar client
reads from them, as JSON: per file the calendar's method and zone, its VTIMEZONEs' observances,
and each event's UID, SEQUENCE, DTSTAMP, SUMMARY, DESCRIPTION, URL, the TZID of DTSTART ("" for
UTC) and its times in the zone named by X-WR-TIMEZONE (ISO 8601 with offset).

A time with a TZID is read through that calendar's own VTIMEZONE (icalendar's to_tz), and must
be the same instant the system's tzdata gives that wall time (its first occurrence, RFC 5545
§3.3.5). Exits 1 when a file does not parse, has a line longer than 75 octets or a bare LF, an
event lacks a required property, DTSTAMP is not in UTC, a TZID has no VTIMEZONE, a VTIMEZONE
disagrees with tzdata, or the calendar written again by icalendar and parsed back reads
differently.

    python3 check_ics.py feed.ics invitation.ics
"""
import json
import sys
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

REQUIRED = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE")


def instant(path, ev, prop, zones):
    """The instant of a DATE-TIME property and its TZID ("" for UTC)."""
    value = ev[prop]
    tzid = value.params.get("TZID")
    if tzid is None:
        if value.dt.utcoffset() != timedelta(0):
            raise ValueError(f"{path}: {prop} is neither UTC nor local with a TZID")
        return value.dt, ""
    if tzid not in zones:
        raise ValueError(f"{path}: {prop} names TZID {tzid} without a VTIMEZONE")
    wall = value.dt.replace(tzinfo=None)
    # A wall time the zone reads twice names the first (earlier) instant.
    by_vtimezone = min(zones[tzid].localize(wall, is_dst=dst) for dst in (True, False))
    by_tzdata = wall.replace(tzinfo=ZoneInfo(tzid))
    if by_vtimezone.timestamp() != by_tzdata.timestamp():  # instants (PEP 495: == across zones fails in a fold)
        raise ValueError(f"{path}: {prop} {wall} reads {by_vtimezone} by the VTIMEZONE, {by_tzdata} by tzdata")
    return by_vtimezone, tzid


def text(value):
    ical = value.to_ical()
    return ical.decode() if isinstance(ical, bytes) else ical


def observances(tz):
    return [{"kind": o.name, "dtstart": o["DTSTART"].dt.isoformat(),
             "from": text(o["TZOFFSETFROM"]), "to": text(o["TZOFFSETTO"])}
            for o in tz.subcomponents]


def read(path, again=True):
    data = open(path, "rb").read()
    lines = data.split(b"\r\n")
    if again and (lines[-1] != b"" or any(len(line) > 75 or b"\n" in line for line in lines)):
        raise ValueError(f"{path}: lines must end with CRLF and hold at most 75 octets")
    cal = Calendar.from_ical(data)
    zone = ZoneInfo(str(cal.get("X-WR-TIMEZONE", "UTC")))
    zones = {str(tz["TZID"]): tz.to_tz() for tz in cal.walk("VTIMEZONE")}
    events = []
    for ev in cal.walk("VEVENT"):
        for prop in REQUIRED:
            if prop not in ev:
                raise ValueError(f"{path}: an event lacks {prop}")
        if "TZID" in ev["DTSTAMP"].params or ev.decoded("DTSTAMP").utcoffset() != timedelta(0):
            raise ValueError(f"{path}: DTSTAMP is not in UTC")
        start, tzid = instant(path, ev, "DTSTART", zones)
        end, _ = instant(path, ev, "DTEND", zones)
        events.append({
            "uid": str(ev["UID"]),
            "sequence": int(ev["SEQUENCE"]),
            "summary": str(ev["SUMMARY"]),
            "description": str(ev.get("DESCRIPTION", "")),
            "url": str(ev.get("URL", "")),
            "organizer": str(ev.get("ORGANIZER", "")),
            "attendee": str(ev.get("ATTENDEE", "")),
            "stamp": ev.decoded("DTSTAMP").isoformat(),
            "tzid": tzid,
            "start": start.astimezone(zone).isoformat(),
            "end": end.astimezone(zone).isoformat(),
        })
    out = {"method": str(cal.get("METHOD", "")), "time_zone": str(zone),
           "vtimezones": {str(tz["TZID"]): observances(tz) for tz in cal.walk("VTIMEZONE")}, "events": events}
    if again:
        copy = path + ".again"
        open(copy, "wb").write(cal.to_ical())
        if read(copy, again=False) != out:
            raise ValueError(f"{path}: written again by icalendar, it reads differently")
    return out


def main():
    try:
        print(json.dumps([read(p) for p in sys.argv[1:]], ensure_ascii=False))
    except Exception as e:  # noqa: BLE001 - any failure to read is the test's failure
        print(f"check_ics: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
