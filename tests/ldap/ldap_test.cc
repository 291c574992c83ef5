// Directory sign-in against a real slapd (tests/ldap/ldap-fixture.sh starts one per test on
// loopback, with STARTTLS through a throw-away CA and the tree of fixture.ldif) and a real
// `pasaprod serve --ldap-*`: sign-in, roles from groups (one per system), role changes seen at
// the next sign-in, a disabled person refused and their token too, throttling, a directory
// that is stopped or hangs, STARTTLS with and without the test CA.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "api_harness.h"

namespace apitest {
namespace {

using Clock = std::chrono::steady_clock;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) throw std::runtime_error(std::string("run under tests/ldap/ldap-fixture.sh: $") + name + " is not set");
  return v;
}

// Applies an LDIF change to the fixture's directory as its root.
void ldap_modify(const std::string& ldif) {
  const std::string cmd = "ldapmodify -x -H '" + env("LDAP_URI") + "' -D cn=admin,dc=example,dc=pe -w adminpw >/dev/null";
  FILE* p = ::popen(cmd.c_str(), "w");
  ASSERT_NE(p, nullptr);
  std::fputs(ldif.c_str(), p);
  ASSERT_EQ(::pclose(p), 0) << ldif;
}

bool has_role(const json& roles, const std::string& role, const std::string& system = "") {
  for (const json& r : roles) {
    if (r.value("role", "") == role && r.value("system", "") == system) return true;
  }
  return false;
}

class Ldap : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() / "p.db";
    const std::string db = db_.string();
    run_cli_ok({"--db", db, "init"});
    run_cli_ok({"--db", db, "user", "add", "admin", "--name", "Local Admin", "--role", "admin"});
    run_cli_ok({"--db", db, "user", "passwd", "admin"}, "local-admin-pw\n");
    run_cli_ok({"--db", db, "system", "add", "SIAGIE", "--name", "SIAGIE"});
    std::ofstream(dir_.path() / "svc.pw") << "service-secret-pw\n";
  }

  // serve with the directory: STARTTLS with the test CA, the service account, the mapping.
  std::vector<std::string> directory_args(const std::string& url = "") {
    return {"--ldap-url", url.empty() ? env("LDAP_URI") : url,
            "--ldap-base", "ou=people,dc=example,dc=pe",
            "--ldap-group-base", "ou=groups,dc=example,dc=pe",
            "--ldap-bind-dn", "cn=pasaprod,dc=example,dc=pe",
            "--ldap-password-file", (dir_.path() / "svc.pw").string(),
            "--ldap-user-filter", "(&(objectClass=inetOrgPerson)(uid={user})(!(pwdAccountLockedTime=*)))",
            "--ldap-group-map", env("LDAP_GROUP_MAP"),
            "--ldap-ca-file", env("LDAP_CA"),
            "--ldap-timeout", "2"};
  }

  ServerProcess& start(std::vector<std::string> extra) {
    ServeOptions o;
    o.extra = std::move(extra);
    server_ = std::make_unique<ServerProcess>(db_, o);
    server_->start();
    return *server_;
  }

  TempDir dir_;
  fs::path db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Ldap, FirstSignInCreatesTheUserWithRolesFromGroupsIncludingPerSystem) {
  auto& server = start(directory_args());
  Api alice(server.port());
  alice.sign_in("alice", "alicepw-long").expect(200);
  json me = alice.get("/api/v1/me").expect(200).json();
  EXPECT_EQ(me["name"], "Alicia Álvarez");
  EXPECT_EQ(me["email"], "alice@example.pe");
  EXPECT_EQ(me["directory"], true);
  EXPECT_TRUE(me["roles"].empty()) << me.dump();  // none given by hand
  EXPECT_TRUE(has_role(me["directory_roles"], "admin")) << me.dump();
  EXPECT_TRUE(has_role(me["directory_roles"], "qa_lead")) << me.dump();
  EXPECT_TRUE(has_role(me["directory_roles"], "pmo_specialist")) << me.dump();
  // The roles work: the admin-only user list answers.
  alice.get("/metrics").expect(200);

  Api dave(server.port());
  dave.sign_in("Dave", "davepw-long").expect(200);  // logins compare without case: the user is "dave"
  json d = dave.get("/api/v1/me").expect(200).json();
  EXPECT_EQ(d["username"], "dave");
  EXPECT_TRUE(has_role(d["directory_roles"], "project_lead", "SIAGIE")) << d.dump();
  EXPECT_FALSE(has_role(d["directory_roles"], "admin")) << d.dump();
  dave.get("/metrics").expect(403);

  // The web pages mark the roles from the directory; the account page offers no password form.
  Response account = alice.get("/account");
  EXPECT_EQ(account.status, 200) << account.describe();
  // (in Spanish: the user's language, "es" for a new account)
  EXPECT_NE(account.body.find("del directorio"), std::string::npos);
  EXPECT_EQ(account.body.find("action=\"/account/password\""), std::string::npos);
  EXPECT_NE(account.body.find("la guarda el directorio"), std::string::npos);
  Response users = alice.get("/admin/users");
  EXPECT_EQ(users.status, 200) << users.describe();
  EXPECT_NE(users.body.find("(del directorio)"), std::string::npos);

  // Directory users cannot change their password in pasaprod.
  Response pw = alice.post("/api/v1/me/password", {{"current_password", "alicepw-long"}, {"password", "something-new-123"}});
  EXPECT_EQ(pw.status, 422) << pw.describe();
  EXPECT_EQ(pw.json().value("id", ""), "password.directory") << pw.describe();
  // Nor can the local command set one.
  auto passwd = run_cli({"--db", db_.string(), "user", "passwd", "alice"}, "something-new-123\n");
  EXPECT_NE(passwd.exit_code, 0);

  // The command line marks the roles from the directory.
  auto list = run_cli_ok({"--db", db_.string(), "--lang", "en", "user", "list"});
  EXPECT_NE(list.out.find("project_lead@SIAGIE (directory)"), std::string::npos) << list.out;

  // The audit trail (roles by hand and from the directory) still verifies.
  EXPECT_EQ(server.stop(), 0);
  run_cli_ok({"--db", db_.string(), "audit", "verify"});
}

