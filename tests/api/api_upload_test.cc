// Deliverable transfer: digest check, size limit, interrupted uploads, ranged downloads, and a
// 2 GiB upload streamed with the server's memory staying flat.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "api_office.h"
#include "util/sha256.h"

namespace apitest {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::string pattern(std::size_t size, std::uint64_t seed) {
  std::string out(size, '\0');
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x >> 56);
  }
  return out;
}

// The files of `slot` in a release.
std::vector<std::string> files_in(const json& rel, const std::string& slot) {
  std::vector<std::string> out;
  for (const auto& d : rel.at("deliverables")) {
    if (d.at("slot") != slot) continue;
    for (const auto& f : d.at("files")) out.push_back(f.at("name"));
  }
  return out;
}

class UploadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::fresh().release();
    walker_ = new Walker(*office_);
  }
  static void TearDownTestSuite() {
    if (office_ == nullptr) return;  // SetUpTestSuite failed (its error is reported)
    delete walker_;
    EXPECT_EQ(office_->stop(), 0) << "SIGTERM should stop the server gracefully\n" << office_->server().output();
    delete office_;
  }
  static std::string path_of(const std::string& n, const std::string& slot, const std::string& name) {
    return "/api/v1/releases/" + n + "/deliverables/" + slot + "/" + name;
  }
  Api& lead() { return office_->as(office_->cast.at("project_lead")); }

  static Office* office_;
  static Walker* walker_;
};
Office* UploadTest::office_ = nullptr;
Walker* UploadTest::walker_ = nullptr;

