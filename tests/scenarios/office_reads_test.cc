// What a read costs does not grow with the parts of the office a person has no part in: the
// inbox of someone who holds roles only for some systems loads only those systems' requests and
// the ones they opened.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>

#include "core/time.h"
#include "library/library.h"
#include "service/demo.h"
#include "service/office.h"
#include "forwarding_store.h"
#include "scratch_office.h"
#include "storage/sqlite/sqlite_store.h"
#include "util/system_clock.h"

namespace pasaprod {
namespace {

namespace fs = std::filesystem;

class CountingStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Status read(const std::function<Status(ReadTx&)>& fn) override {
    ++reads;
    return inner_.read(fn);
  }
  std::atomic<int> reads{0};
};

class OfficeReads : public ScratchOfficeTest {
 protected:
  OfficeReads()
      : ScratchOfficeTest("pasaprod-reads", [](Store& s) { return std::make_unique<CountingStore>(s); }),
        counting_(static_cast<CountingStore*>(front_.get())) {}

  int inbox_reads(const std::string& username, Inbox* out = nullptr) {
    const int before = counting_->reads;
    auto inbox = office_->inbox(username);
    EXPECT_TRUE(inbox) << inbox.error().es;
    if (out && inbox) *out = *inbox;
    return counting_->reads - before;
  }

