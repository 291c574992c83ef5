// Streaming through the real server: uploads to a BodySink with constant memory (SHA-256 on the
// fly), interrupted and oversized uploads, and file downloads with ETag and Range.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "http/server.h"
#include "test_client.h"
#include "util/sha256.h"

namespace pasaprod::http {
namespace {

using Clock = std::chrono::steady_clock;
using testing::fetch;
using testing::LogCapture;
using testing::TestConnection;

long rss_kb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// What the sinks saw; shared between the server threads and the test.
struct UploadProbe {
  std::mutex mu;
  std::condition_variable cv;
  int opened = 0;
  int finished = 0;
  int aborted = 0;
  std::string abort_id;
  std::uint64_t bytes = 0;
  std::size_t max_chunk = 0;
  long max_rss_kb = 0;

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return pred(*this); });
  }
};

// Hashes what it receives, as the content-addressed library will.
class HashSink : public BodySink {
 public:
  HashSink(UploadProbe& probe, std::string expected) : probe_(probe), expected_(std::move(expected)) {}
  Status write(const char* data, std::size_t size) override {
    sha_.update(data, size);
    bytes_ += size;
    std::lock_guard lock(probe_.mu);
    probe_.max_chunk = std::max(probe_.max_chunk, size);
    if (bytes_ / (4 << 20) != (bytes_ - size) / (4 << 20)) probe_.max_rss_kb = std::max(probe_.max_rss_kb, rss_kb());
    probe_.cv.notify_all();
    return ok_status();
  }
  Response finish() override {
    std::string digest = sha_.hex_digest();
    {
      std::lock_guard lock(probe_.mu);
      ++probe_.finished;
      probe_.bytes = bytes_;
      probe_.cv.notify_all();
    }
    if (!expected_.empty() && expected_ != digest) {
      return Response::problem(make_error(Code::invalid_argument, "upload.digest_mismatch",
                                          "El SHA-256 no coincide.", "SHA-256 mismatch.")
                                   .with("received", digest),
                               Lang::en);
    }
    return Response::json({{"sha256", digest}, {"bytes", bytes_}}, 201);
  }
  void abort(const Error& why) override {
    std::lock_guard lock(probe_.mu);
    ++probe_.aborted;
    probe_.abort_id = why.id;
    probe_.bytes = bytes_;
    probe_.cv.notify_all();
  }

 private:
  UploadProbe& probe_;
  std::string expected_;
  Sha256 sha_;
  std::uint64_t bytes_ = 0;
};

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("pasaprod_http_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    file_.resize(1 << 20);
    std::mt19937 rng(42);
    for (char& c : file_) c = static_cast<char>(rng());
    std::ofstream(dir_ / "data.bin", std::ios::binary).write(file_.data(), static_cast<std::streamsize>(file_.size()));
    std::ofstream(dir_ / "empty.bin", std::ios::binary).flush();

    RouteTable t;
    t.add({.method = Method::put,
           .pattern = "/api/v1/releases/{number}/deliverables/{slot}/{filename}",
           .auth = Auth::none,
           .body = BodyKind::stream,
           .stream_handler = [this](Request& r) -> Result<std::unique_ptr<BodySink>> {
             if (r.param("slot") == "forbidden") {
               return make_error(Code::permission_denied, "raci.not_responsible", "No.", "No.");
             }
             std::lock_guard lock(probe_.mu);
             ++probe_.opened;
             return std::unique_ptr<BodySink>(std::make_unique<HashSink>(
                 probe_, std::string(r.header("x-content-sha256").value_or(""))));
           }});
    t.add({.method = Method::get, .pattern = "/files/{name}", .auth = Auth::none,
           .handler = [this](Request& r) {
             Result<FileSource> f = FileSource::open((dir_ / r.param("name")).string());
             if (!f) return Response::problem(f.error(), r.lang());
             std::string etag = r.param("name") == "data.bin" ? sha256_hex(file_) : "";
             return Response::file(std::move(*f), "application/octet-stream", etag);
           }});
    ServerConfig cfg = testing::test_config(&log_);
    cfg.max_upload_bytes = 64 << 20;
    cfg.body_timeout = std::chrono::milliseconds(500);
    server_ = std::make_unique<HttpServer>(cfg, std::move(t));
    ASSERT_TRUE(server_->start().ok());
    port_ = server_->port();
  }
  void TearDown() override {
    server_->stop();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string file_;
  UploadProbe probe_;
  LogCapture log_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
};

