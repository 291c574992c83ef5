// Sign-in, sessions, CSRF, throttling and personal API tokens against the real server. The
// users are created and given passwords with the CLI (`user add`, `user passwd` from stdin,
// `token create`) before the server starts.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <thread>

#include "api_harness.h"
#include "core/time.h"

namespace apitest {
namespace {

constexpr const char* kAlicePw = "alice-secreta-1";
constexpr const char* kBobPw = "bob-secreto-22";
constexpr const char* kCarolPw = "carol-secreta-3";
constexpr const char* kDavePw = "dave-secreto-44";

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    const std::string db = (dir_->path() / "p.db").string();
    run_cli_ok({"--db", db, "system", "add", "ALFA", "--name", "Sistema Alfa", "--version", "1.0"});
    run_cli_ok({"--db", db, "user", "add", "admin", "--name", "Admin", "--role", "admin"});
    run_cli_ok({"--db", db, "user", "add", "alice", "--name", "Alice", "--role", "qa_lead"});
    run_cli_ok({"--db", db, "user", "add", "bob", "--name", "Bob", "--role", "project_lead", "--system", "ALFA"});
    run_cli_ok({"--db", db, "user", "add", "carol", "--name", "Carol", "--role", "dba"});
    run_cli_ok({"--db", db, "user", "add", "dave", "--name", "Dave", "--role", "dba"});
    run_cli_ok({"--db", db, "user", "passwd", "alice"}, std::string(kAlicePw) + "\n");
    run_cli_ok({"--db", db, "user", "passwd", "bob"}, std::string(kBobPw) + "\n");
    run_cli_ok({"--db", db, "user", "passwd", "carol"}, std::string(kCarolPw) + "\n");
    run_cli_ok({"--db", db, "user", "passwd", "dave"}, std::string(kDavePw) + "\n");
    admin_token_ = json::parse(run_cli_ok({"--db", db, "--json", "token", "create", "admin", "--name", "ci"}).out).at("token");
    server_ = new ServerProcess(dir_->path() / "p.db");
    server_->start();
  }
  static void TearDownTestSuite() {
    if (server_ == nullptr) return;  // SetUpTestSuite failed (its error is reported)
    EXPECT_EQ(server_->stop(), 0) << "SIGTERM should stop the server gracefully\n" << server_->output();
    delete server_;
    delete dir_;
  }
  std::uint16_t port() { return server_->port(); }

  static TempDir* dir_;
  static ServerProcess* server_;
  static std::string admin_token_;
};
TempDir* SessionTest::dir_ = nullptr;
ServerProcess* SessionTest::server_ = nullptr;
std::string SessionTest::admin_token_;

