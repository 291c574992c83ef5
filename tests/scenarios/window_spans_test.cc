// The deployment windows of a database written before schema v17, whose records carry no span:
// once the office opens on it (Office::fill_window_spans, as LocalOffice::open calls it) the
// calendar finds them through the span columns like the windows recorded since.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/calendar.h"
#include "core/derived.h"
#include "library/library.h"
#include "service/office.h"
#include "service/procedures.h"
#include "storage/sqlite/sqlite_store.h"
#include "tests/fixtures/old_sqlite_db.h"
#include "util/system_clock.h"

namespace pasaprod {
namespace {

namespace fs = std::filesystem;

TEST(WindowSpans, WindowsRecordedBeforeSchema17ShowOnTheCalendarOnceTheOfficeOpens) {
  const fs::path dir = fs::temp_directory_path() / ("pasaprod-spans-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "p.db").string();
  ProcedureSet procedures = ProcedureSet::builtin();
  const Procedure& proc = procedures.in_force(0);
  const RecordTypeDef* window = span_record_type(proc);
  ASSERT_NE(window, nullptr);
  const auto at = [](const char* iso) { return parse_iso(iso).value(); };
  // From each version since the last that had no span columns (15 and 16).
  for (const sqlite::Migration& m : sqlite::migrations()) {
    if (m.version < 15 || m.version >= 17) continue;
    const int version = m.version;
    SCOPED_TRACE(version);
    fs::remove(path);
    testing_old_db::create_at_version(path, version);
    {
      sqlite::Connection db(path, sqlite::Connection::Mode::read_write, 1000);
      testing_old_db::insert_old_release(db, "PP-2025-0001");
      testing_old_db::insert_old_release(db, "PP-2025-0002");
      const auto fields = [&](const std::string& from, const std::string& to) {
        return nlohmann::json{{window_from_key(proc), from}, {window_to_key(proc), to}}.dump();
      };
      testing_old_db::insert_old_record(db, "PP-2025-0001", window->code, fields("2026-11-02T09:00:00Z", "2026-11-02T11:00:00Z"));
      testing_old_db::insert_old_record(db, "PP-2025-0002", window->code, fields("2026-11-03T09:00:00Z", "después"));
    }
    FixedClock clock(at("2026-11-02T15:00:00Z"));
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store) << store.error().en;
    Library library(dir / "library");
    Office office(**store, library, clock, procedures);
    const Timestamp from = at("2026-11-01T00:00:00Z"), to = at("2026-12-01T00:00:00Z");
    auto before = office.calendar(from, to, "", "");
    ASSERT_TRUE(before) << before.error().en;
    EXPECT_TRUE(before->windows.empty());

    auto filled = office.fill_window_spans();
    ASSERT_TRUE(filled) << filled.error().en;
    EXPECT_EQ(*filled, 1);  // the window whose end is no time stays off the calendar
    auto after = office.calendar(from, to, "", "");
    ASSERT_TRUE(after) << after.error().en;
    ASSERT_EQ(after->windows.size(), 1u);
    EXPECT_EQ(after->windows[0].release.number, "PP-2025-0001");
    EXPECT_EQ(after->windows[0].from, at("2026-11-02T09:00:00Z"));
    EXPECT_EQ(after->windows[0].to, at("2026-11-02T11:00:00Z"));
    EXPECT_EQ(office.fill_window_spans().value(), 0);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pasaprod