constexpr const char* kUpload = "/api/v1/releases/PP-1/deliverables/code/app%20v1.zip";

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif
// How much the server's RSS may grow while it takes a 50 MiB body. AddressSanitizer keeps freed
// buffers resident (its quarantine), so there the bound only tells a buffered body from a
// streamed one.
constexpr long kMaxGrowthMb = kAsan ? 40 : 24;

TEST_F(StreamTest, FiftyMegabytesHashedOnTheFlyWithConstantMemory) {
  const std::uint64_t total = 50ull << 20;
  std::string piece(1 << 20, '\0');
  std::mt19937_64 rng(7);
  Sha256 expected;
  long rss_before = rss_kb();
  TestConnection c(port_);
  ASSERT_TRUE(c.send(fmt::format("PUT {} HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n", kUpload, total)));
  Clock::time_point t0 = Clock::now();
  for (std::uint64_t sent = 0; sent < total; sent += piece.size()) {
    for (std::size_t i = 0; i < piece.size(); i += 8) {
      std::uint64_t v = rng();
      std::memcpy(&piece[i], &v, 8);
    }
    expected.update(piece);
    ASSERT_TRUE(c.send(piece));
  }
  auto r = c.read_response();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(r->json()["sha256"], expected.hex_digest());
  EXPECT_EQ(r->json()["bytes"], total);
  std::lock_guard lock(probe_.mu);
  EXPECT_EQ(probe_.finished, 1);
  EXPECT_EQ(probe_.aborted, 0);
  EXPECT_LE(probe_.max_chunk, 256u * 1024u);
  ASSERT_GT(probe_.max_rss_kb, 0) << "RSS was never sampled";
  long growth_mb = (probe_.max_rss_kb - rss_before) / 1024;
  EXPECT_LT(growth_mb, kMaxGrowthMb) << "the body must not be buffered";
  std::printf("[ figures  ] 50 MiB upload over loopback: %.0f MB/s (client in-process), RSS growth %ld MB, "
              "largest sink write %zu B\n", total / secs / 1e6, growth_mb, probe_.max_chunk);
}

TEST_F(StreamTest, DeclaredDigestIsChecked) {
  std::string body(100000, 'z');
  auto good = fetch(port_, "PUT", kUpload, {{"X-Content-SHA256", sha256_hex(body)}}, body);
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 201);
  auto bad = fetch(port_, "PUT", kUpload, {{"X-Content-SHA256", sha256_hex("other")}}, body);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->json()["id"], "upload.digest_mismatch");
}

TEST_F(StreamTest, ClientDisconnectAbortsTheSink) {
  {
    TestConnection c(port_);
    ASSERT_TRUE(c.send(fmt::format("PUT {} HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n", kUpload, 10 << 20)));
    ASSERT_TRUE(c.send(std::string(1 << 20, 'a')));
    ASSERT_TRUE(probe_.wait([](UploadProbe& p) { return p.bytes > 0 || p.max_chunk > 0; }));
  }  // closed mid-body
  ASSERT_TRUE(probe_.wait([](UploadProbe& p) { return p.aborted == 1; }));
  std::lock_guard lock(probe_.mu);
  EXPECT_EQ(probe_.finished, 0);
  EXPECT_EQ(probe_.abort_id, "http.body_incomplete");
  auto e = log_.wait_for("/api/v1/releases/PP-1/deliverables/code/app%20v1.zip");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 0);
}

