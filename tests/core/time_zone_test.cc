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