TEST_F(UploadTest, WrongDigestIs422AndNothingIsKept) {
  const std::string n = walker_->open("ALFA", "maintenance").at("number");
  const auto blobs_before = stored_blobs(office_->blobs_dir());
  const std::string content = pattern(200 * 1024, 1);
  const std::string wrong = pasaprod::sha256_hex("something else");
  Response r = lead().put(path_of(n, "source_code", "parche.zip"), content, {{"X-Content-SHA256", wrong}});
  ASSERT_EQ(r.status, 422) << r.describe();
  EXPECT_EQ(r.header("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(r.json().value("id", ""), "library.digest_mismatch") << r.describe();
  const json rel = walker_->get(n);
  EXPECT_EQ(files_in(rel, "source_code"), std::vector<std::string>{"fuentes.zip"}) << "the refused file is not on the request";
  EXPECT_EQ(stored_blobs(office_->blobs_dir()), blobs_before) << "no new blob in the library";
  EXPECT_TRUE(eventually_empty(office_->library_tmp_dir())) << "no temporary left behind";
  Response get = lead().get(path_of(n, "source_code", "parche.zip"));
  EXPECT_EQ(get.status, 404) << get.describe();

  // A malformed digest header is a 400 before anything is written.
  Response bad = lead().put(path_of(n, "source_code", "parche.zip"), content, {{"X-Content-SHA256", "abc"}});
  EXPECT_EQ(bad.status, 400) << bad.describe();
  // With the right digest (upper case is fine) it is stored, and the answer names the digest.
  std::string right = pasaprod::sha256_hex(content);
  std::string upper = right;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Response ok = lead().put(path_of(n, "source_code", "parche.zip"), content, {{"X-Content-SHA256", upper}});
  ASSERT_EQ(ok.status, 201) << ok.describe();
  EXPECT_EQ(ok.json().value("sha256", ""), right);
  EXPECT_EQ(ok.json().value("size", 0), static_cast<int>(content.size()));
  EXPECT_EQ(ok.header("ETag").value_or(""), "\"" + right + "\"");
  EXPECT_EQ(stored_blobs(office_->blobs_dir()).size(), blobs_before.size() + 1);
}

// The files under the library the server holds open for an upload: all but small.db (with its
// log) and the session file of its small adds, which stay open for the server's life.
std::vector<std::string> upload_files_open(pid_t pid, const fs::path& library) {
  std::vector<std::string> out;
  for (const std::string& path : open_files_under(pid, library)) {
    const std::string name = fs::path(path).filename().string();
    if (name == "small.db" || name == "small.db-wal" || name == "small.db-shm" || name.starts_with("session-")) continue;
    out.push_back(path);
  }
  return out;
}

TEST_F(UploadTest, InterruptedUploadLeavesNothing) {
  const std::string n = walker_->open("ALFA", "maintenance").at("number");
  const auto blobs_before = stored_blobs(office_->blobs_dir());
  const std::int64_t rv_before = walker_->get(n).at("row_version");
  for (std::size_t sent : {std::size_t{0}, std::size_t{5} << 20}) {
    SCOPED_TRACE("closed after " + std::to_string(sent) + " bytes");
    Headers h = lead().auth_headers("PUT");
    h.emplace_back("Content-Type", "application/octet-stream");
    h.emplace_back("Content-Length", std::to_string(50 << 20));
    Conn c(office_->port());
    ASSERT_TRUE(c.send_all(make_request("PUT", path_of(n, "installers", "grande.bin"), h)));
    const std::string chunk = pattern(1 << 20, 2);
    for (std::size_t done = 0; done < sent; done += chunk.size()) ASSERT_TRUE(c.send_all(chunk));
    std::this_thread::sleep_for(200ms);  // let the server start writing
    if (sent > 0) {
      EXPECT_FALSE(upload_files_open(office_->server().pid(), office_->dir() / "library").empty())
          << "while the upload runs, the server holds its temporary file open";
    }
    c.close();
    EXPECT_TRUE(eventually_empty(office_->library_tmp_dir())) << "the partial upload is dropped: " << files_under(office_->library_tmp_dir()).size();
    // The server noticed: no file under the library is held open any more.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!upload_files_open(office_->server().pid(), office_->dir() / "library").empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    const auto still_open = upload_files_open(office_->server().pid(), office_->dir() / "library");
    EXPECT_TRUE(still_open.empty()) << "still open: " << (still_open.empty() ? "" : still_open[0]);
  }
  const json rel = walker_->get(n);
  EXPECT_EQ(files_in(rel, "installers"), std::vector<std::string>{"instalador.sh"});
  EXPECT_EQ(rel.at("row_version").get<std::int64_t>(), rv_before) << "the request did not change";
  EXPECT_EQ(stored_blobs(office_->blobs_dir()), blobs_before);
  EXPECT_EQ(lead().get("/healthz").status, 200);
}

TEST_F(UploadTest, DownloadHasLengthEtagAndRanges) {
  const std::string n = walker_->open("ALFA", "maintenance").at("number");
  const std::string content = pattern(300000, 3);
  const std::string sha = pasaprod::sha256_hex(content);
  const std::string path = path_of(n, "db_scripts", "migración 2.sql");  // a non-ASCII name with a space
  const std::string target = path_of(n, "db_scripts", "migraci%C3%B3n%202.sql");
  lead().put(target, content).expect(201);
  Api& op = office_->as(office_->cast.at("release_operator"));

  Response all = op.get(target);
  ASSERT_EQ(all.status, 200) << all.describe();
  EXPECT_EQ(all.body, content);
  EXPECT_EQ(all.header("Content-Length").value_or(""), std::to_string(content.size()));
  EXPECT_EQ(all.header("ETag").value_or(""), "\"" + sha + "\"");
  EXPECT_NE(all.header("Content-Disposition").value_or("").find("filename*=UTF-8''migraci%C3%B3n%202.sql"), std::string::npos)
      << all.describe().substr(0, 600);
  EXPECT_NE(all.header("Accept-Ranges").value_or("bytes").find("bytes"), std::string::npos);

  Response part = op.get(target, {{"Range", "bytes=1000-1999"}});
  ASSERT_EQ(part.status, 206) << part.describe().substr(0, 600);
  EXPECT_EQ(part.body, content.substr(1000, 1000));
  EXPECT_EQ(part.header("Content-Range").value_or(""), "bytes 1000-1999/300000");
  EXPECT_EQ(part.header("Content-Length").value_or(""), "1000");
  EXPECT_EQ(part.header("ETag").value_or(""), "\"" + sha + "\"");

  Response tail = op.get(target, {{"Range", "bytes=-100"}});
  ASSERT_EQ(tail.status, 206) << tail.describe().substr(0, 600);
  EXPECT_EQ(tail.body, content.substr(content.size() - 100));
  Response open_ended = op.get(target, {{"Range", "bytes=299990-"}});
  ASSERT_EQ(open_ended.status, 206);
  EXPECT_EQ(open_ended.body, content.substr(299990));

  Response beyond = op.get(target, {{"Range", "bytes=400000-"}});
  EXPECT_EQ(beyond.status, 416) << beyond.describe().substr(0, 600);
  EXPECT_EQ(beyond.header("Content-Range").value_or(""), "bytes */300000");

  Response cached = op.get(target, {{"If-None-Match", "\"" + sha + "\""}});
  EXPECT_EQ(cached.status, 304) << cached.describe().substr(0, 600);
  EXPECT_TRUE(cached.body.empty());
  Response stale_range = op.get(target, {{"Range", "bytes=0-9"}, {"If-Range", "\"0000\""}});
  EXPECT_EQ(stale_range.status, 200) << "If-Range with another validator: the whole file";
  EXPECT_EQ(stale_range.body.size(), content.size());

  Response head = op.send("HEAD", target, {});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length").value_or(""), std::to_string(content.size()));
  EXPECT_TRUE(head.body.empty());
  (void)path;
}

TEST_F(UploadTest, UploadsOnlyWhileEditableAndRemoval) {
  const std::string n = walker_->open("ALFA", "maintenance").at("number");
  lead().put(path_of(n, "user_manual", "anexo.pdf"), "anexo").expect(201);
  Response del = lead().del(path_of(n, "user_manual", "anexo.pdf"));
  EXPECT_EQ(del.status, 204) << del.describe();
  EXPECT_EQ(files_in(walker_->get(n), "user_manual"), std::vector<std::string>{"user_manual.pdf"});
  // Someone without an uploader role: 403.
  Response op = office_->as(office_->cast.at("release_operator")).put(path_of(n, "user_manual", "x.pdf"), "x");
  EXPECT_EQ(op.status, 403) << op.describe();
  // Once submitted, no more changes: "return the request first".
  walker_->advance(n, "submitted");
  const auto blobs_before = stored_blobs(office_->blobs_dir());
  Response late = lead().put(path_of(n, "user_manual", "tarde.pdf"), "tarde");
  EXPECT_EQ(late.status, 422) << late.describe();
  EXPECT_EQ(stored_blobs(office_->blobs_dir()), blobs_before);
  EXPECT_EQ(lead().del(path_of(n, "user_manual", "user_manual.pdf")).status, 422);
  // Unknown slot or release.
  EXPECT_EQ(lead().put(path_of(n, "no_such_slot", "a.pdf"), "a").status / 100, 4);
  EXPECT_EQ(lead().put(path_of("PP-2099-9999", "user_manual", "a.pdf"), "a").status, 404);
}

// A server with --max-upload-mb 1.
class SmallLimitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServeOptions o;
    o.max_upload_mb = 1;
    office_ = Office::fresh(o).release();
    walker_ = new Walker(*office_);
  }
  static void TearDownTestSuite() {
    if (office_ == nullptr) return;  // SetUpTestSuite failed (its error is reported)
    delete walker_;
    EXPECT_EQ(office_->stop(), 0) << office_->server().output();
    delete office_;
  }
  static Office* office_;
  static Walker* walker_;
};
Office* SmallLimitTest::office_ = nullptr;
Walker* SmallLimitTest::walker_ = nullptr;

