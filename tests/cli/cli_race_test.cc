// Two processes acting on the same request at once: exactly one succeeds, the other exits 6
// (conflict) and changes nothing.
//
// Each round starts from a fresh copy of an office whose maintenance is in pending_approval,
// pre-approves it, then forks two `pasaprod act` processes that wait on one pipe between fork
// and exec; closing the pipe releases both at the same instant.
#include <map>

#include "cli_office.h"

namespace clitest {
namespace {

struct Contender {
  std::string user, action, note;
};

// Number of release.act events recorded for `number` (read with sqlite3).
int act_events(const Workspace& ws, const std::string& number) {
  return std::stoi(ws.sql("SELECT count(*) FROM audit_events WHERE action = 'release.act' AND subject = '" + number + "'"));
}

// Runs one race from pre_approved; returns which contender won (0 or 1), or -1.
int race_once(const Workspace& ws, const std::string& n, const Contender (&c)[2], std::map<std::string, int>* loser_kinds) {
  ws.ok({"act", n, "pre_approve", "--as", "asi"});
  EXPECT_EQ(state_of(ws, n), "pre_approved");
  const int events_before = act_events(ws, n);

  Gate gate;
  std::vector<std::unique_ptr<Child>> kids;
  for (const auto& x : c) {
    Args a = {"act", n, x.action, "--as", x.user};
    if (!x.note.empty()) {
      a.push_back("--note");
      a.push_back(x.note);
    }
    kids.push_back(std::make_unique<Child>(ws.argv(a), &gate));
  }
  gate.release();
  Outcome o[2] = {kids[0]->wait(), kids[1]->wait()};

  const int winners = (o[0].exit_code == 0) + (o[1].exit_code == 0);
  EXPECT_EQ(winners, 1) << o[0].describe() << o[1].describe();
  if (winners != 1) return -1;
  const int w = o[0].exit_code == 0 ? 0 : 1;
  const Outcome& lost = o[1 - w];
  EXPECT_EQ(lost.exit_code, 6) << "the loser gets a conflict\n" << lost.describe();
  EXPECT_EQ(lost.err.rfind("pasaprod: ", 0), 0u) << lost.describe();
  // Which check the loser ran into: the optimistic row-version check at write time (a true
  // race) or the state check after the winner's commit.
  if (loser_kinds) ++(*loser_kinds)[lost.err.find("cambió mientras") != std::string::npos ? "row_version" : "state"];

  nlohmann::json r = show(ws, n);
  EXPECT_EQ(count_transitions(r, c[w].action), 1) << r["transitions"].dump(2);
  int out_of_pre_approved = 0;
  for (const auto& t : r["transitions"]) out_of_pre_approved += t.value("from", "") == "pre_approved";
  EXPECT_EQ(out_of_pre_approved, 1) << r["transitions"].dump(2);
  if (!r["transitions"].empty()) {
    EXPECT_EQ(r["transitions"].back().value("by", ""), c[w].user);
  }
  EXPECT_EQ(act_events(ws, n), events_before + 1) << "exactly one audit event for the two attempts";
  EXPECT_GT(audit_events(ws), 0);
  return w;
}

TEST(CliRace, TwoItChiefsApproveAtOnceExactlyOneWins) {
  std::string n;
  const fs::path tpl = pending_approval_template(&n);
  ASSERT_FALSE(n.empty());
  const Contender c[2] = {{"chief", "approve", ""}, {"chief2", "approve", ""}};
  std::map<std::string, int> loser_kinds;
  int wins[2] = {0, 0};
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Workspace ws;
    ws.copy_office_from(tpl);
    const int w = race_once(ws, n, c, &loser_kinds);
    if (w >= 0) ++wins[w];
    EXPECT_EQ(state_of(ws, n), "approved");
    if (HasFailure()) break;
  }
  std::printf("[ info ] winners: chief %d, chief2 %d; loser refused by row_version check %d, by state check %d\n", wins[0], wins[1],
              loser_kinds["row_version"], loser_kinds["state"]);
}

TEST(CliRace, SameChiefTwiceAtOnceExactlyOneWins) {
  std::string n;
  const fs::path tpl = pending_approval_template(&n);
  ASSERT_FALSE(n.empty());
  const Contender c[2] = {{"chief", "approve", ""}, {"chief", "approve", ""}};
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Workspace ws;
    ws.copy_office_from(tpl);
    race_once(ws, n, c, nullptr);
    if (HasFailure()) break;
  }
}

TEST(CliRace, ApproveAndRejectAtOnceExactlyOneWins) {
  std::string n;
  const fs::path tpl = pending_approval_template(&n);
  ASSERT_FALSE(n.empty());
  const Contender c[2] = {{"chief", "approve", ""}, {"chief2", "reject", "No corresponde a este trimestre"}};
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Workspace ws;
    ws.copy_office_from(tpl);
    const int w = race_once(ws, n, c, nullptr);
    if (w >= 0) {
      nlohmann::json r = show(ws, n);
      EXPECT_EQ(r.value("state", ""), w == 0 ? "approved" : "rejected");
      EXPECT_EQ(r["observations"].size(), w == 0 ? 0u : 1u) << "the loser's note is not recorded\n" << r["observations"].dump(2);
    }
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace clitest