TEST_F(Ldap, RoleChangesInTheDirectoryAreSeenAtTheNextSignInBesideRolesGivenByHand) {
  auto& server = start(directory_args());
  Api bob(server.port());
  bob.sign_in("bob", "bobpw-long").expect(200);
  json me = bob.get("/api/v1/me").expect(200).json();
  EXPECT_TRUE(has_role(me["directory_roles"], "pmo_specialist")) << me.dump();
  EXPECT_FALSE(has_role(me["directory_roles"], "admin")) << me.dump();
  // A role given by hand in pasaprod.
  run_cli_ok({"--db", db_.string(), "user", "grant", "bob", "dba"});

  ldap_modify("dn: cn=admins,ou=groups,dc=example,dc=pe\nchangetype: modify\nadd: member\nmember: uid=bob,ou=people,dc=example,dc=pe\n\n"
              "dn: cn=users,ou=groups,dc=example,dc=pe\nchangetype: modify\ndelete: member\nmember: uid=bob,ou=people,dc=example,dc=pe\n");
  bob.sign_in("bob", "bobpw-long").expect(200);
  me = bob.get("/api/v1/me").expect(200).json();
  EXPECT_TRUE(has_role(me["directory_roles"], "admin")) << me.dump();
  EXPECT_FALSE(has_role(me["directory_roles"], "pmo_specialist")) << me.dump();
  EXPECT_TRUE(has_role(me["roles"], "dba")) << me.dump();  // the hand-given role stays
  bob.get("/metrics").expect(200);
  EXPECT_EQ(server.stop(), 0);
  run_cli_ok({"--db", db_.string(), "audit", "verify"});
}

TEST_F(Ldap, DisabledPersonIsRefusedAndTheirTokenStopsAtItsNextUse) {
  auto args = directory_args();
  args.insert(args.end(), {"--ldap-recheck-seconds", "0"});
  auto& server = start(args);
  Api carol(server.port());
  Response c = carol.sign_in("carol", "carolpw-long");  // locked (ppolicy), excluded by the filter
  EXPECT_EQ(c.status, 401) << c.describe();

  Api bob(server.port());
  bob.sign_in_with_token("bob", "bobpw-long");
  bob.get("/api/v1/me").expect(200);
  Api bob_session(server.port());
  bob_session.sign_in("bob", "bobpw-long").expect(200);

  ldap_modify("dn: uid=bob,ou=people,dc=example,dc=pe\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n");
  Response gone = bob.get("/api/v1/me");
  EXPECT_EQ(gone.status, 401) << gone.describe();
  EXPECT_EQ(gone.json().value("id", ""), "directory.account_gone") << gone.describe();
  Response again = bob.get("/api/v1/me");  // revoked for good
  EXPECT_EQ(again.status, 401) << again.describe();
  EXPECT_EQ(again.json().value("id", ""), "token.invalid") << again.describe();
  EXPECT_EQ(bob_session.get("/api/v1/me").status, 401);  // the session ended too
  EXPECT_EQ(Api(server.port()).sign_in("bob", "bobpw-long").status, 401);

  // Enabled again: bob signs in again (a new token is needed).
  ldap_modify("dn: uid=bob,ou=people,dc=example,dc=pe\nchangetype: modify\ndelete: pwdAccountLockedTime\n");
  Api(server.port()).sign_in("bob", "bobpw-long").expect(200);
  EXPECT_EQ(server.stop(), 0);
  run_cli_ok({"--db", db_.string(), "audit", "verify"});
}