TEST_F(SessionTest, SignInSetsAnHttpOnlySameSiteCookieAndMeAnswers) {
  Api api(port(), "alice");
  Response r = api.sign_in("alice", kAlicePw);
  ASSERT_EQ(r.status, 200) << r.describe();
  std::string set_cookie;
  for (const auto& c : r.all_headers("Set-Cookie")) {
    if (c.rfind("pasaprod_session=", 0) == 0) set_cookie = c;
  }
  ASSERT_FALSE(set_cookie.empty()) << r.describe();
  EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_TRUE(set_cookie.find("; SameSite=Lax") != std::string::npos || set_cookie.find("; SameSite=Strict") != std::string::npos)
      << set_cookie;
  EXPECT_NE(set_cookie.find("; Path=/"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("; Secure"), std::string::npos) << "no Secure without --secure-cookies: " << set_cookie;
  EXPECT_GE(api.cookie.size(), 32u);
  const json body = r.json();
  EXPECT_EQ(body.value("username", ""), "alice");
  EXPECT_GE(api.csrf.size(), 16u) << "the CSRF token comes with the sign-in answer";
  EXPECT_EQ(body.dump().find(api.cookie), std::string::npos) << "the session secret is only in the cookie";

  Response me = api.get("/api/v1/me");
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(me.json().value("username", ""), "alice");
  EXPECT_EQ(me.json().value("via", ""), "session");
  EXPECT_EQ(me.json().value("csrf_token", ""), api.csrf);
  ASSERT_TRUE(me.json().contains("roles"));
  EXPECT_EQ(me.json()["roles"].dump(), R"([{"role":"qa_lead"}])");

  Api anonymous(port());
  Response none = anonymous.get("/api/v1/me");
  EXPECT_EQ(none.status, 401) << none.describe();
  EXPECT_EQ(none.header("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(none.json().value("id", ""), "signin.required");
}

TEST_F(SessionTest, WrongPasswordAndUnknownUserGetTheSame401) {
  Api api(port());
  Response wrong = api.sign_in("bob", "not-the-password");
  Response unknown = api.sign_in("nobody-here", "not-the-password");
  ASSERT_EQ(wrong.status, 401) << wrong.describe();
  ASSERT_EQ(unknown.status, 401) << unknown.describe();
  EXPECT_EQ(wrong.header("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(wrong.json().value("code", ""), "unauthenticated");
  EXPECT_EQ(wrong.json().value("id", ""), "signin.failed");
  EXPECT_EQ(wrong.json().value("id", "?"), unknown.json().value("id", "!"));
  EXPECT_EQ(wrong.json().value("detail", "?"), unknown.json().value("detail", "!")) << "no hint whether the user exists";
  EXPECT_TRUE(wrong.all_headers("Set-Cookie").empty()) << wrong.describe();
  EXPECT_TRUE(api.cookie.empty());
  // The right password still works afterwards.
  EXPECT_EQ(api.sign_in("bob", kBobPw).status, 200);
}

// The answer for an unknown user should not be told apart from a wrong password by its
// timing either (else usernames can be enumerated).
TEST_F(SessionTest, UnknownUserTakesAboutAsLongAsAWrongPassword) {
  Api api(port());
  // The fastest of 3 (the throttle's free failures per user), the two users alternating: load on
  // this shared machine only ever adds time, so the minimum is the cost itself.
  auto fastest_ms = [&](const std::string& a, const std::string& b) {
    std::vector<double> ta, tb;
    auto once = [&](const std::string& user, std::vector<double>& t) {
      const auto t0 = std::chrono::steady_clock::now();
      EXPECT_EQ(api.sign_in(user, "not-the-password").status, 401);
      t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    };
    for (int i = 0; i < 3; ++i) {
      once(a, ta);
      once(b, tb);
    }
    std::sort(ta.begin(), ta.end());
    std::sort(tb.begin(), tb.end());
    return std::pair{ta[0], tb[0]};
  };
  // The server runs with --fast-password-hashing, so the hashes it makes are cheap, and so must be
  // its dummy one (issue 10): compare with a user whose password the server set.
  Api admin(port(), "admin");
  admin.token = admin_token_;
  const Response made = admin.post("/api/v1/users", {{"username", "timo"}, {"name", "Timo"}, {"email", "timo@example.org"},
                                                     {"lang", "es"}, {"roles", json::array({{{"role", "dba"}}})},
                                                     {"password", "timo-secreta-1"}});
  ASSERT_TRUE(made.status == 201 || made.status == 409) << made.describe();
  const auto [wrong, unknown] = fastest_ms("timo", "nobody-at-all");
  std::cerr << "sign-in refused in " << wrong << " ms (wrong password), " << unknown << " ms (unknown user)\n";
  if (unknown * 4 < wrong) {
    ADD_FAILURE() << "an unknown username is refused " << static_cast<long>(wrong / std::max(unknown, 0.001))
                 << "x faster than a wrong password (" << static_cast<long>(unknown * 1000) << " µs vs " << static_cast<long>(wrong)
                 << " ms): Access::sign_in (src/service/access.cc) verifies no hash when the user does not exist, so "
                    "the timing reveals which usernames exist. Verify against a dummy hash of the same cost.";
  }
  if (unknown > wrong * 4 + 50) {
    ADD_FAILURE() << "FastPasswordHashing: an unknown username costs " << unknown << " ms against " << wrong
                  << " ms for a wrong password: with --fast-password-hashing the dummy hash must be fast too.";
  }
}

TEST_F(SessionTest, SignInLockout_FailuresDelayTheAccountFromThatAddressOnly) {
  Api api(port());
  for (int i = 0; i < 4; ++i) {
    Response r = api.sign_in("carol", "wrong-password-" + std::to_string(i));
    ASSERT_EQ(r.status, 401) << "attempt " << i + 1 << "\n" << r.describe();
  }
  // The fourth failure asks this account, from this address, to wait a little: a delay, not a lock.
  Response r = api.sign_in("carol", kCarolPw);
  ASSERT_EQ(r.status, 403) << r.describe();
  EXPECT_EQ(r.json().value("id", ""), "signin.throttled");
  ASSERT_EQ(detail_list(r.json(), "retry_after_s").size(), 1u) << r.describe();
  const int wait_s = std::stoi(detail_list(r.json(), "retry_after_s")[0]);
  EXPECT_GE(wait_s, 1);
  EXPECT_LE(wait_s, 2);
  EXPECT_TRUE(api.cookie.empty());
  // Another user from the same address is not held back.
  Api other(port());
  EXPECT_EQ(other.sign_in("alice", kAlicePw).status, 200);
  // After the delay the right password works again (and clears the pair's failures).
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_s * 1000 + 200));
  EXPECT_EQ(api.sign_in("carol", kCarolPw).status, 200);
}

TEST_F(SessionTest, UnboundedAuditSubjects_HugeUsernameStoresNothing) {
  auto audit_bytes = [&] {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_->path() / "p.db").string().c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(length(CAST(subject AS BLOB)) + length(CAST(after_json AS BLOB))), 0) FROM audit_events",
                       -1, &st, nullptr);
    std::int64_t n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  };
  Api api(port());
  Response r = api.send("POST", "/api/v1/session",
                        json{{"username", std::string(1000000, 'u')}, {"password", "whatever-password"}}.dump());
  EXPECT_EQ(r.status, 400) << r.describe();
  EXPECT_EQ(r.json().value("id", ""), "input.too_long");
  EXPECT_EQ(detail_list(r.json(), "field"), std::vector<std::string>{"username"});
  EXPECT_LT(audit_bytes(), 10000) << "no big audit event for a refused oversized sign-in";
  // Invalid UTF-8 in a field: refused at the boundary too, naming the field.
  Response bad = api.send("POST", "/api/v1/session", "{\"username\": \"a\\udc80\", \"password\": \"x\"}");
  EXPECT_EQ(bad.status, 400) << bad.describe();
}

