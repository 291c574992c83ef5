// The one-time flashes and once tokens of the web forms (web/flash.h, web/once.h).
#include "web/flash.h"

#include <gtest/gtest.h>

#include <thread>

#include "web/once.h"

namespace pasaprod::web {
namespace {

using nlohmann::json;

TEST(FlashStoreTest, TakenOnceByItsOwnerOnItsPath) {
  FlashStore store;
  const std::string id = store.put("alice", "/releases/PP-1", {{"note", "hola"}}, json::object(), 1000);
  EXPECT_FALSE(store.take(id, "bob", "/releases/PP-1", 1000)) << "another person";
  EXPECT_FALSE(store.take(id, "alice", "/inbox", 1000)) << "another page";
  auto f = store.take(id, "alice", "/releases/PP-1", 1000);
  ASSERT_TRUE(f);
  EXPECT_EQ((*f)["note"], "hola");
  EXPECT_FALSE(store.take(id, "alice", "/releases/PP-1", 1000)) << "shown once";
  EXPECT_EQ(store.size(), 0u);
}

TEST(FlashStoreTest, ExpiresAfterItsLifetime) {
  FlashStore store;
  const std::string id = store.put("alice", "/p", {{"a", 1}}, json::object(), 0);
  EXPECT_FALSE(store.take(id, "alice", "/p", FlashStore::kLifetimeMs));
}

TEST(FlashStoreTest, TooLargeKeepsTheSmallerOne) {
  FlashStore store;
  const json big = {{"error", "e"}, {"values", std::string(FlashStore::kMaxFlashBytes, 'x')}};
  const std::string id = store.put("alice", "/p", big, {{"error", "e"}}, 0);
  auto f = store.take(id, "alice", "/p", 0);
  ASSERT_TRUE(f);
  EXPECT_EQ(*f, json({{"error", "e"}}));
}

TEST(FlashStoreTest, BoundedInBytes_TheOldestGoFirst) {
  FlashStore store;
  const std::string text(FlashStore::kMaxFlashBytes - 100, 'x');
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < FlashStore::kMaxTotalBytes / text.size() + 10; ++i) ids.push_back(store.put("a", "/p", {{"v", text}}, {}, 0));
  EXPECT_LE(store.size() * text.size(), FlashStore::kMaxTotalBytes);
  EXPECT_FALSE(store.take(ids.front(), "a", "/p", 0)) << "the oldest was dropped";
  EXPECT_TRUE(store.take(ids.back(), "a", "/p", 0));
}

TEST(FlashStoreTest, InvalidUtf8IsKeptReplaced) {
  FlashStore store;
  const std::string id = store.put("a", "/p", {{"note", std::string("mal\xff")}}, {}, 0);
  auto f = store.take(id, "a", "/p", 0);
  ASSERT_TRUE(f);
  EXPECT_EQ((*f)["note"].get<std::string>().substr(0, 3), "mal");
}

TEST(OnceStoreTest, TheSecondClaimLeadsWhereTheFirstWent) {
  OnceStore store;
  EXPECT_FALSE(store.claim("alice", "t1", 0)) << "first: go ahead";
  std::optional<std::string> second;
  std::thread waiting([&] { second = store.claim("alice", "t1", 0); });  // waits for the first
  store.finish("alice", "t1", "/releases/PP-7?ok=opened");
  waiting.join();
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, "/releases/PP-7?ok=opened");
  EXPECT_FALSE(store.claim("bob", "t1", 0)) << "another person's token is another token";
}

TEST(OnceStoreTest, AbandonedTokenMayBeUsedAgain) {
  OnceStore store;
  EXPECT_FALSE(store.claim("alice", "t", 0));
  store.abandon("alice", "t");
  EXPECT_FALSE(store.claim("alice", "t", 0));
}

}  // namespace
}  // namespace pasaprod::web