TEST_F(StreamTest, StalledUploadTimesOut) {
  TestConnection c(port_);
  ASSERT_TRUE(c.send(fmt::format("PUT {} HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nabc", kUpload)));
  ASSERT_TRUE(probe_.wait([](UploadProbe& p) { return p.aborted == 1; }, std::chrono::seconds(5)));
  EXPECT_EQ(probe_.abort_id, "http.body_timeout");
  EXPECT_TRUE(c.wait_closed(std::chrono::seconds(2)));
}

TEST_F(StreamTest, OversizedUploadsAre413) {
  auto r = fetch(port_, "PUT", kUpload, {{"Content-Length", std::to_string(100 << 20)}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(probe_.opened, 0);  // refused from the headers, the handler never ran

  // Chunked: the sink is aborted once the limit is crossed.
  TestConnection c(port_);
  ASSERT_TRUE(c.send(fmt::format("PUT {} HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", kUpload)));
  std::string chunk = fmt::format("{:x}\r\n{}\r\n", 1 << 20, std::string(1 << 20, 'q'));
  for (int i = 0; i < 70; ++i) {
    if (!c.send(chunk)) break;
  }
  ASSERT_TRUE(probe_.wait([](UploadProbe& p) { return p.aborted == 1; }));
  EXPECT_EQ(probe_.abort_id, "http.body_too_large");
}

TEST_F(StreamTest, HandlerRefusalComesBeforeContinue) {
  TestConnection c(port_);
  ASSERT_TRUE(c.send("PUT /api/v1/releases/PP-1/deliverables/forbidden/x HTTP/1.1\r\nHost: t\r\n"
                     "Expect: 100-continue\r\nContent-Length: 5000000\r\n\r\n"));
  auto r = c.read_response(false, std::chrono::seconds(5), /*stop_at_continue=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->json()["id"], "raci.not_responsible");
}

TEST_F(StreamTest, DownloadWithEtagAndRanges) {
  const std::string etag = "\"" + sha256_hex(file_) + "\"";
  TestConnection c(port_);
  auto get = [&](testing::Headers h, bool head = false) {
    std::string req = testing::make_request(head ? "HEAD" : "GET", "/files/data.bin", h);
    EXPECT_TRUE(c.send(req));
    return c.read_response(head);
  };
  auto full = get({});
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->header("content-length"), std::to_string(file_.size()));
  EXPECT_EQ(full->header("etag"), etag);
  EXPECT_EQ(full->header("accept-ranges"), "bytes");
  EXPECT_TRUE(full->body == file_);

  auto part = get({{"Range", "bytes=100-199"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->header("content-range"), fmt::format("bytes 100-199/{}", file_.size()));
  EXPECT_TRUE(part->body == file_.substr(100, 100));

  auto tail = get({{"Range", "bytes=-10"}});
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->status, 206);
  EXPECT_TRUE(tail->body == file_.substr(file_.size() - 10));

  auto unsatisfiable = get({{"Range", "bytes=5000000-"}});
  ASSERT_TRUE(unsatisfiable);
  EXPECT_EQ(unsatisfiable->status, 416);
  EXPECT_EQ(unsatisfiable->header("content-range"), fmt::format("bytes */{}", file_.size()));

  auto cached = get({{"If-None-Match", etag}});
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->status, 304);
  EXPECT_TRUE(cached->body.empty());
  EXPECT_EQ(cached->header("etag"), etag);

  auto head = get({}, /*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), std::to_string(file_.size()));

  auto stale = get({{"Range", "bytes=0-9"}, {"If-Range", "\"old\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body.size(), file_.size());

  auto empty = fetch(port_, "GET", "/files/empty.bin");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(empty->header("content-length"), "0");
  EXPECT_FALSE(empty->header("etag"));

  auto missing = fetch(port_, "GET", "/files/none.bin");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->json()["id"], "http.file_not_found");
}

}  // namespace
}  // namespace pasaprod::http