TEST_F(SessionTest, PasswordChange_SelfChangeEndsOtherSessionsAdminResetRevokesTokens) {
  Api admin(port(), "admin");
  admin.token = admin_token_;
  const std::string pw1 = "erin-primera-1", pw2 = "erin-segunda-2", pw3 = "erin-tercera-3";
  ASSERT_EQ(admin.post("/api/v1/users", {{"username", "erin"}, {"name", "Erin"}, {"email", "erin@example.org"},
                                         {"lang", "es"}, {"roles", json::array({{{"role", "dba"}}})}, {"password", pw1}})
                .status,
            201);
  Api here(port(), "erin here"), there(port(), "erin there"), ci(port(), "erin ci");
  ASSERT_EQ(here.sign_in("erin", pw1).status, 200);
  ASSERT_EQ(there.sign_in("erin", pw1).status, 200);
  Response t = here.post("/api/v1/tokens", {{"name", "ci"}});
  ASSERT_EQ(t.status, 201) << t.describe();
  ci.token = t.json().at("token").get<std::string>();
  ASSERT_EQ(ci.get("/api/v1/me").status, 200);

  // Changing one's own password ends the other sessions, not the one used.
  Response c = here.post("/api/v1/me/password", {{"current_password", pw1}, {"password", pw2}});
  ASSERT_EQ(c.status, 204) << c.describe();
  EXPECT_EQ(here.get("/api/v1/me").status, 200);
  EXPECT_EQ(there.get("/api/v1/me").status, 401) << "another session of the user survived a password change";

  // An administrator's reset ends every session and revokes the user's API tokens.
  Response r = admin.post("/api/v1/users/erin/password", {{"password", pw3}});
  ASSERT_EQ(r.status, 204) << r.describe();
  EXPECT_EQ(here.get("/api/v1/me").status, 401);
  EXPECT_EQ(ci.get("/api/v1/me").status, 401) << "an API token survived an admin password reset";
  Api fresh(port(), "erin again");
  EXPECT_EQ(fresh.sign_in("erin", pw3).status, 200);
}

