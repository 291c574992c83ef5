// How an action or review writes. It answers the view it computed from its snapshot and what it
// wrote, without reading back: that view must be the one a fresh load gives.
// An action decides on one snapshot and writes in another transaction. The write refuses
// (conflict "office.changed", nothing changed) when what the decision relied on beside the
// request — the freezes, the committee's active members, its quorum — changed in between
// (Office::act_view). InterleavingStore makes that interleaving happen every time: it commits a
// chosen change, through a second Office on the same database, just before the next write.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "audit/file_anchor.h"
#include "core/time.h"
#include "core/version.h"
#include "library/library.h"
#include "service/demo.h"
#include "service/json_view.h"
#include "service/office.h"
#include "forwarding_store.h"
#include "storage/open/open_store.h"
#include "util/system_clock.h"

namespace pasaprod {
namespace {

namespace fs = std::filesystem;

class InterleavingStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  // The next write() first runs `change` (which writes through the inner store) to its end.
  void before_next_write(std::function<Status()> change) { change_ = std::move(change); }
  bool change_pending() const { return static_cast<bool>(change_); }

  Status write(const std::function<Status(WriteTx&)>& fn) override {
    if (change_) {
      auto change = std::move(change_);
      change_ = nullptr;
      if (Status st = change(); !st) return st;
    }
    return inner_.write(fn);
  }

