// The sign-in and language forms against the real server (issue 10): `next` only ever leads to a
// same-origin path and never into a header, and both forms need the pre-session CSRF token.
#include <gtest/gtest.h>

#include <regex>

#include "api_office.h"

namespace apitest {
namespace {

class SessionFormTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::fresh().release();
    lead_ = office_->cast.at("project_lead");
  }
  static void TearDownTestSuite() { delete office_; }

  struct Pre {
    std::string cookie;  // pasaprod_pre=...
    std::string csrf;
  };
  // GET /login as a new browser: the pre-session cookie and the form's token.
  Pre fresh_form() {
    Conn c(office_->port());
    c.send_all(make_request("GET", "/login"));
    Response r = c.read_response();
    EXPECT_EQ(r.status, 200);
    Pre p;
    for (const auto& sc : r.all_headers("Set-Cookie")) {
      if (sc.rfind("pasaprod_pre=", 0) == 0) {
        p.cookie = sc.substr(0, sc.find(';'));
        EXPECT_NE(sc.find("HttpOnly"), std::string::npos);
        EXPECT_NE(sc.find("SameSite=Strict"), std::string::npos);
      }
    }
    std::smatch m;
    const std::regex re("<form method=\"post\" action=\"/login\"[\\s\\S]*?name=\"csrf\" value=\"([^\"]+)\"");
    if (std::regex_search(r.body, m, re)) p.csrf = m[1];
    EXPECT_FALSE(p.cookie.empty());
    EXPECT_FALSE(p.csrf.empty());
    return p;
  }
  Response post_form(const std::string& path, const std::string& body, const std::string& cookie) {
    Headers h = {{"Content-Type", "application/x-www-form-urlencoded"}};
    if (!cookie.empty()) h.push_back({"Cookie", cookie});
    Conn c(office_->port());
    c.send_all(make_request("POST", path, h, body));
    return c.read_response();
  }
  std::string login_body(const Pre& p, const std::string& next_encoded) {
    return "username=" + lead_ + "&password=" + std::string(kPassword) + "&csrf=" + p.csrf + "&next=" + next_encoded;
  }

  static Office* office_;
  static std::string lead_;
};
Office* SessionFormTest::office_ = nullptr;
std::string SessionFormTest::lead_;

bool sets_cookie(const Response& r, const std::string& name) {
  for (const auto& c : r.all_headers("Set-Cookie")) {
    if (c.rfind(name + "=", 0) == 0) return true;
  }
  return false;
}

TEST_F(SessionFormTest, HeaderInjection_NextWithCrlfIsRefused) {
  const Pre p = fresh_form();
  Response r = post_form("/login", login_body(p, "/%0d%0aSet-Cookie:%20owned=1"), p.cookie);
  ASSERT_EQ(r.status, 303) << r.describe();
  EXPECT_EQ(r.header("Location").value_or(""), "/inbox");
  EXPECT_FALSE(sets_cookie(r, "owned"));
  EXPECT_TRUE(sets_cookie(r, "pasaprod_session"));

  Response l = post_form("/lang", "lang=en&csrf=" + p.csrf + "&next=/%0d%0aSet-Cookie:%20owned=1", p.cookie);
  ASSERT_EQ(l.status, 303) << l.describe();
  EXPECT_EQ(l.header("Location").value_or(""), "/");
  EXPECT_FALSE(sets_cookie(l, "owned"));
}

TEST_F(SessionFormTest, OpenRedirect_TabSlashNext) {
  const Pre p = fresh_form();
  for (const char* next : {"/%09/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example/", "/%2F/evil.example"}) {
    Response r = post_form("/login", login_body(p, next), p.cookie);
    ASSERT_EQ(r.status, 303) << next << "\n" << r.describe();
    EXPECT_EQ(r.header("Location").value_or(""), "/inbox") << next;
    Response l = post_form("/lang", "lang=es&csrf=" + p.csrf + "&next=" + next, p.cookie);
    ASSERT_EQ(l.status, 303) << next << "\n" << l.describe();
    EXPECT_EQ(l.header("Location").value_or(""), "/") << next;
  }
  // A same-origin path is still honoured.
  Response ok = post_form("/login", login_body(p, "%2Freleases%3Fpage%3D2"), p.cookie);
  EXPECT_EQ(ok.header("Location").value_or(""), "/releases?page=2");
}

TEST_F(SessionFormTest, LoginCsrf_FormsBeforeSignInNeedThePreSessionToken) {
  const Pre p = fresh_form();
  // No cookie, a wrong token, no token: refused, and no session is started.
  for (const auto& [body, cookie] : std::vector<std::pair<std::string, std::string>>{
           {"username=" + lead_ + "&password=" + kPassword, ""},
           {"username=" + lead_ + "&password=" + kPassword + "&csrf=" + p.csrf, ""},
           {"username=" + lead_ + "&password=" + kPassword + "&csrf=wrong", p.cookie},
           {"username=" + lead_ + "&password=" + kPassword, p.cookie}}) {
    Response r = post_form("/login", body, cookie);
    EXPECT_EQ(r.status, 403) << body << "\n" << r.describe();
    EXPECT_FALSE(sets_cookie(r, "pasaprod_session"));
  }
  Response lang = post_form("/lang", "lang=en", "");
  EXPECT_EQ(lang.status, 403) << lang.describe();
  EXPECT_FALSE(sets_cookie(lang, "pasaprod_lang"));
  // With the token: signed in.
  Response r = post_form("/login", login_body(p, "/inbox"), p.cookie);
  EXPECT_EQ(r.status, 303) << r.describe();
  EXPECT_TRUE(sets_cookie(r, "pasaprod_session"));
}

TEST_F(SessionFormTest, RefusedSignIn_RedirectsAndTheFormShowsTheReasonOnce) {
  const Pre p = fresh_form();
  Response r = post_form("/login", "username=" + lead_ + "&password=not-the-password&csrf=" + p.csrf + "&next=%2Freleases", p.cookie);
  ASSERT_EQ(r.status, 303) << r.describe();
  EXPECT_EQ(r.header("Location").value_or(""), "/login?next=%2Freleases");
  EXPECT_FALSE(sets_cookie(r, "pasaprod_session"));
  std::string flash;
  for (const auto& sc : r.all_headers("Set-Cookie")) {
    if (sc.rfind("pasaprod_flash=", 0) == 0) flash = sc.substr(0, sc.find(';'));
  }
  ASSERT_FALSE(flash.empty());
  auto get = [&](const std::string& cookie) {
    Conn c(office_->port());
    c.send_all(make_request("GET", "/login?next=%2Freleases", {{"Cookie", cookie}}));
    return c.read_response();
  };
  EXPECT_EQ(get(fresh_form().cookie + "; " + flash).body.find("role=\"alert\""), std::string::npos) << "another browser's flash";
  Response page = get(p.cookie + "; " + flash);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("role=\"alert\""), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("value=\"" + lead_ + "\""), std::string::npos) << "the username is kept";
  EXPECT_EQ(page.body.find("not-the-password"), std::string::npos);
  EXPECT_EQ(get(p.cookie + "; " + flash).body.find("role=\"alert\""), std::string::npos) << "shown once";
}

TEST_F(SessionFormTest, SecurityHeaders_OnPagesToo) {
  Conn c(office_->port());
  c.send_all(make_request("GET", "/login"));
  Response r = c.read_response();
  EXPECT_EQ(r.header("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_EQ(r.header("Referrer-Policy").value_or(""), "same-origin");
  EXPECT_EQ(r.header("X-Frame-Options").value_or(""), "DENY");
}

}  // namespace
}  // namespace apitest
