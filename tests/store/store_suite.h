// The shared Store test suite: written only against storage/store.h, run against every
// backend. A backend adds one test file that instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreSuite,
//                            ::testing::Values(StoreFactory{"sqlite", make_sqlite_store}),
//                            StoreFactory::name_of);
//
// and compiles store_suite.cc into its test executable (the TEST_Ps live there).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "storage/store.h"
#include "tests/store/test_util.h"

namespace pasaprod::testing_store {

struct StoreFactory {
  std::string name;  // used in test names: letters, digits and '_' only
  // Creates an empty store whose data lives under `dir` (a fresh, empty directory per test;
  // a server backend may use it only to derive a unique database name).
  std::function<std::unique_ptr<Store>(const std::string& dir)> make;

  static std::string name_of(const ::testing::TestParamInfo<StoreFactory>& info) {
    return info.param.name;
  }
};

// Test names and CTest show the backend's name, not the factory's bytes.
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

class StoreSuite : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(dir_.path());
    ASSERT_NE(store_, nullptr);
  }

  // Runs fn in a write transaction and expects it to commit.
  void write_ok(const std::function<Status(WriteTx&)>& fn) {
    Status st = store_->write(fn);
    ASSERT_TRUE(st.ok()) << st.error().en;
  }
  // Runs fn in a read transaction (fn returns nothing).
  void read(const std::function<void(ReadTx&)>& fn) {
    Status st = store_->read([&](ReadTx& tx) {
      fn(tx);
      return ok_status();
    });
    ASSERT_TRUE(st.ok()) << st.error().en;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace pasaprod::testing_store
