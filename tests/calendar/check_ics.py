"""Parses iCalendar files with Debian's python3-icalendar and prints what a calendar client
reads from them, as JSON: per file the calendar's method and zone, and each event's UID,
SEQUENCE, SUMMARY, DESCRIPTION, URL and times in the zone named by X-WR-TIMEZONE (ISO 8601
with offset). Exits 1 when a file does not parse, has a line longer than 75 octets or a bare
LF, an event lacks a required property, a time is not in UTC, or the calendar written again by
icalendar and parsed back reads differently.

    python3 check_ics.py feed.ics invitation.ics
"""
import json
import sys
from zoneinfo import ZoneInfo

from icalendar import Calendar

REQUIRED = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE")


def read(path, again=True):
    data = open(path, "rb").read()
    lines = data.split(b"\r\n")
    if again and (lines[-1] != b"" or any(len(line) > 75 or b"\n" in line for line in lines)):
        raise ValueError(f"{path}: lines must end with CRLF and hold at most 75 octets")
    cal = Calendar.from_ical(data)
    zone = ZoneInfo(str(cal.get("X-WR-TIMEZONE", "UTC")))
    events = []
    for ev in cal.walk("VEVENT"):
        for prop in REQUIRED:
            if prop not in ev:
                raise ValueError(f"{path}: an event lacks {prop}")
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        if start.utcoffset() is None or start.utcoffset().total_seconds() != 0:
            raise ValueError(f"{path}: DTSTART is not in UTC")
        events.append({
            "uid": str(ev["UID"]),
            "sequence": int(ev["SEQUENCE"]),
            "summary": str(ev["SUMMARY"]),
            "description": str(ev.get("DESCRIPTION", "")),
            "url": str(ev.get("URL", "")),
            "organizer": str(ev.get("ORGANIZER", "")),
            "attendee": str(ev.get("ATTENDEE", "")),
            "start": start.astimezone(zone).isoformat(),
            "end": end.astimezone(zone).isoformat(),
        })
    out = {"method": str(cal.get("METHOD", "")), "time_zone": str(zone), "events": events}
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