TEST_F(SessionTest, BearerSchemeIsCaseInsensitive) {
  for (const char* scheme : {"Bearer", "bearer", "BEARER"}) {
    Api api(port(), "admin");
    Response r = api.get("/api/v1/me", {{"Authorization", std::string(scheme) + " " + admin_token_}});
    EXPECT_EQ(r.status, 200) << scheme << "\n" << r.describe();
  }
  Api api(port(), "admin");
  EXPECT_EQ(api.get("/api/v1/me", {{"Authorization", "Basic " + admin_token_}}).status, 401);
}

TEST_F(SessionTest, WrongJsonTypes_AnsweredWithTheFieldNotA500) {
  Api admin(port(), "admin");
  admin.token = admin_token_;
  struct Case {
    std::string method, path, body, field;
  };
  for (const Case& c : std::vector<Case>{
           {"POST", "/api/v1/releases", R"({"system":"ALFA","kind":"maintenance","version":"1.1","title":"x","major":"yes"})", "major"},
           {"POST", "/api/v1/releases", R"({"system":[],"kind":"maintenance","version":"1.1","title":"x"})", "system"},
           {"POST", "/api/v1/users", "[]", "body"},
           {"POST", "/api/v1/users", R"({"username":"zed","roles":"admin"})", "roles"},
           {"PATCH", "/api/v1/users/carol", R"({"active":"no"})", "active"},
           {"POST", "/api/v1/freezes", R"({"from":1,"to":2})", "from"},
       }) {
    for (const char* lang : {"es", "en"}) {
      admin.lang = lang;
      Response r = admin.send(c.method, c.path, c.body);
      EXPECT_EQ(r.status, 400) << c.method << " " << c.path << " " << c.body << "\n" << r.describe();
      EXPECT_EQ(r.json().value("id", ""), "json.invalid_body") << r.describe();
      EXPECT_EQ(detail_list(r.json(), "field"), std::vector<std::string>{c.field}) << r.describe();
      EXPECT_NE(r.json().value("detail", "").find(c.field == "body" ? (std::string(lang) == "es" ? "cuerpo" : "body") : c.field),
                std::string::npos)
          << r.describe();
    }
  }
  admin.lang = "en";
  Response users = admin.get("/api/v1/users");
  ASSERT_EQ(users.status, 200);
  EXPECT_EQ(users.body.find("\"zed\""), std::string::npos) << "nothing created on a refusal";
}

TEST_F(SessionTest, SessionIdleTimeout_AnUnusedSessionEndsBeforeItsLifetime) {
  Api api(port(), "bob");
  ASSERT_EQ(api.sign_in("bob", kBobPw).status, 200);
  ASSERT_EQ(api.get("/api/v1/me").status, 200);
  auto sql = [&](const std::string& q) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_->path() / "p.db").string().c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, q.c_str(), -1, &st, nullptr);
    std::int64_t n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  };
  // The stored deadline is the idle one (120 minutes by default), not the 12-hour lifetime.
  const std::int64_t span = sql("SELECT MAX(expires_at - created_at) FROM sessions WHERE username = 'bob'");
  EXPECT_GT(span, 0);
  EXPECT_LE(span, 120LL * 60 * 1000);
  // Unused past its idle deadline: over, although far from its lifetime.
  sql("UPDATE sessions SET expires_at = 1000 WHERE username = 'bob'");
  EXPECT_EQ(api.get("/api/v1/me").status, 401);
}

TEST_F(SessionTest, SignOutEndsTheSession) {
  Api api(port(), "alice");
  ASSERT_EQ(api.sign_in("alice", kAlicePw).status, 200);
  ASSERT_EQ(api.get("/api/v1/me").status, 200);
  const std::string old_cookie = api.cookie;
  Response out = api.del("/api/v1/session");
  ASSERT_EQ(out.status, 204) << out.describe();
  bool cleared = false;
  for (const auto& c : out.all_headers("Set-Cookie")) {
    if (c.rfind("pasaprod_session=;", 0) == 0 && c.find("Max-Age=0") != std::string::npos) cleared = true;
  }
  EXPECT_TRUE(cleared) << "sign-out clears the cookie\n" << out.describe();
  api.cookie = old_cookie;  // a client that keeps sending the old cookie
  Response me = api.get("/api/v1/me");
  EXPECT_EQ(me.status, 401) << me.describe();
  EXPECT_EQ(me.json().value("id", ""), "signin.required");
}