TEST_F(SmallLimitTest, OverTheLimitIs413AndNothingIsKept) {
  const std::string n = walker_->open("ALFA", "maintenance").at("number");
  Api& lead = office_->as(office_->cast.at("project_lead"));
  const std::string path = "/api/v1/releases/" + n + "/deliverables/executables/";
  const auto blobs_before = stored_blobs(office_->blobs_dir());

  // Announced too large: refused from the headers.
  {
    Headers h = lead.auth_headers("PUT");
    h.emplace_back("Content-Length", std::to_string((1 << 20) + 1));
    Conn c(office_->port());
    ASSERT_TRUE(c.send_all(make_request("PUT", path + "grande.war", h)));
    Response r = c.read_response(false, 10s);
    ASSERT_EQ(r.status, 413) << r.describe();
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/problem+json");
    EXPECT_EQ(r.json().value("code", ""), "too_large");
  }
  // Chunked, no length announced: refused once the limit is crossed.
  {
    Headers h = lead.auth_headers("PUT");
    h.emplace_back("Transfer-Encoding", "chunked");
    Conn c(office_->port());
    ASSERT_TRUE(c.send_all(make_request("PUT", path + "troceado.war", h)));
    const std::string chunk = pattern(64 * 1024, 4);
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    bool sent_all = true;
    for (int i = 0; i < 40 && sent_all; ++i) sent_all = c.send_all(size_line + chunk + "\r\n");  // 2.5 MiB
    if (sent_all) c.send_all("0\r\n\r\n");
    Response r = c.read_response(false, 10s);
    ASSERT_EQ(r.status, 413) << r.describe();
  }
  EXPECT_TRUE(eventually_empty(office_->library_tmp_dir()));
  EXPECT_EQ(stored_blobs(office_->blobs_dir()), blobs_before);
  EXPECT_EQ(files_in(walker_->get(n), "executables"), std::vector<std::string>{"sistema.war"});
  // Exactly the limit is fine.
  Response ok = lead.put(path + "justo.war", pattern(1 << 20, 5));
  EXPECT_EQ(ok.status, 201) << ok.describe();
}

