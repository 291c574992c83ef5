// Two approvals at the same moment: two different IT chiefs POST approve on the same
// pre-approved release from two threads; exactly one wins (200), the other loses (409), and
// the release is approved once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <thread>

#include "api_office.h"

namespace apitest {
namespace {

class RaceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::fresh().release();
    walker_ = new Walker(*office_);
  }
  static void TearDownTestSuite() {
    if (office_ == nullptr) return;  // SetUpTestSuite failed (its error is reported)
    delete walker_;
    EXPECT_EQ(office_->stop(), 0) << "SIGTERM should stop the server gracefully\n" << office_->server().output();
    delete office_;
  }

  // Sends the requests of `users` at the same moment (each on its own connection, all but the
  // last byte sent beforehand, the last bytes released together by a barrier); their answers.
  std::vector<Response> at_once(const std::vector<std::pair<std::string, std::string>>& user_and_path, const json& body) {
    const std::size_t n = user_and_path.size();
    std::vector<std::string> requests;
    for (const auto& [user, path] : user_and_path) {
      Api& api = office_->as(user);
      Headers h = api.auth_headers("POST");
      h.emplace_back("Content-Type", "application/json");
      requests.push_back(make_request("POST", path, h, body.dump()));
    }
    std::vector<std::unique_ptr<Conn>> conns;
    for (std::size_t i = 0; i < n; ++i) {
      conns.push_back(std::make_unique<Conn>(office_->port()));
      if (!conns.back()->connected() || !conns.back()->send_all(std::string_view(requests[i]).substr(0, requests[i].size() - 1))) {
        throw std::runtime_error("could not send");
      }
    }
    std::vector<Response> out(n);
    std::barrier sync(static_cast<std::ptrdiff_t>(n));
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        sync.arrive_and_wait();
        conns[i]->send_all(std::string_view(requests[i]).substr(requests[i].size() - 1));
        out[i] = conns[i]->read_response(false, 30s);
        out[i].request_line = "POST " + user_and_path[i].second + " (as " + user_and_path[i].first + ")";
      });
    }
    for (auto& t : threads) t.join();
    return out;
  }

  static Office* office_;
  static Walker* walker_;
};
Office* RaceTest::office_ = nullptr;
Walker* RaceTest::walker_ = nullptr;

TEST_F(RaceTest, TwoChiefsApproveAtOnceOneWinsOneGets409) {
  constexpr int kRounds = 5;
  int wins[2] = {0, 0};
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string n = walker_->open("ALFA", "maintenance").at("number");
    walker_->advance(n, "pre_approved");
    const std::string path = "/api/v1/releases/" + n + "/actions/approve";
    std::vector<Response> r = at_once({{"chief", path}, {"chief2", path}}, {{"note", "Aprobado."}});
    ASSERT_NE(r[0].status, 0) << r[0].describe();
    ASSERT_NE(r[1].status, 0) << r[1].describe();
    std::vector<int> statuses = {r[0].status, r[1].status};
    std::sort(statuses.begin(), statuses.end());
    EXPECT_EQ(statuses, (std::vector<int>{200, 409})) << r[0].describe() << "\n" << r[1].describe();
    const int loser = r[0].status == 409 ? 0 : 1;
    if (r[1 - loser].status == 200) ++wins[1 - loser];
    EXPECT_EQ(r[loser].header("Content-Type").value_or(""), "application/problem+json");
    EXPECT_EQ(r[loser].json().value("code", ""), "conflict") << r[loser].describe();

    const json rel = walker_->get(n);
    EXPECT_EQ(rel.value("state", ""), "approved");
    int approvals = 0;
    std::string approver;
    for (const auto& t : rel.at("transitions")) {
      if (t.at("action") == "approve") {
        ++approvals;
        approver = t.at("by");
      }
    }
    EXPECT_EQ(approvals, 1) << "approved exactly once";
    EXPECT_EQ(approver, loser == 0 ? "chief2" : "chief");
    int events = 0;
    const json events_json = office_->admin().get("/api/v1/releases/" + n + "/events").expect(200).json();
    for (const auto& e : events_json.at("items")) {
      if (e.at("action") == "release.act" && e.at("after").value("action", "") == "approve") ++events;
    }
    EXPECT_EQ(events, 1) << "one audit event for the approval";
  }
  std::cerr << "wins: chief " << wins[0] << ", chief2 " << wins[1] << "\n";
}

// Different actions racing on the same request: the IT chief approves while the ASI head
// returns it to QA. One of them happens; the other is told the request moved on (409).
TEST_F(RaceTest, ApproveAgainstReturnOneWins) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string n = walker_->open("ALFA", "maintenance").at("number");
    walker_->advance(n, "pre_approved");
    const std::string base = "/api/v1/releases/" + n + "/actions/";
    std::vector<Response> r = at_once({{"chief", base + "approve"}, {"asi", base + "return_to_qa"}}, {{"note", "Con observaciones."}});
    std::vector<int> statuses = {r[0].status, r[1].status};
    std::sort(statuses.begin(), statuses.end());
    EXPECT_EQ(statuses, (std::vector<int>{200, 409})) << r[0].describe() << "\n" << r[1].describe();
    const std::string state = walker_->get(n).value("state", "");
    EXPECT_EQ(state, r[0].status == 200 ? "approved" : "returned");
  }
}

// The step that issues a document, pressed twice at once by its actor: both may render the
// PDF before writing, one wins, and the loser's PDF does not stay in the library.
TEST_F(RaceTest, DocumentStepTwiceAtOnceKeepsOnlyTheWinnersPdf) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string n = walker_->open("ALFA", "maintenance").at("number");
    walker_->advance(n, "validated");
    walker_->prepare(n, "prepare_report");
    const std::string actor = walker_->actor_for("prepare_report", "maintenance");
    const std::string path = "/api/v1/releases/" + n + "/actions/prepare_report";
    const auto blobs_before = stored_blobs(office_->blobs_dir());
    std::vector<Response> r = at_once({{actor, path}, {actor, path}}, {{"note", "Informe."}});
    const int wins = static_cast<int>(std::count_if(r.begin(), r.end(), [](const Response& x) { return x.status == 200; }));
    EXPECT_EQ(wins, 1) << r[0].describe() << "\n" << r[1].describe();
    for (const auto& x : r) {
      if (x.status != 200) {
        EXPECT_TRUE(x.status == 409 || x.status == 422) << x.describe();
      }
    }
    const json docs = office_->admin().get("/api/v1/releases/" + n + "/documents").expect(200).json();
    EXPECT_EQ(docs.at("items").size(), 1u);
    EXPECT_EQ(stored_blobs(office_->blobs_dir()).size(), blobs_before.size() + 1) << "only the issued PDF is new";
  }
}

}  // namespace
}  // namespace apitest
