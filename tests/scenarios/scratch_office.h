// A throw-away office for a test: a SQLite store and a library in a temporary directory of its
// own (removed with the fixture), a fixed clock at 2026-11-02T15:00:00Z and the built-in
// editions. `office_` acts on `store_`, or on the store `wrap` puts in front of it (`front_`).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/time.h"
#include "library/library.h"
#include "service/office.h"
#include "service/procedures.h"
#include "storage/sqlite/sqlite_store.h"
#include "util/system_clock.h"

namespace pasaprod {

class ScratchOfficeTest : public ::testing::Test {
 protected:
  using Wrap = std::function<std::unique_ptr<Store>(Store&)>;

  // `name` prefixes the directory (the process id is added).
  explicit ScratchOfficeTest(const std::string& name, const Wrap& wrap = {})
      : dir_(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))),
        clock_(parse_iso("2026-11-02T15:00:00Z").value()),
        procedures_(ProcedureSet::builtin()) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(SqliteStore::open((dir_ / "p.db").string()).value());
    library_ = std::make_unique<Library>(dir_ / "library");
    if (wrap) front_ = wrap(*store_);
    office_ = std::make_unique<Office>(front_ ? *front_ : *store_, *library_, clock_, procedures_);
  }
  ~ScratchOfficeTest() override {
    office_.reset();
    front_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  FixedClock clock_;
  ProcedureSet procedures_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Library> library_;
  std::unique_ptr<Store> front_;
  std::unique_ptr<Office> office_;
};

}  // namespace pasaprod
