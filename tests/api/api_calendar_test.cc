// The calendar over HTTP (issue 15): a month's windows, freezes and conflicts; each user's
// secret feed addresses — made, rotated (the old one answers 404), removed, never another
// user's, never in the server's log — and the feeds behind them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api_office.h"
#include "db_rows.h"

namespace apitest {
namespace {

// The path of a feed URL ("http://127.0.0.1:PORT/calendar/KEY.ics" → "/calendar/KEY.ics").
std::string path_of(const std::string& url) { return url.substr(url.find("/calendar/")); }

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The audit trail's events of `action`, "actor|subject|before|after" a line.
// The office's audit events of `action` as "actor|subject|before|after" lines, read under the
// server from its database (SQLite file or PostgreSQL URL).
std::string audit_of(const fs::path& db, const std::string& action) {
  std::string out;
  if (db.string().starts_with("postgresql://")) {
    pasaprod::pg::Connection conn(db.string(), "");
    pasaprod::pg::Result rows =
        conn.exec("SELECT actor, subject, before_json, after_json FROM audit_events WHERE action = $1 ORDER BY seq", action);
    for (int i = 0; i < rows.rows(); ++i) {
      const auto r = rows.row(i);
      out += r.text(0) + "|" + r.text(1) + "|" + r.text(2) + "|" + r.text(3) + "\n";
    }
    return out;
  }
  for (const auto& row : db_rows(db, "SELECT actor, subject, before_json, after_json FROM audit_events WHERE action = ?", action)) {
    out += row[0] + "|" + row[1] + "|" + row[2] + "|" + row[3] + "\n";
  }
  return out;
}

class CalendarApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::fresh().release();
    walker_ = new Walker(*office_);
    // Two requests of ALFA whose windows overlap on 10 March 2030 (Lima), one of MTX inside a freeze.
    a_ = walker_->open("ALFA", "maintenance")["number"];
    b_ = walker_->open("ALFA", "maintenance")["number"];
    c_ = walker_->open("MTX", "maintenance")["number"];
    const std::string op = office_->cast.at("release_operator");
    for (const auto& n : {a_, b_, c_}) walker_->advance(n, "submitted");
    walker_->record(a_, "window", {{"from", "2030-03-10T22:00:00-05:00"}, {"to", "2030-03-11T01:00:00-05:00"}}, op);
    walker_->record(b_, "window", {{"from", "2030-03-11T00:00:00-05:00"}, {"to", "2030-03-11T02:00:00-05:00"}}, op);
    walker_->record(c_, "window", {{"from", "2030-03-20T22:00:00-05:00"}, {"to", "2030-03-20T23:00:00-05:00"}}, op);
    office_->admin()
        .post("/api/v1/freezes", {{"from", "2030-03-20T00:00:00-05:00"}, {"to", "2030-03-21T00:00:00-05:00"}, {"reason", "Cierre de año"}})
        .expect(201);
  }
  static void TearDownTestSuite() {
    delete walker_;
    delete office_;
  }

  static Office* office_;
  static Walker* walker_;
  static std::string a_, b_, c_;
};

Office* CalendarApi::office_ = nullptr;
Walker* CalendarApi::walker_ = nullptr;
std::string CalendarApi::a_, CalendarApi::b_, CalendarApi::c_;

TEST_F(CalendarApi, AMonthShowsWindowsFreezesAndConflictsInTheOfficeZone) {
  const json m = office_->as(office_->cast.at("it_chief")).get("/api/v1/calendar?month=2030-03").expect(200).json();
  EXPECT_EQ(m["time_zone"], "America/Lima");
  ASSERT_EQ(m["windows"].size(), 3u) << m.dump();
  EXPECT_EQ(m["windows"][0]["release"], a_);
  EXPECT_EQ(m["windows"][0]["from"], "2030-03-10T22:00:00-05:00");
  ASSERT_EQ(m["freezes"].size(), 1u);
  ASSERT_EQ(m["conflicts"].size(), 3u) << m["conflicts"].dump();
  EXPECT_EQ(m["conflicts"][0]["release"], a_);
  EXPECT_EQ(m["conflicts"][0]["other_release"], b_);
  EXPECT_EQ(m["conflicts"][0]["from"], "2030-03-11T00:00:00-05:00");
  EXPECT_EQ(m["conflicts"][2]["release"], c_);
  EXPECT_TRUE(m["conflicts"][2].contains("freeze"));
  // One system; another month; a malformed month.
  EXPECT_EQ(office_->admin().get("/api/v1/calendar?month=2030-03&system=MTX").expect(200).json()["windows"].size(), 1u);
  EXPECT_EQ(office_->admin().get("/api/v1/calendar?month=2030-04").expect(200).json()["windows"].size(), 0u);
  const Response bad = office_->admin().get("/api/v1/calendar?month=2030-3");
  EXPECT_EQ(bad.status, 400) << bad.describe();
  EXPECT_EQ(bad.json()["id"], "calendar.bad_month") << bad.body;
}