// 2 GiB through one PUT, generated on the fly (no file on the client side), hashed on the way;
// the digest the server answers must match, and its resident memory must stay flat.
TEST(BigUploadTest, TwoGibStreamWithFlatServerMemory) {
  auto office = Office::fresh({}, /*on_disk=*/true);  // not 2 GiB of RAM in /dev/shm
  Walker walker(*office);
  const std::string n = walker.open("ALFA", "maintenance").at("number");
  Api& lead = office->as(office->cast.at("project_lead"));
  const pid_t pid = office->server().pid();
  const long rss_at_start = proc_status_kib(pid, "VmRSS");

  constexpr std::uint64_t kTotal = std::uint64_t{2} << 30;
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  std::string chunk = pattern(kChunk, 6);
  Headers h = lead.auth_headers("PUT");
  h.emplace_back("Content-Type", "application/octet-stream");
  h.emplace_back("Content-Length", std::to_string(kTotal));
  Conn c(office->port());
  ASSERT_TRUE(c.send_all(make_request("PUT", "/api/v1/releases/" + n + "/deliverables/executables/imagen.bin", h)));

  std::atomic<bool> done{false};
  std::atomic<long> max_rss{0};
  std::thread sampler([&] {
    while (!done) {
      const long rss = proc_status_kib(pid, "VmRSS");
      if (rss > max_rss) max_rss = rss;
      std::this_thread::sleep_for(20ms);
    }
  });
  const auto t0 = std::chrono::steady_clock::now();
  pasaprod::Sha256 sha;
  bool sent = true;
  for (std::uint64_t i = 0; i < kTotal / kChunk && sent; ++i) {
    std::memcpy(chunk.data(), &i, sizeof i);  // every chunk differs
    sha.update(chunk.data(), chunk.size());
    sent = c.send_all(chunk);
  }
  const std::string digest = sha.hex_digest();
  Response r = c.read_response(false, 120s);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  done = true;
  sampler.join();
  const long hwm = proc_status_kib(pid, "VmHWM");
  std::cerr << "2 GiB upload: " << secs << " s (" << (kTotal / 1048576.0) / secs << " MiB/s); server VmRSS " << rss_at_start
            << " KiB at start, max " << max_rss << " KiB during, VmHWM " << hwm << " KiB\n";
  ASSERT_TRUE(sent) << "the server closed the connection mid-upload\n" << office->server().output();
  ASSERT_EQ(r.status, 201) << r.describe();
  EXPECT_EQ(r.json().value("sha256", ""), digest);
  EXPECT_EQ(r.json().value("size", std::int64_t{0}), static_cast<std::int64_t>(kTotal));
  // Flat: the server's peak resident memory stays far below the file (ASan's shadow memory
  // and quarantine need more room).
  const long limit_kib = kSanitized ? 768 * 1024 : 64 * 1024;
  EXPECT_LT(hwm, limit_kib) << "server peak memory (VmHWM)";
  EXPECT_LT(max_rss, limit_kib);
  EXPECT_LT(secs, 60.0) << "the 2 GiB upload must fit the time budget";
  const json rel = walker.get(n);
  bool listed = false;
  for (const auto& d : rel.at("deliverables")) {
    for (const auto& f : d.at("files")) listed = listed || (f.at("name") == "imagen.bin" && f.at("sha256") == digest);
  }
  EXPECT_TRUE(listed);
  EXPECT_EQ(office->stop(), 0) << office->server().output();
  // Do not keep 2 GiB around, whatever happened.
  std::error_code ec;
  fs::remove(office->blobs_dir() / digest.substr(0, 2) / digest, ec);
}

}  // namespace
}  // namespace apitest