TEST_F(SessionTest, StateChangesNeedTheSessionsCsrfToken) {
  Api bob(port(), "bob");
  ASSERT_EQ(bob.sign_in("bob", kBobPw).status, 200);
  const json open = {{"system", "ALFA"}, {"kind", "maintenance"}, {"version", "1.1"}, {"title", "Con CSRF"}, {"summary", "x"}};
  auto total = [&] { return bob.get("/api/v1/releases").expect(200).json().at("total").get<int>(); };
  const int before = total();

  const std::string csrf = bob.csrf;
  bob.csrf.clear();  // no X-CSRF-Token header at all
  Response none = bob.post("/api/v1/releases", open);
  EXPECT_EQ(none.status, 403) << none.describe();
  EXPECT_EQ(none.json().value("id", ""), "csrf.invalid");
  bob.csrf = std::string(csrf.size(), 'x');  // a wrong one
  Response wrong = bob.post("/api/v1/releases", open);
  EXPECT_EQ(wrong.status, 403) << wrong.describe();
  EXPECT_EQ(wrong.json().value("id", ""), "csrf.invalid");
  bob.csrf = csrf.substr(0, csrf.size() - 1);  // a prefix of the right one
  EXPECT_EQ(bob.post("/api/v1/releases", open).status, 403);
  EXPECT_EQ(total(), before) << "a refused request changes nothing";
  // Also refused: tokens, sign-out.
  bob.csrf.clear();
  EXPECT_EQ(bob.post("/api/v1/tokens", {{"name", "x"}}).status, 403);
  EXPECT_EQ(bob.del("/api/v1/session").status, 403);
  EXPECT_EQ(bob.get("/api/v1/me").status, 200) << "the session is still open";

  bob.csrf = csrf;
  Response ok = bob.post("/api/v1/releases", open);
  ASSERT_EQ(ok.status, 201) << ok.describe();
  EXPECT_EQ(ok.json().value("state", ""), "draft");
  EXPECT_EQ(ok.json().value("requester", ""), "bob");
  EXPECT_EQ(total(), before + 1);
  // The CSRF token of one session does not work with another session's cookie.
  Api alice(port(), "alice");
  ASSERT_EQ(alice.sign_in("alice", kAlicePw).status, 200);
  alice.csrf = bob.csrf;
  Response cross = alice.post("/api/v1/tokens", {{"name", "cross"}});
  EXPECT_EQ(cross.status, 403) << cross.describe();
}

