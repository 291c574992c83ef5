// The demo office plays edition 02's script (service/demo.h): under an edition in force that
// lacks one of the codes it names, it refuses before writing anything, naming what is missing;
// under one that only renames the window's keys it still walks, and the calendar finds the
// window by those keys.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "core/time.h"
#include "library/library.h"
#include "service/demo.h"
#include "service/office.h"
#include "scratch_office.h"
#include "storage/sqlite/sqlite_store.h"
#include "util/system_clock.h"

namespace pasaprod {
namespace {

namespace fs = std::filesystem;

// Edition 02 as edition "02b", with the action pre_approve called preaprobar.
Procedure edition_without_pre_approve() {
  std::string yaml(builtin_procedure_yaml());
  yaml = std::regex_replace(yaml, std::regex("edition: \"02\""), "edition: \"02b\"");
  yaml = std::regex_replace(yaml, std::regex("pre_approve(?![A-Za-z0-9_])"), "preaprobar");
  auto p = load_procedure(yaml, "edition-02b.yaml");
  EXPECT_TRUE(p) << p.error().en;
  return p ? std::move(*p) : Procedure{};
}

// Edition 02 as edition "02w", with the window's keys called desde and hasta.
Procedure edition_with_renamed_window_keys() {
  std::string yaml(builtin_procedure_yaml());
  yaml = std::regex_replace(yaml, std::regex("edition: \"02\""), "edition: \"02w\"");
  yaml = std::regex_replace(yaml, std::regex("keys: \\[from, to\\]"), "keys: [desde, hasta]");
  yaml = std::regex_replace(yaml, std::regex("formats: \\{from: time, to: time\\}"), "formats: {desde: time, hasta: time}");
  auto p = load_procedure(yaml, "edition-02w.yaml");
  EXPECT_TRUE(p) << p.error().en;
  return p ? std::move(*p) : Procedure{};
}

class DemoEdition : public ScratchOfficeTest {
 protected:
  DemoEdition() : ScratchOfficeTest("pasaprod-demo-edition") {}
};

TEST_F(DemoEdition, AnEditionLackingACodeOfTheScriptIsRefusedBeforeAnythingIsWritten) {
  ASSERT_TRUE(procedures_.add(edition_without_pre_approve(), /*effective_from=*/1));
  const Status full = seed_demo_office(*office_, nullptr);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Code::failed_precondition);
  EXPECT_EQ(full.error().id, "demo.edition_lacks");
  EXPECT_EQ(full.error().detail("missing"), "pre_approve");
  EXPECT_NE(full.error().en.find("edition in force (02b) does not declare: pre_approve"), std::string::npos) << full.error().en;
  EXPECT_NE(full.error().es.find("no declara: pre_approve"), std::string::npos) << full.error().es;
  auto users = office_->users();
  ASSERT_TRUE(users);
  EXPECT_TRUE(users->empty());
  auto one = walk_demo_release(*office_, "SIAGIE", "mantenimiento", "Cambio", "closed", nullptr);
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().detail("missing"), "pre_approve, mantenimiento");
}

TEST_F(DemoEdition, UnderEdition02TheShortDemoClosesItsRequest) {
  ASSERT_TRUE(seed_demo_people_and_systems(*office_, nullptr));
  auto n = walk_demo_sample(*office_, nullptr);
  ASSERT_TRUE(n) << n.error().en;
  auto v = office_->view(*n, "");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->release.kind, "maintenance");
  EXPECT_EQ(v->release.state, "closed");
}

// The calendar finds a window by the keys of the edition's window record type, through the
// store's window query.
TEST_F(DemoEdition, TheCalendarReadsTheWindowByTheEditionsKeys) {
  ASSERT_TRUE(procedures_.add(edition_with_renamed_window_keys(), /*effective_from=*/1));
  ASSERT_TRUE(seed_demo_people_and_systems(*office_, nullptr));
  auto n = walk_demo_release(*office_, "SIAGIE", "maintenance", "Cambio", "approved", nullptr);
  ASSERT_TRUE(n) << n.error().en;
  auto v = office_->view(*n, "");
  ASSERT_TRUE(v);
  const Record* w = v->release.latest_record("window");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->fields.count("desde"), 1u);
  const Timestamp now = clock_.now();
  auto cal = office_->calendar(now - 86'400'000, now + 86'400'000, "", "");
  ASSERT_TRUE(cal) << cal.error().en;
  ASSERT_EQ(cal->windows.size(), 1u);
  EXPECT_EQ(cal->windows[0].release.number, *n);
  EXPECT_EQ(cal->windows[0].from, now - 3600 * 1000);
  EXPECT_EQ(cal->windows[0].to, now + 8 * 3600 * 1000);
  // Outside the window's span: nothing.
  auto later = office_->calendar(now + 9 * 3600 * 1000, now + 86'400'000, "", "");
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->windows.empty());
}

}  // namespace
}  // namespace pasaprod
