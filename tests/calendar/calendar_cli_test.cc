// `pasaprod calendar` (issue 15): a user's secret calendar addresses from the command line,
// remote (--server, the user's token in PASAPROD_TOKEN) and local (--as on the office's
// files), against a server started on loopback: the address printed works, rotating it kills
// the old one, an admin (only) removes another user's, every change is audited, and the key
// shows in no log.
#include <gtest/gtest.h>

#include <cstdlib>

#include "api_office.h"
#include "db_rows.h"

namespace apitest {
namespace {

constexpr const char* kPublicUrl = "https://pasaprod.example.pe";

// Runs `pasaprod --json --server … args` with `token` in PASAPROD_TOKEN (never in argv).
CliResult remote(Office& office, const std::string& token, std::vector<std::string> args) {
  ::setenv("PASAPROD_TOKEN", token.c_str(), 1);
  args.insert(args.begin(), {"--json", "--server", "http://127.0.0.1:" + std::to_string(office.port())});
  CliResult r = run_cli(args);
  ::unsetenv("PASAPROD_TOKEN");
  return r;
}

// Runs `pasaprod --json --db … args` on the office's files.
CliResult local(Office& office, std::vector<std::string> args) {
  std::vector<std::string> global = {"--json", "--db", office.db().string()};
  for (const auto& g : office.global_args()) global.push_back(g);
  args.insert(args.begin(), global.begin(), global.end());
  return run_cli(args);
}

// The feed's path on the server from the address printed (kPublicUrl + path).
std::string feed_path(const CliResult& r) {
  const json j = json::parse(r.out, nullptr, false);
  EXPECT_TRUE(j.is_object()) << r.describe();
  const std::string url = j.is_object() ? j.value("url", "") : "";
  EXPECT_EQ(url.rfind(std::string(kPublicUrl) + "/calendar/", 0), 0u) << url;
  return url.size() > std::string(kPublicUrl).size() ? url.substr(std::string(kPublicUrl).size()) : "/calendar/none.ics";
}

// The actors of the audit events of `subject` with this action, oldest first.
std::vector<std::string> events(Office& office, const std::string& subject, const std::string& action) {
  std::vector<std::string> out;
  for (const auto& row : db_rows(office.db(), "SELECT actor, action FROM audit_events WHERE subject = ? ORDER BY seq", subject)) {
    if (row[1] == action) out.push_back(row[0]);
  }
  return out;
}

TEST(CalendarCli, AddressesAreMadeRotatedListedAndRevokedRemotelyAndLocally) {
  ServeOptions options;
  options.extra = {"--public-url", kPublicUrl};
  auto office = Office::fresh(options);
  const std::string chief = office->cast.at("it_chief"), dba = office->cast.at("dba");
  const std::string chief_token = office->as(chief).token, dba_token = office->as(dba).token;
  Api anonymous(office->port());

  // Remote, as the IT chief: made, working, listed (without the key).
  CliResult made = remote(*office, chief_token, {"calendar", "rotate", "office"});
  ASSERT_EQ(made.exit_code, 0) << made.describe();
  const std::string first = feed_path(made);
  EXPECT_EQ(anonymous.get(first).expect(200).body.rfind("BEGIN:VCALENDAR", 0), 0u);
  CliResult listed = remote(*office, chief_token, {"calendar", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  const json keys = json::parse(listed.out);
  ASSERT_EQ(keys.size(), 1u) << keys;
  EXPECT_EQ(keys[0]["scope"], "office");
  EXPECT_TRUE(keys[0]["rotated_at"].is_null());
  const std::string key = first.substr(std::string("/calendar/").size(), first.size() - std::string("/calendar/.ics").size());
  EXPECT_EQ(listed.out.find(key), std::string::npos);

  // Rotated: the old address answers 404, the new one works.
  CliResult rotated = remote(*office, chief_token, {"calendar", "rotate", "office"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.describe();
  const std::string second = feed_path(rotated);
  EXPECT_NE(second, first);
  anonymous.get(first).expect(404);
  anonymous.get(second).expect(200);
  EXPECT_EQ(events(*office, chief, "calendar.key_rotate").size(), 1u);

  // Local, as the DBA on the office's files: the address (with --public-url) works on the server.
  CliResult mine = local(*office, {"calendar", "rotate", "mine", "--as", dba, "--public-url", std::string(kPublicUrl) + "/"});
  ASSERT_EQ(mine.exit_code, 0) << mine.describe();
  const std::string dba_feed = feed_path(mine);
  anonymous.get(dba_feed).expect(200);
  CliResult dba_list = local(*office, {"calendar", "list", "--as", dba});
  ASSERT_EQ(dba_list.exit_code, 0) << dba_list.describe();
  EXPECT_EQ(json::parse(dba_list.out)[0]["scope"], "mine");

  // Bad input changes nothing: an unknown scope, a local command without --as.
  EXPECT_EQ(remote(*office, dba_token, {"calendar", "rotate", "everything"}).exit_code, 2);
  EXPECT_EQ(local(*office, {"calendar", "rotate", "office"}).exit_code, 2);
  EXPECT_EQ(json::parse(remote(*office, dba_token, {"calendar", "list"}).out).size(), 1u);

  // Another user's address: the DBA may not remove it; an admin may, audited with the owner as
  // subject and the admin as actor.
  CliResult refused = remote(*office, dba_token, {"calendar", "revoke", "office", "--user", chief});
  EXPECT_EQ(refused.exit_code, 4) << refused.describe();
  anonymous.get(second).expect(200);
  CliResult revoked = remote(*office, office->admin().token, {"calendar", "revoke", "office", "--user", chief});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.describe();
  anonymous.get(second).expect(404);
  const auto removals = events(*office, chief, "calendar.key_remove");
  ASSERT_EQ(removals.size(), 1u);
  EXPECT_EQ(removals[0], "admin");
  EXPECT_EQ(remote(*office, office->admin().token, {"calendar", "revoke", "office", "--user", chief}).exit_code, 3);

  // The owner removes their own address locally.
  CliResult own = local(*office, {"calendar", "revoke", "mine", "--as", dba});
  ASSERT_EQ(own.exit_code, 0) << own.describe();
  anonymous.get(dba_feed).expect(404);
  EXPECT_EQ(events(*office, dba, "calendar.key_remove").size(), 1u);

  // No key in the server's log or in the audit trail.
  const std::string log = office->server().output();
  std::string trail;
  for (const auto& row : db_rows(office->db(), "SELECT before, after FROM audit_events WHERE seq > ?", "0")) trail += row[0] + row[1];
  for (const std::string& path : {first, second, dba_feed}) {
    const std::string k = path.substr(std::string("/calendar/").size(), path.size() - std::string("/calendar/.ics").size());
    EXPECT_EQ(log.find(k), std::string::npos) << k;
    EXPECT_EQ(trail.find(k), std::string::npos) << k;
  }
}

}  // namespace
}  // namespace apitest