TEST_F(SessionTest, TokensAreShownOnceWorkAsBearerAreListedWithLastUseAndRevocable) {
  Api session(port(), "alice");
  ASSERT_EQ(session.sign_in("alice", kAlicePw).status, 200);
  Response created = session.post("/api/v1/tokens", {{"name", "ci-pipeline"}});
  ASSERT_EQ(created.status, 201) << created.describe();
  const json t = created.json();
  const std::string secret = t.value("token", "");
  ASSERT_GE(secret.size(), 32u) << created.describe();
  const std::int64_t id = t.at("id").get<std::int64_t>();
  EXPECT_EQ(t.value("name", ""), "ci-pipeline");
  EXPECT_TRUE(t.at("last_used_at").is_null());

  auto listed = [&]() -> json {
    Response l = session.get("/api/v1/tokens");
    l.expect(200);
    EXPECT_EQ(l.body.find(secret), std::string::npos) << "the secret is never shown again";
    const json body = l.json();
    for (const auto& item : body.at("items")) {
      if (item.at("id").get<std::int64_t>() == id) return item;
    }
    ADD_FAILURE() << "token " << id << " not listed: " << l.describe();
    return nullptr;
  };
  json item = listed();
  ASSERT_FALSE(item.is_null());
  EXPECT_FALSE(item.contains("token"));
  EXPECT_TRUE(item.at("last_used_at").is_null());
  EXPECT_FALSE(item.at("revoked").get<bool>());

  // Bearer: no cookie, no CSRF token, state changes allowed.
  Api bearer(port(), "alice (token)");
  bearer.token = secret;
  Response me = bearer.get("/api/v1/me");
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(me.json().value("username", ""), "alice");
  EXPECT_EQ(me.json().value("via", ""), "token");
  EXPECT_FALSE(me.json().contains("csrf_token"));
  Response another = bearer.post("/api/v1/tokens", {{"name", "made-by-token"}});
  EXPECT_EQ(another.status, 201) << "a bearer token needs no CSRF token\n" << another.describe();

  item = listed();
  ASSERT_FALSE(item.is_null());
  EXPECT_TRUE(item.at("last_used_at").is_string()) << item.dump();

  // A malformed Authorization header and an unknown token are 401.
  Api bad(port());
  EXPECT_EQ(bad.get("/api/v1/me", {{"Authorization", "Basic YWxpY2U6eA=="}}).status, 401);
  bad.token = secret + "x";
  EXPECT_EQ(bad.get("/api/v1/me").status, 401);

  // Revocation (only by its owner: bob cannot revoke alice's token).
  Api bob(port(), "bob");
  ASSERT_EQ(bob.sign_in("bob", kBobPw).status, 200);
  EXPECT_EQ(bob.del("/api/v1/tokens/" + std::to_string(id)).status, 404);
  EXPECT_EQ(bearer.get("/api/v1/me").status, 200);
  Response revoked = session.del("/api/v1/tokens/" + std::to_string(id));
  ASSERT_EQ(revoked.status, 204) << revoked.describe();
  Response after = bearer.get("/api/v1/me");
  EXPECT_EQ(after.status, 401) << after.describe();
  EXPECT_EQ(after.json().value("id", ""), "token.invalid");
  item = listed();
  ASSERT_FALSE(item.is_null());
  EXPECT_TRUE(item.at("revoked").get<bool>());
}

// Tokens expire: 90 days by default, 1 to 365 on request; once expired (here: the database
// edited to move the date into the past) the token is refused with a message saying when it
// expired and what to do.
TEST_F(SessionTest, TokensExpireAfterTheirValidity) {
  Api session(port(), "alice");
  ASSERT_EQ(session.sign_in("alice", kAlicePw).status, 200);
  const auto days_valid = [](const json& t) {
    const auto created = pasaprod::parse_iso(t.at("created_at").get<std::string>());
    const auto expires = pasaprod::parse_iso(t.at("expires_at").get<std::string>());
    EXPECT_TRUE(created && expires) << t.dump();
    return created && expires ? (*expires - *created) / 86'400'000.0 : -1.0;
  };
  const json by_default = session.post("/api/v1/tokens", {{"name", "por-defecto"}}).expect(201).json();
  EXPECT_DOUBLE_EQ(days_valid(by_default), 90.0);
  const json week = session.post("/api/v1/tokens", {{"name", "una-semana"}, {"expires_in_days", 7}}).expect(201).json();
  EXPECT_DOUBLE_EQ(days_valid(week), 7.0);
  for (const json& bad : {json(0), json(366), json("7"), json(7.5), json(-1), json(1LL << 40)}) {
    Response r = session.post("/api/v1/tokens", {{"name", "mal"}, {"expires_in_days", bad}});
    EXPECT_EQ(r.status, 400) << bad.dump() << "\n" << r.describe();
    EXPECT_EQ(r.json().value("id", ""), "token.bad_days") << bad.dump();
  }

  Api bearer(port(), "alice (week token)");
  bearer.token = week.at("token").get<std::string>();
  ASSERT_EQ(bearer.get("/api/v1/me").status, 200);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_->path() / "p.db").string().c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const std::string sql = "UPDATE api_tokens SET expires_at = 1000 WHERE id = " + std::to_string(week.at("id").get<std::int64_t>());
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  bearer.lang = "es";
  Response expired = bearer.get("/api/v1/me");
  ASSERT_EQ(expired.status, 401) << expired.describe();
  EXPECT_EQ(expired.json().value("id", ""), "token.expired");
  EXPECT_NE(expired.body.find("1970-01-01T00:00:01Z"), std::string::npos) << expired.describe();
  EXPECT_NE(expired.body.find("Cree uno nuevo"), std::string::npos) << expired.describe();
  const json listed = session.get("/api/v1/tokens").expect(200).json();
  for (const auto& item : listed.at("items")) {
    if (item.at("id") == week.at("id")) {
      EXPECT_EQ(item.at("expires_at"), "1970-01-01T00:00:01Z");
    }
  }
}