TEST_F(Ldap, WrongDirectoryPasswordsAreThrottled) {
  auto& server = start(directory_args());
  Api a(server.port());
  int throttled_at = 0;
  for (int i = 1; i <= 6 && !throttled_at; ++i) {
    Response r = a.sign_in("alice", "not-her-password");
    if (r.status == 403) {
      EXPECT_EQ(r.json().value("id", ""), "signin.throttled") << r.describe();
      throttled_at = i;
    } else {
      EXPECT_EQ(r.status, 401) << r.describe();
    }
  }
  EXPECT_EQ(throttled_at, 5);  // 3 free failures, the 4th sets a delay, the 5th waits
  // Even the right password waits now.
  EXPECT_EQ(a.sign_in("alice", "alicepw-long").status, 403);
  // An unknown person counts the same.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.sign_in("nobody", "whatever-pw").status, 401);
  EXPECT_EQ(a.sign_in("nobody", "whatever-pw").status, 403);
}

TEST_F(Ldap, StoppedDirectoryGivesAClearErrorWithinTheTimeoutAndLocalAdminStillSignsIn) {
  auto& server = start(directory_args());
  Api alice(server.port());
  alice.sign_in("alice", "alicepw-long").expect(200);
  const pid_t slapd = static_cast<pid_t>(std::stol(env("SLAPD_PID")));
  ASSERT_EQ(::kill(slapd, SIGTERM), 0);
  for (int i = 0; i < 100 && ::kill(slapd, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));

  Api again(server.port());
  const auto t0 = Clock::now();
  Response r = again.sign_in("alice", "alicepw-long");
  const auto took = Clock::now() - t0;
  EXPECT_EQ(r.status, 503) << r.describe();
  EXPECT_EQ(r.json().value("id", ""), "directory.unavailable") << r.describe();
  EXPECT_NE(r.body.find("local accounts"), std::string::npos) << r.describe();
  EXPECT_LT(took, std::chrono::seconds(3));
  Api es(server.port());
  es.lang = "es";
  Response r_es = es.sign_in("alice", "alicepw-long");
  EXPECT_NE(r_es.body.find("no responde"), std::string::npos) << r_es.describe();

  Api admin(server.port());
  admin.sign_in("admin", "local-admin-pw").expect(200);
  // Counted as sign-ins that ended in an error (not as failed attempts).
  const std::string metrics = admin.get("/metrics").expect(200).body;
  EXPECT_NE(metrics.find("pasaprod_sign_ins_total{outcome=\"error\"} 2"), std::string::npos) << metrics;
  // alice's open session keeps working on its last known state while the directory is down.
  alice.get("/api/v1/me").expect(200);
}

TEST_F(Ldap, DirectoryThatAcceptsButNeverAnswersIsCutAtTheTimeout) {
  // A listening socket nobody accepts on: connect succeeds, no answer ever comes.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto args = directory_args("ldap://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
  args.back() = "1";  // --ldap-timeout 1
  auto& server = start(args);
  Api api(server.port());
  const auto t0 = Clock::now();
  Response r = api.sign_in("alice", "alicepw-long");
  const auto took = Clock::now() - t0;
  ::close(fd);
  EXPECT_EQ(r.status, 503) << r.describe();
  EXPECT_LT(took, std::chrono::seconds(4));  // STARTTLS waits at most the timeout
  Api(server.port()).sign_in("admin", "local-admin-pw").expect(200);
}

TEST_F(Ldap, StartTlsNeedsTheDirectorysCa) {
  // Without the test CA the directory's certificate is not trusted: refused, clearly.
  auto args = directory_args();
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--ldap-ca-file") args[i + 1] = (dir_.path() / "other-ca.pem").string();
  }
  // Another CA: the server's certificate does not chain to it.
  ASSERT_EQ(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=other "
                         "-keyout /dev/null -out '" + (dir_.path() / "other-ca.pem").string() + "' 2>/dev/null").c_str()),
            0);
  auto& server = start(args);
  Response r = Api(server.port()).sign_in("alice", "alicepw-long");
  EXPECT_EQ(r.status, 503) << r.describe();
  EXPECT_NE(r.body.find("STARTTLS"), std::string::npos) << r.describe();
  EXPECT_EQ(server.stop(), 0);
  // With it (the other tests use STARTTLS too), alice signs in.
  auto& good = start(directory_args());
  Api(good.port()).sign_in("alice", "alicepw-long").expect(200);
}