TEST_F(CalendarApi, AKeyShowsTheFeedOnceAndRotatingItInvalidatesTheOldAddress) {
  Api& chief = office_->as(office_->cast.at("it_chief"));
  const json made = chief.post("/api/v1/calendar/keys", {{"scope", "office"}}).expect(201).json();
  const std::string url = made["url"];
  EXPECT_EQ(url.rfind("http://127.0.0.1", 0), 0u) << url;  // the Host the client sent
  Api anonymous(office_->port());
  const Response feed = anonymous.get(path_of(url)).expect(200);
  EXPECT_EQ(feed.header("Content-Type").value_or(""), "text/calendar; charset=utf-8");
  EXPECT_EQ(feed.body.rfind("BEGIN:VCALENDAR\r\n", 0), 0u);
  for (const auto& n : {a_, b_, c_}) EXPECT_NE(feed.body.find("UID:" + n + "-window@pasaprod"), std::string::npos) << n;
  EXPECT_NE(feed.body.find("DTSTART;TZID=America/Lima:20300310T220000"), std::string::npos);  // 03:00 UTC
  EXPECT_NE(feed.body.find("Cierre de año"), std::string::npos);
  // The list shows scopes and dates, never the address.
  const json keys = chief.get("/api/v1/calendar/keys").expect(200).json();
  ASSERT_EQ(keys["items"].size(), 1u);
  EXPECT_EQ(keys["items"][0]["scope"], "office");
  EXPECT_EQ(keys["items"][0].dump().find(path_of(url).substr(10, 20)), std::string::npos);
  // Rotation: the new address works, the old one no longer does.
  const json rotated = chief.post("/api/v1/calendar/keys", {{"scope", "office"}}).expect(201).json();
  EXPECT_NE(rotated["url"], url);
  EXPECT_FALSE(rotated["rotated_at"].is_null());
  EXPECT_EQ(anonymous.get(path_of(url)).status, 404);
  anonymous.get(path_of(rotated["url"])).expect(200);
  // Unknown and malformed keys; the audit trail names the change but never the key.
  EXPECT_EQ(anonymous.get("/calendar/no-such-key.ics").status, 404);
  EXPECT_EQ(anonymous.get("/calendar/" + path_of(rotated["url"]).substr(10, 43)).status, 404);  // without .ics
  const std::string events = audit_of(office_->db(), "calendar.key_create") + audit_of(office_->db(), "calendar.key_rotate");
  EXPECT_NE(events.find(office_->cast.at("it_chief") + "|"), std::string::npos) << events;
  EXPECT_NE(events.find("\"rotated_at\""), std::string::npos) << events;
  EXPECT_EQ(events.find(path_of(rotated["url"]).substr(10, 43)), std::string::npos);
  // Removed: 404 from then on.
  chief.del("/api/v1/calendar/keys/office").expect(204);
  EXPECT_EQ(anonymous.get(path_of(rotated["url"])).status, 404);
  // The server's log shows the route, never a key.
  const std::string log = slurp(office_->dir() / "serve.err") + slurp(office_->dir() / "serve.out");
  EXPECT_NE(log.find("/calendar/{file}"), std::string::npos);
  EXPECT_EQ(log.find(path_of(url).substr(10, 43)), std::string::npos);
}

TEST_F(CalendarApi, MyRequestsAreMineAndAnotherUsersScopeIsOutOfReach) {
  // The project lead opened every request; the DBA took part in none.
  Api& lead = office_->as(office_->cast.at("project_lead"));
  Api& dba = office_->as(office_->cast.at("dba"));
  Api anonymous(office_->port());
  const std::string lead_url = lead.post("/api/v1/calendar/keys", {{"scope", "mine"}}).expect(201).json()["url"];
  const std::string dba_url = dba.post("/api/v1/calendar/keys", {{"scope", "mine"}}).expect(201).json()["url"];
  EXPECT_NE(anonymous.get(path_of(lead_url)).expect(200).body.find(a_), std::string::npos);
  const std::string dba_feed = anonymous.get(path_of(dba_url)).expect(200).body;
  EXPECT_EQ(dba_feed.find("-window@pasaprod"), std::string::npos) << dba_feed;
  // One system's feed; unknown systems and scopes are refused.
  const std::string mtx = anonymous.get(path_of(dba.post("/api/v1/calendar/keys", {{"scope", "system:MTX"}}).expect(201).json()["url"])).body;
  EXPECT_NE(mtx.find(c_), std::string::npos);
  EXPECT_EQ(mtx.find(a_ + "-window"), std::string::npos);
  EXPECT_EQ(dba.post("/api/v1/calendar/keys", {{"scope", "system:NOPE"}}).status, 404);
  const Response bad = dba.post("/api/v1/calendar/keys", {{"scope", "everyone"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["id"], "calendar.bad_scope");
  // The lead cannot remove the DBA's address of "system:MTX": they have none of their own.
  EXPECT_EQ(lead.del("/api/v1/calendar/keys/system:MTX").status, 404);
  EXPECT_EQ(lead.get("/api/v1/calendar/keys").expect(200).json()["items"].size(), 1u);
  anonymous.get(path_of(dba_url)).expect(200);
  // Without a session, the key API itself is closed.
  EXPECT_EQ(anonymous.get("/api/v1/calendar/keys").status, 401);
}

}  // namespace
}  // namespace apitest
