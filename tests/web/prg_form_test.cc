// Post/redirect/get on the release page's forms, against the real server: every POST answers
// 303; a refusal's reason and what was typed come back once, on the GET, through a flash that
// is bound to the session and to the page (never in the URL); a form sent twice with the
// version it was loaded at makes one record.
#include <gtest/gtest.h>

#include <cctype>
#include <regex>

#include "api_office.h"

namespace apitest {
namespace {

// A browser of one user: the session cookie, its CSRF token and the flash cookie it was last given.
struct Browser {
  std::string session, csrf, flash;
};

class PrgFormTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::fresh().release();
    walker_ = new Walker(*office_);
  }
  static void TearDownTestSuite() {
    delete walker_;
    delete office_;
  }

  Browser browser(const std::string& username) {
    Api api(office_->port(), username + " (browser)");
    api.sign_in(username, kPassword).expect(200);
    return {api.cookie, api.csrf, ""};
  }

  static std::string cookies(const Browser& b) { return "pasaprod_session=" + b.session + (b.flash.empty() ? "" : "; " + b.flash); }

  // POSTs a form (fields already URL-encoded, csrf added); keeps the flash cookie it sets.
  Response post(Browser& b, const std::string& path, const std::string& fields, Headers extra = {}) {
    Conn c(office_->port());
    extra.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    extra.push_back({"Cookie", cookies(b)});
    c.send_all(make_request("POST", path, extra, fields + "&csrf=" + b.csrf));
    Response r = c.read_response();
    for (const auto& sc : r.all_headers("Set-Cookie")) {
      if (sc.rfind("pasaprod_flash=", 0) == 0) {
        b.flash = sc.substr(0, sc.find(';'));
        EXPECT_NE(sc.find("HttpOnly"), std::string::npos) << sc;
        EXPECT_NE(sc.find("SameSite=Strict"), std::string::npos) << sc;
      }
    }
    return r;
  }

  // GETs `target` (an anchor is dropped) as the browser would after a redirect.
  Response get(const Browser& b, const std::string& target) {
    Conn c(office_->port());
    c.send_all(make_request("GET", target.substr(0, target.find('#')), {{"Cookie", cookies(b)}}));
    return c.read_response();
  }

  static std::string row_version(const std::string& number) { return std::to_string(walker_->get(number).at("row_version").get<long>()); }

  static int count_records(const std::string& number, const std::string& type) {
    const json rel = walker_->get(number);  // kept: the loop reads into it
    int n = 0;
    for (const auto& r : rel.at("records")) n += r.at("type") == type;
    return n;
  }

  static Office* office_;
  static Walker* walker_;
};

Office* PrgFormTest::office_ = nullptr;
Walker* PrgFormTest::walker_ = nullptr;

TEST_F(PrgFormTest, RefusedActionRedirectsAndTheReleasePageShowsTheReasonAndTheLongNoteOnce) {
  const std::string number = walker_->open(office_->system, "maintenance")["number"];
  Browser lead = browser(office_->cast.at("project_lead"));
  // Over the note's limit (4,000 bytes): refused at the boundary, and still not lost.
  std::string note;
  while (note.size() < 4100) note += "Observación larga que no debe perderse. ";
  std::string encoded;
  for (unsigned char ch : note) {
    static const char* hex = "0123456789ABCDEF";
    if (std::isalnum(ch)) encoded += static_cast<char>(ch);
    else encoded += std::string("%") + hex[ch >> 4] + hex[ch & 15];
  }
  Response r = post(lead, "/releases/" + number + "/act", "action=request_qa&row_version=" + row_version(number) + "&note=" + encoded);
  ASSERT_EQ(r.status, 303) << r.describe();
  const std::string location = r.header("Location").value_or("");
  EXPECT_EQ(location, "/releases/" + number + "#act-request_qa");
  EXPECT_EQ(location.find("Observ"), std::string::npos) << "nothing typed travels in the URL";
  ASSERT_FALSE(lead.flash.empty());
  EXPECT_EQ(walker_->get(number).at("state"), "draft") << "nothing changed";

  // Another person presenting the same flash id does not get it, nor does another page.
  Browser other = browser(office_->cast.at("qa_lead"));
  other.flash = lead.flash;
  EXPECT_EQ(get(other, location).body.find("Observación larga"), std::string::npos);
  EXPECT_EQ(get(lead, "/inbox").body.find("Observación larga"), std::string::npos);

  Response page = get(lead, location);
  ASSERT_EQ(page.status, 200) << page.describe();
  EXPECT_NE(page.body.find("id=\"failed-message\""), std::string::npos);
  EXPECT_NE(page.body.find("id=\"act-request_qa-error\""), std::string::npos);
  EXPECT_NE(page.body.find(note.substr(0, 400)), std::string::npos) << "the note comes back in its field";
  bool cleared = false;
  for (const auto& sc : page.all_headers("Set-Cookie")) cleared = cleared || (sc.rfind("pasaprod_flash=;", 0) == 0 && sc.find("Max-Age=0") != std::string::npos);
  EXPECT_TRUE(cleared) << "the page drops the flash cookie once shown";
  // A reload shows the page without the refusal, and posts nothing.
  Response again = get(lead, location);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body.find("id=\"failed-message\""), std::string::npos);
  EXPECT_EQ(walker_->get(number).at("state"), "draft");
}