  CountingStore* counting_;
};

TEST_F(OfficeReads, TheInboxOfSomeoneWithRolesForSomeSystemsDoesNotLoadTheOthers) {
  ASSERT_TRUE(seed_demo_people_and_systems(*office_, nullptr));
  User lead;
  lead.username = "tomas.tutor";
  lead.name = "Tomás Tutor";
  lead.grants = {{"project_lead", "TUTOR"}};
  ASSERT_TRUE(office_->add_user(Caller{"admin"}, lead));
  auto mine = walk_demo_release(*office_, "TUTOR", "project", "Primera versión de tutoría", "draft", nullptr);
  ASSERT_TRUE(mine) << mine.error().es;
  ASSERT_TRUE(walk_demo_release(*office_, "SIAGIE", "maintenance", "Cambio 1", "in_qa", nullptr));
  const int reads = inbox_reads("tomas.tutor");
  for (int i = 2; i <= 6; ++i) {
    ASSERT_TRUE(walk_demo_release(*office_, "SIAGIE", "maintenance", "Cambio " + std::to_string(i), "in_qa", nullptr));
  }
  Inbox inbox;
  EXPECT_EQ(inbox_reads("tomas.tutor", &inbox), reads);
  // Still sees what concerns them: the TUTOR request, a draft its project lead completes.
  bool listed = false;
  for (const auto* list : {&inbox.todo, &inbox.waiting, &inbox.accountable, &inbox.consulted}) {
    for (const auto& item : *list) listed = listed || item.release.number == *mine;
  }
  EXPECT_TRUE(listed);
  // Someone with an office-wide role still sees every system's requests.
  Inbox qa;
  inbox_reads("carla.calidad", &qa);
  EXPECT_GE(qa.todo.size() + qa.waiting.size(), 6u);
}

// An office-wide role is not read the requests of the states where it has nothing to do: the
// infrastructure specialist signs readiness at reception, so requests in QA are not loaded for
// her, however many there are; those at reception are.
TEST_F(OfficeReads, TheInboxOfAnOfficeWideRoleLoadsOnlyTheStatesWhereItActs) {
  ASSERT_TRUE(seed_demo_people_and_systems(*office_, nullptr));
  auto at_reception = walk_demo_release(*office_, "SIAGIE", "maintenance", "En recepción", "submitted", nullptr);
  ASSERT_TRUE(at_reception) << at_reception.error().es;
  ASSERT_TRUE(walk_demo_release(*office_, "SIAGIE", "maintenance", "Cambio 1", "in_qa", nullptr));
  const int reads = inbox_reads("ines.infra");
  for (int i = 2; i <= 6; ++i) {
    ASSERT_TRUE(walk_demo_release(*office_, "NEXUS", "maintenance", "Cambio " + std::to_string(i), "in_qa", nullptr));
  }
  Inbox inbox;
  EXPECT_EQ(inbox_reads("ines.infra", &inbox), reads);
  bool listed = false;
  for (const auto& item : inbox.todo) listed = listed || item.release.number == *at_reception;
  EXPECT_TRUE(listed) << "her readiness sign-off at reception is still a to-do";
  // The QA lead acts in QA: the requests there are hers to see.
  Inbox qa;
  inbox_reads("carla.calidad", &qa);
  EXPECT_GE(qa.todo.size() + qa.waiting.size(), 6u);
}

// An inbox considers, of each list it reads, the requests opened first, and counts the rest:
// however many requests wait in QA, the QA lead's inbox loads as many.
TEST_F(OfficeReads, TheInboxConsidersTheRequestsOpenedFirstOfEachListAndCountsTheRest) {
  ASSERT_TRUE(seed_demo_people_and_systems(*office_, nullptr));
  office_->set_inbox_per_state(2);
  std::vector<std::string> in_qa;
  for (int i = 1; i <= 3; ++i) {
    auto n = walk_demo_release(*office_, "SIAGIE", "maintenance", "Cambio " + std::to_string(i), "in_qa", nullptr);
    ASSERT_TRUE(n) << n.error().es;
    in_qa.push_back(*n);
  }
  const auto listed = [](const Inbox& inbox) {
    std::set<std::string> out;
    for (const auto* list : {&inbox.todo, &inbox.waiting, &inbox.accountable, &inbox.consulted}) {
      for (const auto& item : *list) out.insert(item.release.number);
    }
    return out;
  };
  Inbox qa;
  const int reads = inbox_reads("carla.calidad", &qa);
  EXPECT_EQ(listed(qa), (std::set<std::string>{in_qa[0], in_qa[1]}));
  ASSERT_EQ(qa.more.size(), 1u);
  EXPECT_EQ(qa.more[0].state, "in_qa");
  EXPECT_EQ(qa.more[0].system, "");
  EXPECT_EQ(qa.more[0].total, 3);
  EXPECT_FALSE(qa.more[0].total_capped);
  for (int i = 4; i <= 5; ++i) {
    ASSERT_TRUE(walk_demo_release(*office_, "SIAGIE", "maintenance", "Cambio " + std::to_string(i), "in_qa", nullptr));
  }
  EXPECT_EQ(inbox_reads("carla.calidad", &qa), reads);
  EXPECT_EQ(listed(qa), (std::set<std::string>{in_qa[0], in_qa[1]}));
  ASSERT_EQ(qa.more.size(), 1u);
  EXPECT_EQ(qa.more[0].total, 5);
  office_->set_inbox_per_state(Office::kInboxPerState);
  inbox_reads("carla.calidad", &qa);
  EXPECT_EQ(listed(qa).size(), 5u);
  EXPECT_TRUE(qa.more.empty());
}

// Two servers on one database: the office's time zone set through one shows on the other at
// once, in what it answers and in what an action on a request computes.
TEST_F(OfficeReads, TheTimeZoneSetThroughAnotherServerShowsAtOnce) {
  ASSERT_TRUE(seed_demo_people_and_systems(*office_, nullptr));
  auto other_store = SqliteStore::open((dir_ / "p.db").string());
  ASSERT_TRUE(other_store);
  Office other(**other_store, *library_, clock_, procedures_);
  EXPECT_EQ(office_->time_zone()->name(), "America/Lima");
  ASSERT_TRUE(other.set_setting(Caller{"admin"}, kTimeZoneSetting, "America/Bogota"));
  EXPECT_EQ(office_->time_zone()->name(), "America/Bogota");
  ASSERT_TRUE(other.set_setting(Caller{"admin"}, kTimeZoneSetting, "UTC"));
  EXPECT_EQ(office_->time_zone()->name(), "UTC");
}

}  // namespace
}  // namespace pasaprod
