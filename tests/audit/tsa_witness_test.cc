// The time-stamp witness (issue 10): `pasaprod serve --anchor-tsa URL` has the anchored audit head
// stamped by an RFC 3161 authority — here a real one the test starts (tests/fixtures/
// tsa_server.py: `openssl ts -reply` over HTTP on loopback, with a CA and a TSA certificate of
// its own). The test checks that:
//  * a reply is kept for the head, and the last head is stamped at shutdown;
//  * `openssl ts -verify` accepts the kept reply for its statement (and refuses another);
//  * `pasaprod audit verify --tsa-ca` verifies the newest stamp against the trail;
//  * a head moved while no server ran (a CLI write) is stamped when the server starts;
//  * with the authority down, writes go on, the failure is reported (stderr and /metrics), and
//    the witness catches up once the authority is back;
//  * a trail rewritten after a stamp, and re-anchored with the key (someone holding the whole data
//    folder), passes `audit verify` but not `audit verify --tsa-ca`.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

#include "api_office.h"
#include "audit/tsa_witness.h"
#include "tests/fixtures/chain_rewrite.h"
#include "tests/fixtures/tsa_server.h"

namespace apitest {
namespace {

using pasaprod::audit::newest_stamp;
using pasaprod::audit::StampedHead;

// Polls `done` every 50 ms until it holds or 60 s passed (a bound for a loaded machine, not a
// speed requirement).
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

// Runs a shell command; its exit status and its output (stdout and stderr).
std::pair<int, std::string> shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, ""};
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

json verify_json(const fs::path& db, const std::vector<std::string>& extra, int* exit_code) {
  std::vector<std::string> args = {"--db", db.string(), "--json", "--lang", "en", "audit", "verify"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CliResult r = run_cli(args);
  *exit_code = r.exit_code;
  return json::parse(r.out);
}

void add_systems(Api& admin, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    const std::string code = prefix + std::to_string(i);
    admin.post("/api/v1/systems", {{"code", code}, {"name", "Sistema " + code}, {"unit", "OTI"}, {"origin", "inhouse"}}).expect(201);
  }
}

std::int64_t stamped_seq(const fs::path& stamps) {
  const std::optional<StampedHead> s = newest_stamp(stamps.string());
  return s ? s->head.seq : 0;
}

TEST(TsaWitness, HeadsAreStampedVerifiableAndCaughtUpAndARewriteAfterAStampIsDetected) {
  TempDir tsa_home;
  pasaprod::testing_tsa::TsaServer tsa(tsa_home.path() / "tsa");
  tsa.start();
  ServeOptions serve;
  serve.global = {"--anchor-tsa", tsa.url(), "--anchor-tsa-interval", "1"};
  auto office = Office::fresh(serve);
  const fs::path db = office->db();
  const fs::path stamps = db.string() + ".tsa";
  const std::string ca = tsa.ca_pem().string();
  const std::string admin_token = office->admin().token;

  // Stamped while serving; the last head at shutdown.
  add_systems(office->admin(), "A", 3);
  ASSERT_TRUE(eventually([&] { return stamped_seq(stamps) > 0; })) << office->server().output();
  ASSERT_EQ(office->stop(), 0);
  int code = 0;
  json plain = verify_json(db, {}, &code);
  ASSERT_EQ(code, 0) << plain.dump(2);
  std::optional<StampedHead> newest = newest_stamp(stamps.string());
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->head.seq, plain["last_seq"].get<std::int64_t>()) << "the head at shutdown was not stamped";
  EXPECT_EQ(newest->head.hash, plain["last_hash"].get<std::string>());

  // Anyone can check a kept reply with openssl, for its statement and no other.
  const auto [ok_exit, ok_out] = shell("openssl ts -verify -in '" + newest->reply_path + "' -data '" + newest->statement_path +
                                       "' -CAfile '" + ca + "'");
  EXPECT_EQ(ok_exit, 0) << ok_out;
  EXPECT_NE(ok_out.find("Verification: OK"), std::string::npos) << ok_out;
  const fs::path other = tsa_home.path() / "other.txt";
  std::ofstream(other) << "audit head db=p.db seq=" << newest->head.seq << " hash=" << std::string(64, '0');
  const auto [bad_exit, bad_out] =
      shell("openssl ts -verify -in '" + newest->reply_path + "' -data '" + other.string() + "' -CAfile '" + ca + "'");
  EXPECT_NE(bad_exit, 0) << bad_out;

  // pasaprod checks the newest stamp against the trail.
  json with_stamp = verify_json(db, {"--tsa-ca", ca}, &code);
  EXPECT_EQ(code, 0) << with_stamp.dump(2);
  EXPECT_EQ(with_stamp["timestamp"]["seq"].get<std::int64_t>(), newest->head.seq) << with_stamp.dump(2);

  // A head moved by a CLI write is stamped when the server starts.
  run_cli_ok({"--db", db.string(), "system", "add", "CLI1", "--name", "Sistema de consola"});
  const std::int64_t cli_head = verify_json(db, {}, &code)["last_seq"].get<std::int64_t>();
  ASSERT_GT(cli_head, newest->head.seq);
  {
    ServerProcess server(db, serve);
    server.start();
    EXPECT_TRUE(eventually([&] { return stamped_seq(stamps) >= cli_head; })) << "the head was not stamped at start";

    // The authority down: writes go on, the failure shows; back up: the witness catches up.
    tsa.stop();
    Api admin(server.port(), "admin");
    admin.token = admin_token;
    const std::int64_t before_outage = stamped_seq(stamps);
    add_systems(admin, "B", 3);
    EXPECT_TRUE(eventually([&] { return server.output().find("could not be time-stamped") != std::string::npos; }))
        << server.output();
    EXPECT_NE(admin.get("/metrics").expect(200).body.find("pasaprod_audit_timestamp_failing 1"), std::string::npos);
    EXPECT_EQ(stamped_seq(stamps), before_outage);
    add_systems(admin, "C", 2);
    tsa.start();
    EXPECT_TRUE(eventually([&] { return stamped_seq(stamps) > before_outage; })) << server.output();
    EXPECT_TRUE(eventually([&] {
      return admin.get("/metrics").body.find("pasaprod_audit_timestamp_failing 0") != std::string::npos;
    }));
    EXPECT_EQ(server.stop(), 0) << server.output();
  }
  plain = verify_json(db, {}, &code);
  ASSERT_EQ(code, 0) << plain.dump(2);
  newest = newest_stamp(stamps.string());
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->head.seq, plain["last_seq"].get<std::int64_t>());

  // Someone holding the whole data folder rewrites the trail from before the stamped head and
  // anchors it again with the key: the anchor is fooled, the time-stamp is not.
  pasaprod::testing_tamper::rewrite_chain_from(db, newest->head.seq - 1);
  fs::remove(db.string() + ".anchor");
  run_cli_ok({"--db", db.string(), "audit", "reanchor"});
  plain = verify_json(db, {}, &code);
  EXPECT_EQ(code, 0) << "the rewrite should pass the anchor: " << plain.dump(2);
  with_stamp = verify_json(db, {"--tsa-ca", ca}, &code);
  EXPECT_EQ(code, 7) << with_stamp.dump(2);
  EXPECT_NE(with_stamp.dump().find("audit.witness_mismatch"), std::string::npos) << with_stamp.dump(2);
}

}  // namespace
}  // namespace apitest
