// The calendar's iCalendar as a real parser reads it (issue 15): a server is started, windows
// (one recorded twice) and a freeze are recorded over HTTP, and the feeds behind secret
// addresses and the invitations queued with the mail are parsed by Debian's python3-icalendar
// (check_ics.py): the windows' times, local with a TZID, round-trip through the calendar's own
// VTIMEZONE to the same instants as tzdata gives, in Lima and in a zone with daylight saving
// time (windows across its changes); a re-recorded window and an edited freeze are the same
// event with a higher SEQUENCE; events link to the request.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "api_office.h"
#include "db_rows.h"

namespace apitest {
namespace {

constexpr const char* kPublicUrl = "https://pasaprod.example.pe";

// Runs check_ics.py on `files`; its JSON (one object per file), or null when it failed.
json parse_with_python(const std::vector<fs::path>& files) {
  std::string command = "/usr/bin/python3 " PASAPROD_CALENDAR_TEST_DIR "/check_ics.py";
  for (const auto& f : files) command += " '" + f.string() + "'";
  command += " 2>&1";
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return nullptr;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  if (status != 0) {
    ADD_FAILURE() << "check_ics.py: " << out;
    return nullptr;
  }
  return json::parse(out, nullptr, false);
}

fs::path write(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

// The invitations queued for `number`'s windows, oldest first: {address, calendar}.
std::vector<std::pair<std::string, std::string>> invitations(const fs::path& db_path, const std::string& number) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : db_rows(db_path, "SELECT address, calendar FROM outbox WHERE release = ? AND calendar <> '' ORDER BY id", number)) {
    out.emplace_back(row[0], row[1]);
  }
  return out;
}

const json* event_of(const json& cal, const std::string& uid) {
  for (const auto& e : cal["events"]) {
    if (e["uid"] == uid) return &e;
  }
  return nullptr;
}

TEST(CalendarFeed, FeedsAndInvitationsParseAndRoundTripTheWindowsInTheOfficeZone) {
  ServeOptions options;
  options.extra = {"--public-url", kPublicUrl};
  auto office = Office::fresh(options);
  Walker walker(*office);
  const std::string title = "Planillas, año; v2 \\ con un título largo que obliga a doblar las líneas del calendario";
  const std::string a = walker.open("ALFA", "maintenance", "", title)["number"];
  const std::string b = walker.open("MTX", "maintenance")["number"];
  for (const auto& n : {a, b}) walker.advance(n, "submitted");
  const std::string op = office->cast.at("release_operator");
  walker.record(a, "window", {{"from", "2030-03-09T22:00:00-05:00"}, {"to", "2030-03-10T01:00:00-05:00"}}, op);
  walker.record(a, "window", {{"from", "2030-03-10T22:30:00-05:00"}, {"to", "2030-03-11T01:15:00-05:00"}}, op);  // moved
  walker.record(b, "window", {{"from", "2030-03-20T21:00:00-05:00"}, {"to", "2030-03-20T23:00:00-05:00"}}, op);
  office->admin()
      .post("/api/v1/freezes", {{"from", "2030-03-20T00:00:00-05:00"}, {"to", "2030-03-21T00:00:00-05:00"}, {"reason", "Cierre, «fin de año»"}})
      .expect(201);

  TempDir dir;
  Api anonymous(office->port());
  const auto feed_of = [&](const std::string& user, const std::string& scope) {
    const std::string url = office->as(user).post("/api/v1/calendar/keys", {{"scope", scope}}).expect(201).json()["url"];
    EXPECT_EQ(url.rfind(std::string(kPublicUrl) + "/calendar/", 0), 0u) << url;
    return anonymous.get(url.substr(std::string(kPublicUrl).size())).expect(200).body;
  };
  const fs::path office_feed = write(dir.path() / "office.ics", feed_of(office->cast.at("it_chief"), "office"));
  const fs::path alfa_feed = write(dir.path() / "alfa.ics", feed_of(office->cast.at("dba"), "system:ALFA"));
  const auto invited = invitations(office->db(), a);
  ASSERT_GE(invited.size(), 2u);  // the requester at least, for each of the two windows
  const fs::path first = write(dir.path() / "invitation-1.ics", invited.front().second);
  const fs::path last = write(dir.path() / "invitation-2.ics", invited.back().second);

  const json parsed = parse_with_python({office_feed, alfa_feed, first, last});
  ASSERT_TRUE(parsed.is_array()) << parsed;
  const json& cal = parsed[0];
  EXPECT_EQ(cal["time_zone"], "America/Lima");
  // Lima has no daylight saving time: one STANDARD observance, in force since 1994.
  ASSERT_EQ(cal["vtimezones"]["America/Lima"].size(), 1u) << cal["vtimezones"];
  EXPECT_EQ(cal["vtimezones"]["America/Lima"][0]["kind"], "STANDARD");
  EXPECT_EQ(cal["vtimezones"]["America/Lima"][0]["to"], "-0500");
  EXPECT_EQ(cal["method"], "");
  const json* wa = event_of(cal, a + "-window@pasaprod");
  ASSERT_NE(wa, nullptr) << cal;
  EXPECT_EQ((*wa)["start"], "2030-03-10T22:30:00-05:00");  // the latest window, in Lima
  EXPECT_EQ((*wa)["end"], "2030-03-11T01:15:00-05:00");
  EXPECT_EQ((*wa)["sequence"], 1);
  EXPECT_EQ((*wa)["tzid"], "America/Lima");
  EXPECT_EQ((*wa)["summary"], a + " ALFA: " + title);
  EXPECT_EQ((*wa)["url"], std::string(kPublicUrl) + "/releases/" + a);
  EXPECT_NE((*wa)["description"].get<std::string>().find("10/03/2030 22:30"), std::string::npos) << (*wa)["description"];
  const json* wb = event_of(cal, b + "-window@pasaprod");
  ASSERT_NE(wb, nullptr);
  EXPECT_EQ((*wb)["start"], "2030-03-20T21:00:00-05:00");
  EXPECT_EQ((*wb)["sequence"], 0);
  bool freeze = false;
  for (const auto& e : cal["events"]) {
    freeze = freeze || (e["summary"] == "Congelamiento: Cierre, «fin de año»" && e["start"] == "2030-03-20T00:00:00-05:00");
  }
  EXPECT_TRUE(freeze) << cal;
  // One system's feed: its windows (and the freezes), not another system's.
  EXPECT_NE(event_of(parsed[1], a + "-window@pasaprod"), nullptr);
  EXPECT_EQ(event_of(parsed[1], b + "-window@pasaprod"), nullptr);
  // The invitations: the same event (UID), addressed to the recipient, SEQUENCE 0 then 1.
  for (const auto& [i, seq, start] : {std::tuple{2, 0, "2030-03-09T22:00:00-05:00"}, std::tuple{3, 1, "2030-03-10T22:30:00-05:00"}}) {
    const json& inv = parsed[i];
    EXPECT_EQ(inv["method"], "REQUEST");
    ASSERT_EQ(inv["events"].size(), 1u);
    const json& e = inv["events"][0];
    EXPECT_EQ(e["uid"], a + "-window@pasaprod");
    EXPECT_EQ(e["sequence"], seq);
    EXPECT_EQ(e["start"], start);
    EXPECT_EQ(e["tzid"], "America/Lima");
    EXPECT_EQ(inv["vtimezones"]["America/Lima"].size(), 1u);
    EXPECT_EQ(e["attendee"], "mailto:" + (i == 2 ? invited.front().first : invited.back().first));
  }
}

// The observances of `zone` in a parsed calendar that start at `dtstart` (local, ISO 8601).
int observances_at(const json& cal, const std::string& zone, const std::string& kind, const std::string& dtstart) {
  int n = 0;
  for (const auto& o : cal["vtimezones"][zone]) n += o["kind"] == kind && o["dtstart"] == dtstart ? 1 : 0;
  return n;
}

TEST(CalendarFeed, ADaylightSavingZoneRoundTripsAcrossItsChangesAndEditedFreezesRaiseTheSequence) {
  ServeOptions options;
  options.extra = {"--public-url", kPublicUrl};
  auto office = Office::fresh(options);
  office->admin().put("/api/v1/settings/documents", json{{"time_zone", "Europe/Madrid"}}.dump()).expect(204);
  Walker walker(*office);
  const std::string a = walker.open("ALFA", "maintenance")["number"];
  const std::string b = walker.open("MTX", "maintenance")["number"];
  for (const auto& n : {a, b}) walker.advance(n, "submitted");
  const std::string op = office->cast.at("release_operator");
  // Across the change to summer time (02:00 → 03:00 on 31 March 2030), and from the first 02:30
  // to the second one of the night clocks go back (27 October 2030).
  walker.record(a, "window", {{"from", "2030-03-31T01:30:00+01:00"}, {"to", "2030-03-31T04:00:00+02:00"}}, op);
  walker.record(b, "window", {{"from", "2030-10-27T02:30:00+02:00"}, {"to", "2030-10-27T02:30:00+01:00"}}, op);
  const json freeze = office->admin()
                          .post("/api/v1/freezes", {{"from", "2030-07-01T00:00:00+02:00"}, {"to", "2030-07-15T00:00:00+02:00"}, {"reason", "Cierre"}})
                          .expect(201)
                          .json();
  const std::string freeze_uid = "freeze-" + std::to_string(freeze["id"].get<std::int64_t>()) + "@pasaprod";

  const std::string url = office->as(office->cast.at("it_chief")).post("/api/v1/calendar/keys", {{"scope", "office"}}).expect(201).json()["url"];
  Api anonymous(office->port());
  TempDir dir;
  const auto feed = [&](const std::string& name) { return write(dir.path() / name, anonymous.get(url.substr(std::string(kPublicUrl).size())).expect(200).body); };
  const fs::path before = feed("before.ics");
  const json edit = {{"from", "2030-07-02T00:00:00+02:00"}, {"to", "2030-07-16T00:00:00+02:00"}, {"reason", "Cierre de mes"}, {"note", "se corre un día"}};
  const std::string freeze_path = "/api/v1/freezes/" + std::to_string(freeze["id"].get<std::int64_t>());
  office->admin().put(freeze_path, edit.dump()).expect(200);
  const fs::path once = feed("once.ics");
  office->admin().put(freeze_path, json{{"from", "2030-07-02T00:00:00+02:00"}, {"to", "2030-07-16T00:00:00+02:00"}, {"reason", "Cierre del mes"}, {"note", "motivo"}}.dump()).expect(200);
  const fs::path twice = feed("twice.ics");

  const json parsed = parse_with_python({before, once, twice});
  ASSERT_TRUE(parsed.is_array()) << parsed;
  const json& cal = parsed[0];
  EXPECT_EQ(cal["time_zone"], "Europe/Madrid");
  // The observances around the events: winter time in force (from October 2029), summer time
  // from 31 March, winter time again from 27 October.
  EXPECT_EQ(observances_at(cal, "Europe/Madrid", "STANDARD", "2029-10-28T03:00:00"), 1) << cal["vtimezones"];
  EXPECT_EQ(observances_at(cal, "Europe/Madrid", "DAYLIGHT", "2030-03-31T02:00:00"), 1) << cal["vtimezones"];
  EXPECT_EQ(observances_at(cal, "Europe/Madrid", "STANDARD", "2030-10-27T03:00:00"), 1) << cal["vtimezones"];
  const json* wa = event_of(cal, a + "-window@pasaprod");
  ASSERT_NE(wa, nullptr) << cal;
  EXPECT_EQ((*wa)["tzid"], "Europe/Madrid");
  EXPECT_EQ((*wa)["start"], "2030-03-31T01:30:00+01:00");
  EXPECT_EQ((*wa)["end"], "2030-03-31T04:00:00+02:00");
  const json* wb = event_of(cal, b + "-window@pasaprod");
  ASSERT_NE(wb, nullptr) << cal;
  EXPECT_EQ((*wb)["start"], "2030-10-27T02:30:00+02:00");
  EXPECT_EQ((*wb)["end"], "2030-10-27T02:30:00+01:00");  // the second 02:30: written in UTC

  // The freeze: the same event, its SEQUENCE raised by each edit, DTSTAMP not going back.
  std::vector<const json*> revisions;
  for (const auto& c : parsed) revisions.push_back(event_of(c, freeze_uid));
  for (const json* r : revisions) ASSERT_NE(r, nullptr) << parsed;
  EXPECT_EQ((*revisions[0])["sequence"], 0);
  EXPECT_EQ((*revisions[0])["start"], "2030-07-01T00:00:00+02:00");
  EXPECT_EQ((*revisions[1])["sequence"], 1);
  EXPECT_EQ((*revisions[1])["start"], "2030-07-02T00:00:00+02:00");
  EXPECT_EQ((*revisions[1])["summary"], "Congelamiento: Cierre de mes");
  EXPECT_EQ((*revisions[2])["sequence"], 2);
  EXPECT_EQ((*revisions[2])["summary"], "Congelamiento: Cierre del mes");
  EXPECT_LE((*revisions[0])["stamp"].get<std::string>(), (*revisions[1])["stamp"].get<std::string>());
  EXPECT_LE((*revisions[1])["stamp"].get<std::string>(), (*revisions[2])["stamp"].get<std::string>());
  // A window's sequence is not moved by the freeze's edits.
  EXPECT_EQ((*event_of(parsed[2], a + "-window@pasaprod"))["sequence"], 0);
}

}  // namespace
}  // namespace apitest
