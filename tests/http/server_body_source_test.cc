// Generated bodies (BodySource) through the real server: the exact length up front, constant
// memory, ETag/304, HEAD, and a source failing midway cuts the connection.
#include <gtest/gtest.h>

#include "http/server.h"
#include "test_client.h"
#include "util/sha256.h"

namespace pasaprod::http {
namespace {

using testing::fetch;
using testing::LogCapture;

// `size` bytes of a repeating pattern, made as they are read; fails after `fail_at` bytes.
class PatternSource : public BodySource {
 public:
  PatternSource(std::uint64_t size, std::uint64_t fail_at) : size_(size), fail_at_(fail_at) {}
  std::uint64_t size() const override { return size_; }
  Result<std::size_t> read(char* buffer, std::size_t capacity) override {
    if (pos_ >= fail_at_) return make_error(Code::data_loss, "test.broken", "Roto.", "Broken.");
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>({capacity, size_ - pos_, fail_at_ - pos_}));
    for (std::size_t i = 0; i < n; ++i) buffer[i] = static_cast<char>('a' + (pos_ + i) % 26);
    pos_ += n;
    return n;
  }

 private:
  std::uint64_t size_, fail_at_, pos_ = 0;
};

std::string pattern(std::uint64_t size) {
  std::string s(size, '\0');
  for (std::uint64_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

class BodySourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RouteTable t;
    t.add({.method = Method::get, .pattern = "/gen/{size}", .auth = Auth::none, .handler = [](Request& r) {
             const std::uint64_t size = std::stoull(r.param("size"));
             const std::uint64_t fail_at = r.header("x-fail-at") ? std::stoull(std::string(*r.header("x-fail-at"))) : size + 1;
             return Response::stream(std::make_shared<PatternSource>(size, fail_at), "application/x-tar", "abc")
                 .set_header("Content-Disposition", "attachment; filename=\"x.tar\"");
           }});
    server_ = std::make_unique<HttpServer>(testing::test_config(&log_), std::move(t));
    ASSERT_TRUE(server_->start().ok());
    port_ = server_->port();
  }
  void TearDown() override { server_->stop(); }

  LogCapture log_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
};

TEST_F(BodySourceTest, WholeBodyWithItsLengthAndEtag) {
  const std::uint64_t size = (3 << 20) + 123;  // several chunks and a partial one
  auto r = fetch(port_, "GET", "/gen/" + std::to_string(size));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Content-Length").value_or(""), std::to_string(size));
  EXPECT_EQ(r->header("Content-Type").value_or(""), "application/x-tar");
  EXPECT_EQ(r->header("ETag").value_or(""), "\"abc\"");
  EXPECT_EQ(r->header("Content-Disposition").value_or(""), "attachment; filename=\"x.tar\"");
  EXPECT_EQ(sha256_hex(r->body), sha256_hex(pattern(size)));
}

TEST_F(BodySourceTest, EmptyHeadAndNotModified) {
  auto empty = fetch(port_, "GET", "/gen/0");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(empty->body, "");
  auto head = fetch(port_, "HEAD", "/gen/1000");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length").value_or(""), "1000");
  EXPECT_EQ(head->body, "");
  auto same = fetch(port_, "GET", "/gen/1000", {{"If-None-Match", "\"abc\""}});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 304);
  EXPECT_EQ(same->body, "");
}

TEST_F(BodySourceTest, FailingSourceCutsTheConnection) {
  auto r = fetch(port_, "GET", "/gen/2000000", {{"X-Fail-At", "700000"}});
  // The headers promised 2000000 bytes: the client never gets a complete response.
  EXPECT_TRUE(!r || r->body.size() < 2000000u);
  // The server keeps serving.
  auto ok = fetch(port_, "GET", "/gen/10");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, "abcdefghij");
}

}  // namespace
}  // namespace pasaprod::http