TEST_F(Ldap, BindDnTemplateWithoutSearch) {
  auto& server = start({"--ldap-url", env("LDAP_URI"), "--ldap-user-dn-template", "uid={user},ou=people,dc=example,dc=pe",
                        "--ldap-group-base", "ou=groups,dc=example,dc=pe", "--ldap-group-map", env("LDAP_GROUP_MAP"),
                        "--ldap-ca-file", env("LDAP_CA"), "--ldap-timeout", "2"});
  Api dave(server.port());
  dave.sign_in("dave", "davepw-long").expect(200);
  json d = dave.get("/api/v1/me").expect(200).json();
  EXPECT_EQ(d["name"], "Dave D");
  EXPECT_TRUE(has_role(d["directory_roles"], "project_lead", "SIAGIE")) << d.dump();
  EXPECT_EQ(Api(server.port()).sign_in("dave", "wrong-password").status, 401);
  // A DN-special login cannot reach another entry.
  EXPECT_EQ(Api(server.port()).sign_in("dave,ou=people", "davepw-long").status, 401);
}

TEST_F(Ldap, LdapsAndTheConfigFileWithThePasswordFromTheEnvironment) {
  // Every --ldap-* option is a key of --config; the service account's password comes from
  // $PASAPROD_LDAP_PASSWORD (the server inherits this process's environment).
  const fs::path cfg = dir_.path() / "pasaprod.yaml";
  std::ofstream(cfg) << "ldap-url: " << env("LDAPS_URI") << "\n"
                     << "ldap-base: ou=people,dc=example,dc=pe\n"
                     << "ldap-group-base: ou=groups,dc=example,dc=pe\n"
                     << "ldap-bind-dn: cn=pasaprod,dc=example,dc=pe\n"
                     << "ldap-user-filter: \"(&(objectClass=inetOrgPerson)(uid={user})(!(pwdAccountLockedTime=*)))\"\n"
                     << "ldap-group-map: " << env("LDAP_GROUP_MAP") << "\n"
                     << "ldap-ca-file: " << env("LDAP_CA") << "\n"
                     << "ldap-timeout: 2\n";
  ::setenv("PASAPROD_LDAP_PASSWORD", "service-secret-pw", 1);
  auto& server = start({"--config", cfg.string()});
  Api alice(server.port());
  alice.sign_in("alice", "alicepw-long").expect(200);
  EXPECT_TRUE(has_role(alice.get("/api/v1/me").expect(200).json()["directory_roles"], "admin"));
  EXPECT_EQ(Api(server.port()).sign_in("carol", "carolpw-long").status, 401);
  EXPECT_EQ(server.stop(), 0);
  // The password is in no output of the server.
  EXPECT_EQ(server.output().find("service-secret-pw"), std::string::npos);
  // A wrong service password: a clear 503 naming the service account.
  ::setenv("PASAPROD_LDAP_PASSWORD", "not-the-service-pw", 1);
  auto& bad = start({"--config", cfg.string()});
  Response r = Api(bad.port()).sign_in("alice", "alicepw-long");
  EXPECT_EQ(r.status, 503) << r.describe();
  EXPECT_EQ(r.json().value("id", ""), "directory.service_account") << r.describe();
  ::unsetenv("PASAPROD_LDAP_PASSWORD");
}

TEST_F(Ldap, BadSettingsStopServeBeforeItListens) {
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"--db", db_.string(), "serve", "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  };
  auto r = run({"--ldap-url", "http://dir", "--ldap-base", "dc=pe"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  std::ofstream(dir_.path() / "bad.map") << "cn=a,dc=pe => no_such_role\n";
  r = run({"--ldap-url", "ldap://127.0.0.1:1", "--ldap-base", "dc=pe", "--ldap-group-map", (dir_.path() / "bad.map").string()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  std::ofstream(dir_.path() / "bad2.map") << "cn=a,dc=pe => project_lead\n";  // per system: needs @SYSTEM
  r = run({"--ldap-url", "ldap://127.0.0.1:1", "--ldap-base", "dc=pe", "--ldap-group-map", (dir_.path() / "bad2.map").string()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  r = run({"--ldap-url", "ldap://127.0.0.1:1", "--ldap-base", "dc=pe", "--ldap-bind-dn", "cn=svc,dc=pe"});  // no password
  EXPECT_EQ(r.exit_code, 2) << r.describe();
}

}  // namespace
}  // namespace apitest
