// The one-time flashes and once tokens of the web forms (web/flash.h, web/once.h), on an office
// of its own (a SQLite file in a temporary folder): what a second server node would see, since
// both live in the database.
#include "web/flash.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "auth/credentials.h"
#include "library/library.h"
#include "service/office.h"
#include "service/procedures.h"
#include "storage/open/open_store.h"
#include "util/system_clock.h"
#include "web/once.h"

namespace pasaprod::web {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class FormStateTest : public ::testing::Test {
 protected:
  FormStateTest()
      : dir_(fresh()),
        store_(std::move(open_store((dir_ / "p.db").string(), nullptr).value())),
        library_(dir_ / "library"),
        procedures_(ProcedureSet::builtin()),
        office_(*store_, library_, clock_, procedures_) {
    auth::init();
  }
  ~FormStateTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static fs::path fresh() {
    std::string t = (fs::temp_directory_path() / "pasaprod-flash-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp");
    return t;
  }
  std::int64_t rows() {
    std::int64_t n = 0;
    EXPECT_TRUE(store_->read([&](ReadTx& tx) {
      n = tx.form_state_count();
      return ok_status();
    }));
    return n;
  }

  fs::path dir_;
  std::unique_ptr<AnchoredStore> store_;
  Library library_;
  SystemClock clock_;
  ProcedureSet procedures_;
  Office office_;
};

using FlashStoreTest = FormStateTest;
using OnceStoreTest = FormStateTest;

TEST_F(FlashStoreTest, TakenOnceByItsOwnerOnItsPath) {
  FlashStore store(office_);
  const std::string id = store.put("alice", "/releases/PP-1", {{"note", "hola"}}, json::object(), 1000);
  ASSERT_FALSE(id.empty());
  EXPECT_FALSE(store.take(id, "bob", "/releases/PP-1", 1000)) << "another person";
  EXPECT_FALSE(store.take(id, "alice", "/inbox", 1000)) << "another page";
  FlashStore other_node(office_);  // another node's store on the same database
  auto f = other_node.take(id, "alice", "/releases/PP-1", 1000);
  ASSERT_TRUE(f);
  EXPECT_EQ((*f)["note"], "hola");
  EXPECT_FALSE(store.take(id, "alice", "/releases/PP-1", 1000)) << "shown once";
  EXPECT_EQ(rows(), 0);
}

TEST_F(FlashStoreTest, TheDatabaseHoldsNeitherTheIdNorTheContent) {
  FlashStore store(office_);
  const std::string secret = "ppt_token-nuevo-que-se-muestra-una-vez";
  const std::string id = store.put("alice", "/tokens", {{"token", secret}}, json::object(), 1000);
  // The database file and its write-ahead log, as they are on disk.
  std::ifstream in(dir_ / "p.db", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ifstream wal(dir_ / "p.db-wal", std::ios::binary);
  const std::string wal_bytes((std::istreambuf_iterator<char>(wal)), std::istreambuf_iterator<char>());
  for (const std::string* b : {&bytes, &wal_bytes}) {
    EXPECT_EQ(b->find(secret), std::string::npos);
    EXPECT_EQ(b->find(id), std::string::npos);
  }
  EXPECT_TRUE(store.take(id, "alice", "/tokens", 1000));
}

TEST_F(FlashStoreTest, ExpiresAfterItsLifetime) {
  FlashStore store(office_);
  const std::string id = store.put("alice", "/p", {{"a", 1}}, json::object(), 0);
  EXPECT_FALSE(store.take(id, "alice", "/p", FlashStore::kLifetimeMs));
  EXPECT_FALSE(store.take("not-an-id", "alice", "/p", 0));
}

TEST_F(FlashStoreTest, TooLargeKeepsTheSmallerOne) {
  FlashStore store(office_);
  const json big = {{"error", "e"}, {"values", std::string(FlashStore::kMaxFlashBytes, 'x')}};
  const std::string id = store.put("alice", "/p", big, {{"error", "e"}}, 0);
  auto f = store.take(id, "alice", "/p", 0);
  ASSERT_TRUE(f);
  EXPECT_EQ(*f, json({{"error", "e"}}));
}

TEST_F(FlashStoreTest, BoundedInCount_TheOldestGoFirst) {
  FlashStore store(office_);
  std::vector<std::string> ids;
  for (std::int64_t i = 0; i < FlashStore::kMaxFlashes + 5; ++i) ids.push_back(store.put("a", "/p", {{"i", i}}, {}, i));
  EXPECT_LE(rows(), FlashStore::kMaxFlashes);
  EXPECT_FALSE(store.take(ids.front(), "a", "/p", 0)) << "the oldest was dropped";
  EXPECT_TRUE(store.take(ids.back(), "a", "/p", 0));
}

TEST_F(FlashStoreTest, InvalidUtf8IsKeptReplaced) {
  FlashStore store(office_);
  const std::string id = store.put("a", "/p", {{"note", std::string("mal\xff")}}, {}, 0);
  auto f = store.take(id, "a", "/p", 0);
  ASSERT_TRUE(f);
  EXPECT_EQ((*f)["note"].get<std::string>().substr(0, 3), "mal");
}

TEST_F(OnceStoreTest, TheSecondClaimLeadsWhereTheFirstWent) {
  OnceStore store(office_), other_node(office_);
  EXPECT_FALSE(store.claim("alice", "t1", 0)) << "first: go ahead";
  std::optional<std::string> second;
  std::thread waiting([&] { second = other_node.claim("alice", "t1", 0); });  // waits for the first
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  store.finish("alice", "t1", "/releases/PP-7?ok=opened");
  waiting.join();
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, "/releases/PP-7?ok=opened");
  EXPECT_FALSE(store.claim("bob", "t1", 0)) << "another person's token is another token";
}

TEST_F(OnceStoreTest, AbandonedTokenMayBeUsedAgain) {
  OnceStore store(office_);
  EXPECT_FALSE(store.claim("alice", "t", 0));
  store.abandon("alice", "t");
  EXPECT_FALSE(store.claim("alice", "t", 0));
}

TEST_F(OnceStoreTest, AClaimWhoseNodeDiedIsTakenOverAfterAMinute) {
  OnceStore store(office_);
  EXPECT_FALSE(store.claim("alice", "t", 0));  // never finished: its node died
  EXPECT_FALSE(store.claim("alice", "t", OnceStore::kStaleClaimMs + 1)) << "taken over, goes ahead";
  store.finish("alice", "t", "/releases/PP-9");
  EXPECT_EQ(store.claim("alice", "t", OnceStore::kStaleClaimMs + 2), "/releases/PP-9");
}

}  // namespace
}  // namespace pasaprod::web