TEST_F(PrgFormTest, IrreversibleActionAsksOnAPageOfItsOwnThatAReloadLeaves) {
  const std::string number = walker_->open(office_->system, "maintenance")["number"];
  Browser lead = browser(office_->cast.at("project_lead"));
  Response r = post(lead, "/releases/" + number + "/act", "action=cancel&note=Ya+no+se+necesita&row_version=" + row_version(number));
  ASSERT_EQ(r.status, 303) << r.describe();
  ASSERT_EQ(r.header("Location").value_or(""), "/releases/" + number + "/confirm");
  Response confirm = get(lead, "/releases/" + number + "/confirm");
  ASSERT_EQ(confirm.status, 200) << confirm.describe();
  EXPECT_NE(confirm.body.find("id=\"confirm-yes\""), std::string::npos);
  EXPECT_NE(confirm.body.find("Ya no se necesita"), std::string::npos) << "the note is confirmed with the action";
  EXPECT_EQ(walker_->get(number).at("state"), "draft") << "asking changes nothing";
  // Reload (or Back to) the confirmation: the release page, nothing posted.
  Response reload = get(lead, "/releases/" + number + "/confirm");
  EXPECT_EQ(reload.status, 303);
  EXPECT_EQ(reload.header("Location").value_or(""), "/releases/" + number);
  // Confirmed twice (a double click): cancelled once.
  const std::string fields = "action=cancel&note=Ya+no+se+necesita&confirm=1&row_version=" + row_version(number);
  for (int i = 0; i < 2; ++i) {
    Response done = post(lead, "/releases/" + number + "/act", fields);
    ASSERT_EQ(done.status, 303) << done.describe();
    EXPECT_EQ(done.header("Location").value_or(""), "/releases/" + number + "?ok=acted");
  }
  const json rel = walker_->get(number);
  EXPECT_EQ(rel.at("state"), "cancelled");
  int cancels = 0;
  for (const auto& t : rel.at("transitions")) cancels += t.at("action") == "cancel";
  EXPECT_EQ(cancels, 1);
}

TEST_F(PrgFormTest, RecordSentTwiceWithItsVersionMakesOneRecord) {
  const std::string number = walker_->open(office_->system, "maintenance")["number"];
  walker_->advance(number, "approved");
  Browser dba = browser(office_->cast.at("dba"));
  const std::string fields = "f_what=Base+ALFA&f_where=%5C%5Cbackup01&f_sha256=" + std::string(64, 'a') + "&row_version=" + row_version(number);
  // Two tabs loaded at the same version, or one double click: both land on the release page.
  for (int i = 0; i < 2; ++i) {
    Response r = post(dba, "/releases/" + number + "/records/backup", fields);
    ASSERT_EQ(r.status, 303) << r.describe();
    EXPECT_EQ(r.header("Location").value_or(""), "/releases/" + number + "?ok=recorded");
  }
  EXPECT_EQ(count_records(number, "backup"), 1);
  // A different backup from the stale form is refused as a conflict, with the values kept.
  Response stale = post(dba, "/releases/" + number + "/records/backup",
                        "f_what=Otra+copia&f_where=x&f_sha256=" + std::string(64, 'b') + "&row_version=" + row_version(number) + "0");
  ASSERT_EQ(stale.status, 303);
  EXPECT_EQ(stale.header("Location").value_or(""), "/releases/" + number + "#record-backup");
  Response page = get(dba, stale.header("Location").value_or(""));
  EXPECT_NE(page.body.find("value=\"Otra copia\""), std::string::npos);
  EXPECT_EQ(count_records(number, "backup"), 1);
}