// An administrator sees every user's tokens (never their secrets) and can revoke any; nobody
// else can use those routes.
TEST_F(SessionTest, AdminListsAndRevokesOtherUsersTokens) {
  Api carol(port(), "carol");
  ASSERT_EQ(carol.sign_in("carol", kCarolPw).status, 200);
  Response created = carol.post("/api/v1/tokens", {{"name", "despliegue"}});
  ASSERT_EQ(created.status, 201) << created.describe();
  const std::string secret = created.json().value("token", "");
  const std::int64_t id = created.json().at("id").get<std::int64_t>();
  Api carol_bearer(port(), "carol (token)");
  carol_bearer.token = secret;
  ASSERT_EQ(carol_bearer.get("/api/v1/me").status, 200);

  Api dave(port(), "dave");
  ASSERT_EQ(dave.sign_in("dave", kDavePw).status, 200);
  EXPECT_EQ(dave.get("/api/v1/admin/tokens").status, 403);
  EXPECT_EQ(dave.del("/api/v1/users/carol/tokens/" + std::to_string(id)).status, 403);
  EXPECT_EQ(carol.del("/api/v1/users/carol/tokens/" + std::to_string(id)).status, 403) << "the admin route is for admins";
  EXPECT_EQ(carol_bearer.get("/api/v1/me").status, 200) << "still valid after refused revocations";

  Api admin(port(), "admin (token)");
  admin.token = admin_token_;
  Response all = admin.get("/api/v1/admin/tokens");
  ASSERT_EQ(all.status, 200) << all.describe();
  EXPECT_EQ(all.body.find(secret), std::string::npos) << "secrets are never listed";
  bool found = false;
  const json all_items = all.json().at("items");
  for (const auto& item : all_items) {
    if (item.at("id").get<std::int64_t>() != id) continue;
    found = true;
    EXPECT_EQ(item.value("username", ""), "carol");
    EXPECT_EQ(item.value("name", ""), "despliegue");
    EXPECT_FALSE(item.contains("token"));
    EXPECT_FALSE(item.at("revoked").get<bool>());
  }
  EXPECT_TRUE(found) << all.describe();

  EXPECT_EQ(admin.del("/api/v1/users/dave/tokens/" + std::to_string(id)).status, 404) << "not dave's token";
  EXPECT_EQ(admin.del("/api/v1/users/carol/tokens/abc").status, 400);
  EXPECT_EQ(carol_bearer.get("/api/v1/me").status, 200);
  Response revoked = admin.del("/api/v1/users/carol/tokens/" + std::to_string(id));
  ASSERT_EQ(revoked.status, 204) << revoked.describe();
  EXPECT_EQ(carol_bearer.get("/api/v1/me").status, 401);
  const json after_items = admin.get("/api/v1/admin/tokens").expect(200).json().at("items");
  for (const auto& item : after_items) {
    if (item.at("id").get<std::int64_t>() == id) {
      EXPECT_TRUE(item.at("revoked").get<bool>());
    }
  }
}

TEST_F(SessionTest, CliTokenWorksAndDeactivatedUsersAreLockedOut) {
  Api admin(port(), "admin");
  admin.token = admin_token_;
  ASSERT_EQ(admin.get("/api/v1/me").status, 200);
  Api dave(port(), "dave");
  dave.sign_in_with_token("dave", kDavePw);
  ASSERT_EQ(dave.get("/api/v1/me").status, 200);
  // Not an admin: the admin endpoints answer 403 naming the role.
  Response not_admin = dave.post("/api/v1/users", {{"username", "eve"}, {"name", "Eve"}, {"roles", json::array()}});
  EXPECT_EQ(not_admin.status, 403) << not_admin.describe();
  EXPECT_EQ(detail_list(not_admin.json(), "required_role"), std::vector<std::string>{"admin"});

  Response off = admin.send("PATCH", "/api/v1/users/dave", R"({"active": false})");
  ASSERT_EQ(off.status, 200) << off.describe();
  EXPECT_FALSE(off.json().at("active").get<bool>());
  EXPECT_EQ(dave.get("/api/v1/me").status, 401) << "a deactivated user's token stops working";
  Api again(port());
  EXPECT_EQ(again.sign_in("dave", kDavePw).status, 401);
  ASSERT_EQ(admin.send("PATCH", "/api/v1/users/dave", R"({"active": true})").status, 200);
  EXPECT_EQ(dave.get("/api/v1/me").status, 200);
}