 private:
  std::function<Status()> change_;
};

ActionInput approve() {
  ActionInput in;
  in.action = "committee_approve";
  return in;
}

std::vector<std::string> files_under(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A new empty folder for the running test.
fs::path fresh_dir() {
  fs::path dir = fs::temp_directory_path() / ("pasaprod-fence-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

class OfficeFence : public ::testing::Test {
 protected:
  OfficeFence()
      : dir_(fresh_dir()),
        clock_(parse_iso("2026-11-02T15:00:00Z").value()),
        procedures_(ProcedureSet::builtin()),
        anchor_((dir_ / "p.db.anchor").string()),
        store_(std::move(open_store((dir_ / "p.db").string(), &anchor_).value())),
        library_(dir_ / "library"),
        interleaving_(*store_),
        office_(interleaving_, library_, clock_, procedures_),
        other_(*store_, library_, clock_, procedures_) {}
  ~OfficeFence() override { fs::remove_all(dir_); }

  void SetUp() override {
    // Documents on: the approval issues the committee's acta, which fills its deliverable.
    office_.set_document_key("fence-document-key");
    other_.set_document_key("fence-document-key");
    ASSERT_TRUE(seed_demo_people_and_systems(office_, nullptr));
    auto n = walk_demo_release(office_, "SIAGIE", "emergency", "Corrección urgente", "committee", nullptr);
    ASSERT_TRUE(n) << n.error().es;
    number_ = *n;
    const Caller elena{"elena.comite"}, raul{"raul.comite"};
    ASSERT_TRUE(office_.record(elena, number_, "vote", {{"decision", "approve"}, {"note", "Urgente"}}));
    ASSERT_TRUE(office_.record(raul, number_, "vote", {{"decision", "approve"}, {"note", "Conforme"}}));
  }

  Release release() { return office_.view(number_, "").value().release; }

  // Approves for the committee with `change` committed between the decision's load and its
  // write; expects the refusal and that it changed nothing but what `change` did.
  void expect_fenced(const std::function<Status()>& change) {
    const Release before = release();
    const auto library_before = files_under(dir_ / "library");
    interleaving_.before_next_write(change);
    auto r = office_.act(Caller{"elena.comite"}, number_, approve());
    EXPECT_FALSE(interleaving_.change_pending());
    ASSERT_FALSE(r) << "approved although the office changed while deciding";
    EXPECT_EQ(r.error().code, Code::conflict);
    EXPECT_EQ(r.error().id, "office.changed");
    EXPECT_FALSE(r.error().es.empty());
    EXPECT_FALSE(r.error().en.empty());
    const Release after = release();
    EXPECT_EQ(after.state, before.state);
    EXPECT_EQ(after.row_version, before.row_version);
    EXPECT_EQ(after.files.size(), before.files.size());
    EXPECT_EQ(files_under(dir_ / "library"), library_before) << "the refused action left a document in the library";
  }

  fs::path dir_;
  FixedClock clock_;
  ProcedureSet procedures_;
  audit::FileAnchor anchor_;
  std::unique_ptr<AnchoredStore> store_;
  Library library_;
  InterleavingStore interleaving_;
  Office office_;  // the one deciding, through interleaving_
  Office other_;   // another person's change, straight to the store
  std::string number_;
  const Caller admin_{"admin"};
};

TEST_F(OfficeFence, AQuorumRaisedWhileDecidingRefusesTheApprovalAndTheRetryDecidesOnTheNewQuorum) {
  expect_fenced([&] { return other_.set_setting(admin_, "committee.quorum", "3"); });
  auto again = office_.act(Caller{"elena.comite"}, number_, approve());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().id, "guard.quorum_approve") << again.error().es;
}

TEST_F(OfficeFence, ACommitteeMemberDeactivatedWhileDecidingRefusesTheApprovalAndTheRetryPasses) {
  expect_fenced([&] {
    auto u = other_.set_active(admin_, "lucia.comite", false);
    return u ? ok_status() : Status(u.error());
  });
  const std::string state = release().state;
  auto again = office_.act(Caller{"elena.comite"}, number_, approve());
  ASSERT_TRUE(again) << again.error().es;
  EXPECT_NE(again->state, state);
}

TEST_F(OfficeFence, AFreezeAddedWhileDecidingRefusesTheApproval) {
  expect_fenced([&] {
    const Timestamp now = clock_.now();
    auto f = other_.add_freeze(Caller{"julia.jefa"}, now + 24 * 3600 * 1000, now + 48 * 3600 * 1000, "Cierre de notas");
    return f ? ok_status() : Status(f.error());
  });
}

TEST_F(OfficeFence, AChangeTheDecisionDidNotRelyOnDoesNotRefuseIt) {
  const std::string state = release().state;
  interleaving_.before_next_write([&] {
    User u;
    u.username = "nuevo.analista";
    u.name = "Nuevo Analista";
    u.active = true;
    auto r = other_.add_user(admin_, u);
    return r ? ok_status() : Status(r.error());
  });
  auto r = office_.act(Caller{"elena.comite"}, number_, approve());
  ASSERT_TRUE(r) << r.error().es;
  EXPECT_FALSE(interleaving_.change_pending());
  EXPECT_NE(r->state, state);
}

// The answer as the API serves it, beside a fresh load for the same viewer.
void expect_fresh(Office& office, const Result<ReleaseView>& answer, const std::string& viewer, const std::string& step) {
  ASSERT_TRUE(answer) << step << ": " << answer.error().es;
  auto fresh = office.view(answer->release.number, viewer);
  ASSERT_TRUE(fresh) << fresh.error().es;
  EXPECT_EQ(release_json(*answer, Lang::es).dump(2), release_json(*fresh, Lang::es).dump(2)) << step;
}

TEST_F(OfficeFence, TheAnswerOfAnActionOrAReviewIsTheViewAFreshLoadGives) {
  expect_fresh(office_, office_.act_view(Caller{"elena.comite"}, number_, approve()), "elena.comite", "committee_approve");
  const Release r = release();
  for (const auto& slot : procedures_.edition(r.edition)->kind(r.kind)->slots) {
    if (r.files_in(slot).empty()) continue;
    expect_fresh(office_, office_.review_view(Caller{"oscar.operador"}, number_, slot, "accepted", "Conforme"), "oscar.operador",
                 "review " + slot);
  }
  ActionInput validate;
  validate.action = "validate";
  expect_fresh(office_, office_.act_view(Caller{"oscar.operador"}, number_, validate), "oscar.operador", "validate");
  EXPECT_NE(release().state, r.state);
}

TEST_F(OfficeFence, TheAnswerOfOpeningARequestIsTheViewAFreshLoadGives) {
  const Procedure& proc = office_.current_procedure();
  auto sys = office_.system_view("SIAGIE");
  ASSERT_TRUE(sys) << sys.error().es;
  std::vector<VersionUse> uses;
  ASSERT_TRUE(store_->read([&](ReadTx& tx) -> Status {
    uses = tx.versions_of("SIAGIE");
    return ok_status();
  }));
  auto version = expected_version(proc, sys->system, uses, "maintenance", false);
  ASSERT_TRUE(version) << version.error().es;
  expect_fresh(office_,
               office_.open_release_view(Caller{"pedro.lider"}, "SIAGIE",
                                         NewReleaseInput{"maintenance", version->str(), false, true, "Reporte nuevo", "Un reporte."}),
               "pedro.lider", "open");
}

// The web's first submission of an irreversible action: a refusal is answered first; an action
// the engine allows is not taken until it is confirmed.
TEST_F(OfficeFence, AnUnconfirmedIrreversibleActionIsNotTakenAndARefusalComesFirst) {
  auto n = walk_demo_release(office_, "SIAGIE", "emergency", "Otra corrección", "committee", nullptr);
  ASSERT_TRUE(n) << n.error().es;
  ASSERT_TRUE(office_.record(Caller{"elena.comite"}, *n, "vote", {{"decision", "reject"}, {"note", "No procede"}}));
  ASSERT_TRUE(office_.record(Caller{"raul.comite"}, *n, "vote", {{"decision", "reject"}, {"note", "No procede"}}));
  const Release before = office_.view(*n, "").value().release;
  ASSERT_TRUE(procedures_.edition(before.edition)->action("reject", before.kind, before.state)->irreversible);

  ActionInput reject;
  reject.action = "reject";
  auto no_note = office_.act(Caller{"elena.comite"}, *n, reject, std::nullopt, /*confirmed=*/false);
  ASSERT_FALSE(no_note);
  EXPECT_NE(no_note.error().id, "action.unconfirmed") << "a refused action must not ask for confirmation first";

  reject.note = "El comité no lo aprueba";
  auto unconfirmed = office_.act(Caller{"elena.comite"}, *n, reject, std::nullopt, /*confirmed=*/false);
  ASSERT_FALSE(unconfirmed);
  EXPECT_EQ(unconfirmed.error().id, "action.unconfirmed");
  EXPECT_EQ(unconfirmed.error().code, Code::failed_precondition);
  EXPECT_NE(unconfirmed.error().es.find("confírmelo"), std::string::npos) << unconfirmed.error().es;
  const Release still = office_.view(*n, "").value().release;
  EXPECT_EQ(still.state, before.state);
  EXPECT_EQ(still.row_version, before.row_version);
  EXPECT_EQ(still.transitions.size(), before.transitions.size());

  auto confirmed = office_.act(Caller{"elena.comite"}, *n, reject, std::nullopt, /*confirmed=*/true);
  ASSERT_TRUE(confirmed) << confirmed.error().es;
  EXPECT_EQ(confirmed->state, "rejected");
}

}  // namespace
}  // namespace pasaprod