TEST_F(PrgFormTest, RefusedNewReleaseFormComesBackFilledIn) {
  Browser lead = browser(office_->cast.at("project_lead"));
  Response r = post(lead, "/releases/new", "system=" + office_->system + "&kind=maintenance&version=9.9&title=T%C3%ADtulo+guardado&summary=Resumen");
  ASSERT_EQ(r.status, 303) << r.describe();
  EXPECT_EQ(r.header("Location").value_or(""), "/releases/new");
  Response page = get(lead, "/releases/new");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("id=\"version-error\""), std::string::npos);
  EXPECT_NE(page.body.find("Título guardado"), std::string::npos);
  EXPECT_EQ(get(lead, "/releases/new").body.find("id=\"version-error\""), std::string::npos) << "once";
}

TEST_F(PrgFormTest, FieldOverItsLimitOnAnotherFormGoesBackToItsPageWithTheReason) {
  Browser lead = browser(office_->cast.at("production_lead"));
  const std::string edit = "/systems/" + office_->system + "/edit";
  Response r = post(lead, edit, "name=Alfa&description=" + std::string(9000, 'd'),
                    {{"Referer", "http://127.0.0.1" + edit}});  // the harness sends Host: 127.0.0.1
  ASSERT_EQ(r.status, 303) << r.describe();
  EXPECT_EQ(r.header("Location").value_or(""), edit);
  Response page = get(lead, edit);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("id=\"flash-alert\""), std::string::npos) << "the reason, on the page the form is on";
  EXPECT_NE(page.body.find("8000"), std::string::npos);
  // A Referer of another site: the inbox.
  Response elsewhere = post(lead, edit, "name=Alfa&description=" + std::string(9000, 'd'), {{"Referer", "https://evil.example/x"}});
  EXPECT_EQ(elsewhere.header("Location").value_or(""), "/inbox");
  const json sys = office_->admin().get("/api/v1/systems/" + office_->system).expect(200).json();
  EXPECT_EQ(sys.dump().find(std::string(100, 'd')), std::string::npos) << "nothing saved";
}

TEST_F(PrgFormTest, NewReleaseFormSentTwiceOpensOneRelease) {
  Browser lead = browser(office_->cast.at("project_lead"));
  Response form = get(lead, "/releases/new");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(form.body, m, std::regex("name=\"once\" value=\"([^\"]+)\""))) << "the form carries a once token";
  const std::string once = m[1];
  // The expected version of a maintenance on the system, as the form offers it.
  const json expected = json::parse(std::regex_search(form.body, m, std::regex("data-expected=\"([^\"]+)\"")) ?
      std::regex_replace(m[1].str(), std::regex("&quot;"), "\"") : "{}");
  const std::string version = expected.at(office_->system).at("maintenance");
  const std::string fields = "system=" + office_->system + "&kind=maintenance&version=" + version +
                             "&title=Abierta+una+vez&summary=Doble+clic&once=" + once;
  Response first = post(lead, "/releases/new", fields);
  ASSERT_EQ(first.status, 303) << first.describe();
  const std::string location = first.header("Location").value_or("");
  ASSERT_NE(location.find("?ok=opened"), std::string::npos) << location;
  Response second = post(lead, "/releases/new", fields);
  ASSERT_EQ(second.status, 303);
  EXPECT_EQ(second.header("Location").value_or(""), location) << "the second leads to the release the first opened";
  Api& admin = office_->admin();
  const json list = admin.get("/api/v1/releases?text=Abierta+una+vez").expect(200).json();
  int opened = 0;
  for (const auto& r : list.at("items")) opened += r.at("title") == "Abierta una vez";
  EXPECT_EQ(opened, 1);
}

}  // namespace
}  // namespace apitest
