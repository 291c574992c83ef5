// The calendar's pure parts: the iCalendar serializer (escaping, folding, times) and the
// conflicts a calendar flags (core/ics.h, core/calendar.h).
#include <gtest/gtest.h>

#include "core/calendar.h"
#include "core/ics.h"
#include "core_test_util.h"
#include "util/zoneinfo.h"

namespace pasaprod {
namespace {

constexpr Timestamp kHour = 3'600'000;
constexpr Timestamp kT0 = 1'796'000'000'000;  // 2026-11-30T00:53:20Z

TEST(IcsTest, EscapesTextValues) {
  EXPECT_EQ(ics::escape_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
  EXPECT_EQ(ics::escape_text("uno\r\ndos\rtres\tcuatro"), "uno\\ndos\\ntres cuatro");
  EXPECT_EQ(ics::escape_text("Año: ñandú"), "Año: ñandú");  // ':' is not escaped in TEXT
}

TEST(IcsTest, FoldsAt75OctetsWithoutSplittingACharacter) {
  EXPECT_EQ(ics::fold("SUMMARY:corto"), "SUMMARY:corto\r\n");
  const std::string exact = "SUMMARY:" + std::string(67, 'x');  // 75 octets: not folded
  EXPECT_EQ(ics::fold(exact), exact + "\r\n");
  const std::string long_line = "DESCRIPTION:" + std::string(200, 'y');
  const std::string folded = ics::fold(long_line);
  std::string unfolded;
  std::size_t start = 0;
  for (std::size_t end = folded.find("\r\n"); end != std::string::npos; end = folded.find("\r\n", start)) {
    const std::string piece = folded.substr(start, end - start);
    EXPECT_LE(piece.size(), 75u);
    if (start > 0) {
      ASSERT_EQ(piece[0], ' ');
      unfolded += piece.substr(1);
    } else {
      unfolded += piece;
    }
    start = end + 2;
  }
  EXPECT_EQ(start, folded.size());
  EXPECT_EQ(unfolded, long_line);
  // "ñ" is two octets: a fold never falls between them.
  std::string accents = "SUMMARY:x";
  for (int i = 0; i < 60; ++i) accents += "ñ";
  const std::string f = ics::fold(accents);
  for (std::size_t at = f.find("\r\n "); at != std::string::npos; at = f.find("\r\n ", at + 1)) {
    EXPECT_NE(static_cast<unsigned char>(f[at + 3]) & 0xC0, 0x80u) << "a continuation byte starts line at " << at;
  }
}

TimeZone zone(const char* name) {
  auto z = load_time_zone(name);
  EXPECT_TRUE(z) << name;
  return z ? *z : TimeZone::utc();
}

TEST(IcsTest, SerializesACalendarWithLocalTimesAVtimezoneAndCrlf) {
  const TimeZone lima = zone("America/Lima");
  ics::Calendar c{.name = "Pases, SIGA", .zone = &lima, .method = "", .events = {}};
  c.events.push_back({.uid = "PP-2026-0001-window@pasaprod",
                      .sequence = 2,
                      .stamp = kT0,
                      .start = kT0 + kHour,
                      .end = kT0 + 3 * kHour,
                      .summary = "PP-2026-0001 SIGA: Planillas; v2",
                      .description = "Ventana\nde despliegue",
                      .url = "https://pasaprod.example/releases/PP-2026-0001",
                      .category = "",
                      .transparent = false,
                      .attendee_name = "",
                      .attendee_address = ""});
  const std::string text = ics::serialize(c);
  EXPECT_EQ(text.rfind("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 0), 0u);
  EXPECT_NE(text.find("X-WR-CALNAME:Pases\\, SIGA\r\n"), std::string::npos);
  EXPECT_NE(text.find("X-WR-TIMEZONE:America/Lima\r\n"), std::string::npos);
  // Lima: one STANDARD observance, the change of 1994 still in force.
  EXPECT_NE(text.find("BEGIN:VTIMEZONE\r\nTZID:America/Lima\r\nBEGIN:STANDARD\r\nDTSTART:19940401T000000\r\n"
                      "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:-05\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"),
            std::string::npos);
  EXPECT_LT(text.find("END:VTIMEZONE"), text.find("BEGIN:VEVENT"));
  EXPECT_NE(text.find("UID:PP-2026-0001-window@pasaprod\r\nSEQUENCE:2\r\nDTSTAMP:20261130T005320Z\r\n"
                      "DTSTART;TZID=America/Lima:20261129T205320\r\nDTEND;TZID=America/Lima:20261129T225320\r\n"),
            std::string::npos);
  EXPECT_NE(text.find("SUMMARY:PP-2026-0001 SIGA: Planillas\\; v2\r\n"), std::string::npos);
  EXPECT_NE(text.find("DESCRIPTION:Ventana\\nde despliegue\r\n"), std::string::npos);
  EXPECT_EQ(text.find("METHOD"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 15), "END:VCALENDAR\r\n");
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ASSERT_EQ(text[i - 1], '\r') << "bare LF at " << i;
    }
  }
  const std::string invited = ics::add_to_events(text, "ORGANIZER;CN=pasaprod:mailto:pasaprod@example.pe");
  EXPECT_NE(invited.find("BEGIN:VEVENT\r\nORGANIZER;CN=pasaprod:mailto:pasaprod@example.pe\r\nUID:"), std::string::npos);
  EXPECT_EQ(ics::param_value("Pérez, Ana \"la jefa\""), "\"Pérez, Ana la jefa\"");
  EXPECT_EQ(ics::utc_time(0), "19700101T000000Z");
}

TEST(IcsTest, VtimezoneOfADaylightSavingZoneCoversTheSpanAndTwiceReadTimesAreUtc) {
  const TimeZone madrid = zone("Europe/Madrid");
  // A window across the change to summer time, and one at 02:30 of the night clocks go back:
  // once in summer time (the first 02:30, written local), once in winter time (UTC).
  ics::Calendar c{.name = "", .zone = &madrid, .method = "", .events = {}};
  const auto add = [&](const char* uid, const char* start, const char* end) {
    ics::Event e;
    e.uid = e.summary = uid;
    e.stamp = kT0;
    e.start = *parse_iso(start);
    e.end = *parse_iso(end);
    c.events.push_back(e);
  };
  add("a", "2030-03-30T22:00:00Z", "2030-03-31T02:00:00Z");
  add("b", "2030-10-27T00:30:00Z", "2030-10-27T01:30:00Z");
  const std::string text = ics::serialize(c);
  EXPECT_NE(text.find("BEGIN:STANDARD\r\nDTSTART:20291028T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("BEGIN:DAYLIGHT\r\nDTSTART:20300331T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"),
            std::string::npos);
  EXPECT_NE(text.find("BEGIN:STANDARD\r\nDTSTART:20301027T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"), std::string::npos);
  EXPECT_NE(text.find("DTSTART;TZID=Europe/Madrid:20300330T230000\r\nDTEND;TZID=Europe/Madrid:20300331T040000\r\n"), std::string::npos);
  EXPECT_NE(text.find("DTSTART;TZID=Europe/Madrid:20301027T023000\r\nDTEND:20301027T013000Z\r\n"), std::string::npos);
  // Without a zone: UTC times and no VTIMEZONE.
  c.zone = nullptr;
  const std::string utc = ics::serialize(c);
  EXPECT_EQ(utc.find("VTIMEZONE"), std::string::npos);
  EXPECT_NE(utc.find("DTSTART:20300330T220000Z\r\n"), std::string::npos);
}

FreezeWindow freeze(std::int64_t id, Timestamp from, Timestamp to) {
  FreezeWindow f;
  f.id = id;
  f.from = from;
  f.to = to;
  f.reason = "cierre";
  return f;
}

TEST(CalendarConflictsTest, OverlapsOnOneSystemAndFreezes) {
  const std::vector<DatedWindow> windows = {
      {"PP-1", "SIGA", kT0, kT0 + 4 * kHour},
      {"PP-2", "SIGA", kT0 + 2 * kHour, kT0 + 6 * kHour},   // overlaps PP-1 for 2 hours
      {"PP-3", "SIGA", kT0 + 6 * kHour, kT0 + 7 * kHour},   // starts when PP-2 ends: no overlap
      {"PP-4", "ALFA", kT0, kT0 + 8 * kHour},               // another system: no overlap
      {"PP-5", "ALFA", kT0 + 20 * kHour, kT0 + 21 * kHour},  // inside the freeze
  };
  const auto c = window_conflicts(windows, {freeze(7, kT0 + 19 * kHour, kT0 + 30 * kHour)});
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].release, "PP-1");
  EXPECT_EQ(c[0].other, "PP-2");
  EXPECT_EQ(c[0].from, kT0 + 2 * kHour);
  EXPECT_EQ(c[0].to, kT0 + 4 * kHour);
  EXPECT_EQ(c[1].release, "PP-2");
  EXPECT_EQ(c[1].other, "PP-1");
  EXPECT_EQ(c[2].release, "PP-5");
  ASSERT_TRUE(c[2].freeze);
  EXPECT_EQ(c[2].freeze->id, 7);
  EXPECT_EQ(c[2].other, "");
  EXPECT_TRUE(window_conflicts({}, {freeze(1, 0, kT0)}).empty());
  // A window longer than the next two meets both.
  const auto wide = window_conflicts({{"A", "S", 0, 10}, {"B", "S", 1, 2}, {"C", "S", 5, 6}}, {});
  ASSERT_EQ(wide.size(), 4u);
  EXPECT_EQ(wide[0].other, "B");
  EXPECT_EQ(wide[1].other, "C");
}

TEST(CalendarConflictsTest, TheWindowTypeIsFoundByItsKeys) {
  const RecordTypeDef* t = span_record_type(test::builtin());
  ASSERT_NE(t, nullptr);
  EXPECT_NE(std::find(t->keys.begin(), t->keys.end(), "from"), t->keys.end());
  EXPECT_NE(std::find(t->keys.begin(), t->keys.end(), "to"), t->keys.end());
}

// A window's span is the times of its type's first two keys; any other record has none, and
// neither has a window whose fields are not two times.
TEST(CalendarConflictsTest, AWindowsSpanIsTheTimesOfItsFirstTwoKeys) {
  const Procedure& proc = test::builtin();
  const RecordTypeDef* t = span_record_type(proc);
  ASSERT_NE(t, nullptr);
  Record rec;
  rec.type = t->code;
  rec.fields = {{t->keys[0], "2026-11-30T09:00:00-05:00"}, {t->keys[1], format_iso(kT0 + 20 * kHour)}};
  EXPECT_EQ(window_span(proc, rec), (TimeSpan{parse_iso("2026-11-30T14:00:00Z").value(), kT0 + 20 * kHour}));
  rec.fields[t->keys[1]] = "luego";
  EXPECT_EQ(window_span(proc, rec), std::nullopt);
  rec.fields.erase(t->keys[1]);
  EXPECT_EQ(window_span(proc, rec), std::nullopt);
  rec.fields[t->keys[1]] = format_iso(kT0);
  rec.type = t->code + "_not";
  EXPECT_EQ(window_span(proc, rec), std::nullopt);
}

TEST(CalendarMonthTest, MonthsInTheOfficeZone) {
  auto lima = load_time_zone("America/Lima");
  ASSERT_TRUE(lima);
  auto m = parse_month("2026-12", *lima);
  ASSERT_TRUE(m);
  EXPECT_EQ(format_iso(m->start), "2026-12-01T05:00:00Z");  // local midnight, UTC-5
  EXPECT_EQ(format_iso(m->end), "2027-01-01T05:00:00Z");
  EXPECT_EQ(m->text(), "2026-12");
  EXPECT_EQ(add_months(*m, 1, *lima).text(), "2027-01");
  EXPECT_EQ(add_months(*m, -12, *lima).text(), "2025-12");
  EXPECT_EQ(month_of(m->start - 1, *lima).text(), "2026-11");
  for (const char* bad : {"2026-13", "2026-1", "26-12", "2026/12", "", "1969-12", "2026-00"}) {
    auto r = parse_month(bad, *lima);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().id, "calendar.bad_month");
  }
}

}  // namespace
}  // namespace pasaprod
