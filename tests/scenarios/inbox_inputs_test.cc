// The inbox reads the office's inputs (freezes, committee, quorum, time zone) once for all the
// requests it considers: what it answers is what each request gives when read on its own with
// those inputs (the request page's reading), whatever the freezes and the committee say.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "core/engine.h"
#include "scratch_office.h"
#include "service/demo.h"
#include "service/office_internal.h"

namespace pasaprod {
namespace {

// An inbox item as compared: the list, the request, the step, whether it is due and why not,
// the action it serves, who answers for it, and the role (A and C lists).
using Entry = std::tuple<std::string, std::string, std::string, bool, std::string, std::string, std::string, std::string>;

std::string reason_of(const std::optional<Error>& e) { return e ? e->id + " " + e->en : ""; }

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + ",";
  return out;
}

std::vector<Entry> entries_of(const Inbox& inbox) {
  std::vector<Entry> out;
  const auto add = [&](const char* list, const std::vector<InboxItem>& items, bool with_role) {
    for (const auto& i : items) {
      out.emplace_back(list, i.release.number, i.action, i.allowed, reason_of(i.reason), i.serves, joined(i.accountable),
                       with_role ? i.role : "");
    }
  };
  add("todo", inbox.todo, false);
  add("waiting", inbox.waiting, false);
  add("accountable", inbox.accountable, true);
  add("consulted", inbox.consulted, true);
  std::sort(out.begin(), out.end());
  return out;
}

class InboxInputs : public ScratchOfficeTest {
 protected:
  // Documents are issued: the demo's emergencies need the committee's acta.
  InboxInputs() : ScratchOfficeTest("pasaprod-inbox-inputs") { office_->set_document_key("inbox-inputs-key"); }

  // The entries of `username`'s inbox computed request by request, over every open request:
  // each with its own read of the request, its system and the office's inputs, then core
  // next_step and action_options as the inbox applies them.
  std::vector<Entry> per_request(const std::string& username) {
    std::vector<Entry> out;
    const User who = office_->user(username).value();
    auto all = office_->releases(ReleaseFilter{});
    EXPECT_TRUE(all);
    for (const auto& summary : all->items) {
      Release r;
      System sys;
      std::vector<FreezeWindow> freezes;
      std::vector<std::string> committee;
      std::string quorum, zone;
      const Procedure* proc = nullptr;
      EXPECT_TRUE(store_->read([&](ReadTx& tx) -> Status {
        r = tx.release(summary.number).value();
        proc = procedures_.edition(r.edition);
        sys = tx.system(r.system).value();
        freezes = tx.freezes();
        for (const auto& u : tx.users_with_role(proc->committee_role, "")) {
          if (u.active) committee.push_back(u.username);
        }
        quorum = tx.setting(office_internal::kQuorumSetting).value_or("");
        zone = tx.setting(kTimeZoneSetting).value_or("");
        return ok_status();
      }));
      if (proc->is_final(r.state)) continue;
      const auto tz = office_->zone_named(zone);
      Situation s = make_situation(*proc, r, sys, clock_.now());
      s.freezes = freezes;
      s.committee_members = committee;
      s.quorum_setting = quorum;
      s.zone = tz.get();
      s.deployed_manifest = s.manifest;
      if (auto next = next_step(s, who)) {
        out.emplace_back(next->due ? "todo" : "waiting", r.number, next->step, next->due, reason_of(next->reason), next->action,
                         joined(next->accountable), "");
      }
      for (const auto& option : action_options(s, who)) {
        const ActionDef* def = proc->action(option.action, r.kind, r.state);
        if (!def || !option.reason || option.reason->code != Code::permission_denied) continue;
        const auto role_in = [&](const std::vector<std::string>& roles) -> std::string {
          for (const auto& role : roles) {
            if (role != "requester" && role != "everyone" && holds_any(*proc, who, r, {role})) return role;
          }
          return "";
        };
        if (auto a = role_in(def->A); !a.empty()) {
          out.emplace_back("accountable", r.number, option.action, false, "", option.action, "", a);
          break;
        }
        if (auto c = role_in(def->C); !c.empty()) {
          out.emplace_back("consulted", r.number, option.action, false, "", option.action, "", c);
          break;
        }
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Every demo user's inbox entries, checked against the per-request reading.
  std::vector<std::vector<Entry>> inboxes_checked() {
    std::vector<std::vector<Entry>> all;
    for (const auto& u : demo_users()) {
      auto inbox = office_->inbox(u.username);
      EXPECT_TRUE(inbox) << u.username << ": " << inbox.error().en;
      if (!inbox) continue;
      all.push_back(entries_of(*inbox));
      EXPECT_EQ(all.back(), per_request(u.username)) << u.username;
    }
    return all;
  }
};

TEST_F(InboxInputs, TheInboxAnswersWhatEachRequestGivesOnItsOwnWhateverTheFreezesAndTheCommittee) {
  if (auto seeded = seed_demo_office(*office_, nullptr); !seeded) FAIL() << seeded.error().en;
  // An emergency before the committee with one vote for: the quorum and the committee decide
  // whether the committee's approval is open.
  auto urgent = walk_demo_release(*office_, "NEXUS", "emergency", "Corrección urgente de plazas", "committee", nullptr);
  ASSERT_TRUE(urgent) << urgent.error().en;
  ASSERT_TRUE(office_->record(Caller{"elena.comite"}, *urgent, "vote", {{"decision", "approve"}, {"note", "Conforme"}}));
  // The approved maintenance made ready to deploy but for the freeze: its backup and its
  // deployment recorded (the window is).
  ReleaseFilter approved;
  approved.state = "approved";
  approved.kind = "maintenance";
  auto ready = office_->releases(approved);
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->items.size(), 1u);
  const std::string number = ready->items[0].number;
  ASSERT_TRUE(office_->record(Caller{"diego.dba"}, number, "backup",
                              {{"what", "TUTOR"}, {"where", "backup01"}, {"sha256", std::string(64, '1')}}));
  ASSERT_TRUE(office_->record(Caller{"oscar.operador"}, number, "deployment", {{"steps", "deployment_guide"}}));
  const auto before = inboxes_checked();
  // A freeze now, the quorum a majority, a member of the committee deactivated.
  const Timestamp now = clock_.now();
  ASSERT_TRUE(office_->add_freeze(Caller{"admin"}, now - 86400 * 1000, now + 86400 * 1000, "Cierre del año escolar"));
  ASSERT_TRUE(office_->set_setting(Caller{"admin"}, office_internal::kQuorumSetting, "majority"));
  ASSERT_TRUE(office_->set_active(Caller{"admin"}, "raul.comite", false));
  const auto after = inboxes_checked();
  EXPECT_NE(before, after) << "the freeze and the committee change some inbox's guards";
  std::size_t listed = 0;
  for (const auto& entries : after) listed += entries.size();
  EXPECT_GT(listed, 10u);
}

}  // namespace
}  // namespace pasaprod