// Sign-in lockout as a denial of service: many failures from one address (for other accounts)
// do not keep a user at that address out. On its own server.
TEST(SessionThrottleTest, SignInLockout_FailuresFromOneAddressDoNotLockOthersOut) {
  TempDir dir;
  const std::string db = (dir.path() / "p.db").string();
  run_cli_ok({"--db", db, "user", "add", "zoe", "--name", "Zoe", "--role", "dba"});
  run_cli_ok({"--db", db, "user", "passwd", "zoe"}, "zoe-secreta-9\n");
  ServerProcess server(dir.path() / "p.db");
  server.start();
  Api api(server.port());
  int refused_401 = 0;
  for (int i = 0; i < 20; ++i) {
    const int s = api.sign_in("ghost" + std::to_string(i), "x").status;
    if (s == 401) ++refused_401;
  }
  EXPECT_EQ(refused_401, 20);
  // Five failures for admin-like targets from here do not lock zoe either.
  for (int i = 0; i < 5; ++i) (void)api.sign_in("zoe", "wrong-" + std::to_string(i));
  Api other(server.port());
  Response r = other.sign_in("zoe", "zoe-secreta-9");
  EXPECT_EQ(r.status, 403) << "the pair zoe+address waits a few seconds: " << r.describe();
  EXPECT_EQ(r.json().value("id", ""), "signin.throttled");
  const int wait_s = std::stoi(detail_list(r.json(), "retry_after_s").at(0));
  EXPECT_LE(wait_s, 4) << "a short delay, not a 15-minute lock";
  EXPECT_EQ(server.stop(), 0) << server.output();
}

}  // namespace
}  // namespace apitest

namespace apitest {
namespace {

TEST_F(SessionTest, OnlyAnAdministratorSeesTheMailOutboxAndAnUnknownMailIsNotFound) {
  Api admin(port(), "admin (token)");
  admin.token = admin_token_;
  const json outbox = admin.get("/api/v1/mail").expect(200).json();
  for (const char* key : {"queued", "sent", "failed", "dropped", "items"}) EXPECT_TRUE(outbox.contains(key)) << key;
  EXPECT_EQ(admin.get("/api/v1/mail?state=nonsense").status, 400);
  EXPECT_EQ(admin.post("/api/v1/mail/999999/retry").status, 404);
  EXPECT_EQ(admin.post("/api/v1/mail/abc/retry").status, 404);
  EXPECT_EQ(admin.post("/api/v1/mail/1/resend").status, 404);
  // The outbox page says no mail server is configured: mail waits.
  run_cli_ok({"--db", (dir_->path() / "p.db").string(), "user", "passwd", "admin"}, "contraseña-del-admin-1\n");
  Api admin_web(port(), "admin (web)");
  ASSERT_EQ(admin_web.sign_in("admin", "contraseña-del-admin-1").status, 200);
  Response page = admin_web.get("/admin/mail");
  ASSERT_EQ(page.status, 200) << page.describe();
  EXPECT_NE(page.body.find("mail-not-sending"), std::string::npos);
  EXPECT_NE(page.body.find("id=\"admin-mail\""), std::string::npos);

  Api dave(port(), "dave");
  ASSERT_EQ(dave.sign_in("dave", kDavePw).status, 200);
  EXPECT_EQ(dave.get("/api/v1/mail").status, 403);
  EXPECT_EQ(dave.post("/api/v1/mail/1/drop").status, 403);
  EXPECT_EQ(dave.get("/admin/mail").status, 403);
}

}  // namespace
}  // namespace apitest
