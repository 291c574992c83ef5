// The office's time zone: TZif parsing (including the POSIX footer rules used past the last
// transition), local formatting and parsing. Reads Debian's tzdata through util/zoneinfo.
#include "core/time_zone.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "util/zoneinfo.h"

namespace pasaprod {
namespace {

Timestamp at(const char* iso) {
  auto t = parse_iso(iso);
  EXPECT_TRUE(t) << iso;
  return t ? *t : 0;
}

TimeZone zone(const char* name) {
  auto z = load_time_zone(name);
  EXPECT_TRUE(z) << name << ": " << (z ? "" : z.error().en);
  return z ? *z : TimeZone::utc();
}

TEST(TimeZone, LimaIsFiveHoursBehindWithoutDaylightSaving) {
  const TimeZone lima = zone("America/Lima");
  EXPECT_EQ(lima.name(), "America/Lima");
  for (const char* t : {"2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z", "2045-12-04T13:50:00Z"}) {
    EXPECT_EQ(lima.offset_seconds(at(t)), -5 * 3600) << t;
  }
  EXPECT_EQ(lima.abbreviation(at("2026-12-04T13:50:00Z")), "-05");
  EXPECT_EQ(format_local(at("2026-12-04T13:50:00Z"), lima), "2026-12-04 08:50");
  EXPECT_EQ(format_local(at("2026-12-04T13:50:00Z"), lima, Lang::es), "04/12/2026 08:50");
  EXPECT_EQ(format_iso_local(at("2026-12-04T13:50:07Z"), lima), "2026-12-04T08:50:07-05:00");
  // Local midnight is the previous UTC day's evening... and the other way round.
  EXPECT_EQ(format_local(at("2026-12-05T03:00:00Z"), lima), "2026-12-04 22:00");
}

TEST(TimeZone, DaylightSavingFromTheTableAndFromTheFooterRules) {
  const TimeZone madrid = zone("Europe/Madrid");
  EXPECT_EQ(madrid.offset_seconds(at("2026-01-15T12:00:00Z")), 3600);
  EXPECT_EQ(madrid.offset_seconds(at("2026-07-15T12:00:00Z")), 7200);
  EXPECT_EQ(madrid.abbreviation(at("2026-07-15T12:00:00Z")), "CEST");
  // Far past any table: the footer "CET-1CEST,M3.5.0,M10.5.0/3" decides. In 2045 summer time
  // starts on Sunday 26 March at 01:00 UTC and ends on Sunday 29 October at 01:00 UTC.
  EXPECT_EQ(madrid.offset_seconds(at("2045-03-26T00:59:59Z")), 3600);
  EXPECT_EQ(madrid.offset_seconds(at("2045-03-26T01:00:00Z")), 7200);
  EXPECT_EQ(madrid.offset_seconds(at("2045-10-29T00:59:59Z")), 7200);
  EXPECT_EQ(madrid.offset_seconds(at("2045-10-29T01:00:00Z")), 3600);
  // Southern hemisphere: daylight time spans the new year.
  const TimeZone santiago = zone("America/Santiago");
  EXPECT_EQ(santiago.offset_seconds(at("2045-01-15T12:00:00Z")), -3 * 3600);
  EXPECT_EQ(santiago.offset_seconds(at("2045-07-15T12:00:00Z")), -4 * 3600);
}

TEST(TimeZone, ChangesOverASpanStartWithTheOneInForce) {
  // Lima has not changed since 1994: the change in force, and nothing else.
  const auto lima = zone("America/Lima").changes(at("2030-01-01T00:00:00Z"), at("2031-01-01T00:00:00Z"));
  ASSERT_EQ(lima.size(), 1u);
  EXPECT_EQ(lima[0].at, at("1994-04-01T04:00:00Z"));
  EXPECT_EQ(lima[0].offset_before, -4 * 3600);
  EXPECT_EQ(lima[0].after.offset, -5 * 3600);
  EXPECT_FALSE(lima[0].after.dst);
  // Madrid in 2030 (footer rules): October 2029 in force, then March and October.
  const auto madrid = zone("Europe/Madrid").changes(at("2030-01-01T00:00:00Z"), at("2030-12-31T00:00:00Z"));
  ASSERT_EQ(madrid.size(), 3u);
  EXPECT_EQ(madrid[0].at, at("2029-10-28T01:00:00Z"));
  EXPECT_EQ(madrid[1].at, at("2030-03-31T01:00:00Z"));
  EXPECT_EQ(madrid[1].offset_before, 3600);
  EXPECT_EQ(madrid[1].after.offset, 7200);
  EXPECT_TRUE(madrid[1].after.dst);
  EXPECT_EQ(madrid[1].after.abbreviation, "CEST");
  EXPECT_EQ(madrid[2].at, at("2030-10-27T01:00:00Z"));
  EXPECT_FALSE(madrid[2].after.dst);
  // Santiago: daylight time in force at new year, ends in April, starts in September.
  const auto santiago = zone("America/Santiago").changes(at("2030-01-01T00:00:00Z"), at("2030-12-31T00:00:00Z"));
  ASSERT_EQ(santiago.size(), 3u);
  EXPECT_EQ(santiago[0].at, at("2029-09-02T04:00:00Z"));
  EXPECT_TRUE(santiago[0].after.dst);
  EXPECT_EQ(santiago[1].at, at("2030-04-07T03:00:00Z"));
  EXPECT_EQ(santiago[2].at, at("2030-09-08T04:00:00Z"));
  // A span without a change: only the one in force.
  EXPECT_EQ(zone("Europe/Madrid").changes(at("2030-05-01T00:00:00Z"), at("2030-06-01T00:00:00Z")).size(), 1u);
  EXPECT_TRUE(TimeZone::utc().changes(at("2030-01-01T00:00:00Z"), at("2031-01-01T00:00:00Z")).empty());
}

TEST(TimeZone, LocalWallTimesBackToUtc) {
  const TimeZone lima = zone("America/Lima");
  auto t = parse_local("2026-12-04T08:50", lima);
  ASSERT_TRUE(t);
  EXPECT_EQ(format_iso(*t), "2026-12-04T13:50:00Z");
  // An explicit offset or Z wins over the zone.
  EXPECT_EQ(format_iso(*parse_local("2026-12-04T08:50Z", lima)), "2026-12-04T08:50:00Z");
  EXPECT_EQ(format_iso(*parse_local("2026-12-04T08:50-03:00", lima)), "2026-12-04T11:50:00Z");
  EXPECT_EQ(format_iso(*parse_local("2026-12-04", lima)), "2026-12-04T05:00:00Z");
  EXPECT_FALSE(parse_local("04/12/2026", lima));

  const TimeZone madrid = zone("Europe/Madrid");
  // 02:30 happens twice on 2026-10-25: the earlier instant (still summer time).
  EXPECT_EQ(format_iso(*parse_local("2026-10-25T02:30", madrid)), "2026-10-25T00:30:00Z");
  // 02:30 does not happen on 2026-03-29: read with the winter offset.
  EXPECT_EQ(format_iso(*parse_local("2026-03-29T02:30", madrid)), "2026-03-29T01:30:00Z");
  for (const char* local : {"2026-01-10T09:15", "2026-06-30T23:59", "2045-08-01T10:00"}) {
    auto u = parse_local(local, madrid);
    ASSERT_TRUE(u);
    EXPECT_EQ(format_local(*u, madrid), std::string(local).replace(10, 1, " ")) << local;
  }
}

TEST(TimeZone, NamesAreCheckedAndUnknownZonesRefused) {
  for (const char* bad : {"", "../etc/passwd", "America/../../etc/passwd", "/etc/passwd", "America//Lima",
                          "Amé rica/Lima", ".hidden", "America/Lima/"}) {
    auto z = load_time_zone(bad);
    ASSERT_FALSE(z) << bad;
    EXPECT_EQ(z.error().id, "tz.bad_name") << bad;
  }
  auto unknown = load_time_zone("America/Atlantida");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().id, "tz.unknown");
  EXPECT_NE(unknown.error().es.find("America/Lima"), std::string::npos);
  auto utc = load_time_zone("UTC");
  ASSERT_TRUE(utc);
  EXPECT_EQ(utc->offset_seconds(at("2026-12-04T13:50:00Z")), 0);
  EXPECT_EQ(TimeZone::utc().name(), "UTC");
}

TEST(TimeZone, DamagedDataIsRefusedNotTrusted) {
  std::ifstream in("/usr/share/zoneinfo/Europe/Madrid", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 100u);
  ASSERT_TRUE(TimeZone::from_tzif("Europe/Madrid", bytes));
  for (std::size_t cut : {std::size_t{3}, std::size_t{30}, bytes.size() / 2}) {
    auto z = TimeZone::from_tzif("Europe/Madrid", bytes.substr(0, cut));
    ASSERT_FALSE(z) << cut;
    EXPECT_EQ(z.error().id, "tz.invalid");
  }
  EXPECT_FALSE(TimeZone::from_tzif("X", "not a zone file at all, just text"));
}

}  // namespace
}  // namespace pasaprod
