// An interrupted `deliverable add` (the process killed mid-file) leaves no partial file and no
// record. The file is a named pipe the test feeds, so the upload is stopped at a known point.
#include <fcntl.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "cli_office.h"

namespace clitest {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kChunk = 64 * 1024;

// Deterministic bytes, different for each seed (so nothing deduplicates with earlier files).
std::string pseudo_random(std::size_t size, std::uint64_t seed) {
  std::string out(size, '\0');
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x);
  }
  return out;
}

// Opens the FIFO for writing once the child has opened it for reading (fails after 20 s).
int open_fifo_writer(const fs::path& fifo) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      return fd;
    }
    if (errno != ENXIO) return -1;
    std::this_thread::sleep_for(2ms);
  }
  return -1;
}

// Writes `data` to fd, pausing a little every MiB (a slow sender). False on a write error.
bool feed(int fd, const std::string& data) {
  for (std::size_t off = 0; off < data.size(); off += kChunk) {
    const std::size_t n = std::min(kChunk, data.size() - off);
    std::size_t done = 0;
    while (done < n) {
      const ssize_t w = ::write(fd, data.data() + off + done, n - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      done += static_cast<std::size_t>(w);
    }
    if ((off / kChunk) % 16 == 15) std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Open file descriptors of a process whose target lies under `dir` (or names it).
std::vector<std::string> fds_under(pid_t pid, const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const auto target = fs::read_symlink(e.path(), ec);
    if (!ec && target.string().rfind(dir.string(), 0) == 0) out.push_back(target.string());
  }
  return out;
}

class CliInterrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);  // writing to the FIFO after its reader died must not kill the test
    ws_.copy_office_from(office_template());
    n_ = new_release(ws_, "maintenance", "2.4", "lead");
    ASSERT_FALSE(n_.empty());
    ws_.ok({"deliverable", "add", n_, "user_manual", ws_.write_file("usuario.pdf", "manual de usuario\n"), "--as", "lead"});
    fifo_ = ws_.dir() / "manual-de-instalacion.pdf";
    ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0) << std::strerror(errno);
  }

  Workspace ws_;
  std::string n_;
  fs::path fifo_;
};

TEST_F(CliInterrupt, KilledUploadLeavesNoPartialFileAndNoRecord) {
  const auto blobs_before = ws_.blob_files();
  const long events_before = audit_events(ws_);
  ASSERT_EQ(blobs_before.size(), 1u);

  Child child(ws_.argv({"deliverable", "add", n_, "install_manual", fifo_.string(), "--as", "lead"}));
  const int fd = open_fifo_writer(fifo_);
  ASSERT_GE(fd, 0) << "the child never opened the FIFO";
  const std::string content = pseudo_random(20u << 20, 1);
  // Feed 8 of the 20 MiB: when the writes return, the child has taken in at least ~7 MiB.
  ASSERT_TRUE(feed(fd, content.substr(0, 8u << 20)));
  std::this_thread::sleep_for(50ms);
  const auto temporaries = fds_under(child.pid(), ws_.library_tmp_dir());
  EXPECT_FALSE(temporaries.empty()) << "expected the child to be streaming into a temporary under library/tmp";
  EXPECT_EQ(ws_.blob_files(), blobs_before) << "nothing becomes a blob before the file is complete";
  child.kill(SIGKILL);
  Outcome o = child.wait();
  ::close(fd);
  ASSERT_EQ(o.signal, SIGKILL) << o.describe();

  // No blob, no record, no event.
  EXPECT_EQ(ws_.blob_files(), blobs_before);
  nlohmann::json r = show(ws_, n_);  // also opens the library, which sweeps dead temporaries
  EXPECT_TRUE(files_in_slot(r, "install_manual").empty()) << r.dump(2);
  EXPECT_EQ(files_in_slot(r, "user_manual"), std::vector<std::string>{"usuario.pdf"});
  EXPECT_EQ(ws_.library_tmp_files(), std::vector<fs::path>{}) << "a partial temporary was left in library/tmp";
  EXPECT_EQ(ws_.sql("SELECT count(*) FROM release_files WHERE name = 'manual-de-instalacion.pdf';"), "0\n");
  EXPECT_EQ(audit_events(ws_), events_before) << "the interrupted upload left an audit event";
  nlohmann::json lib = ws_.json({"library", "verify"});
  EXPECT_TRUE(lib.value("ok", false)) << lib.dump(2);
  EXPECT_EQ(lib.value("checked", -1), 1) << lib.dump(2);

  // The slot takes the file normally afterwards.
  const std::string again = ws_.write_file("manual-de-instalacion.pdf", "manual de instalación\n");
  ws_.ok({"deliverable", "add", n_, "install_manual", again, "--as", "lead"});
  EXPECT_EQ(files_in_slot(show(ws_, n_), "install_manual"), std::vector<std::string>{"manual-de-instalacion.pdf"});
  EXPECT_EQ(ws_.blob_files().size(), 2u);
  EXPECT_EQ(ws_.library_tmp_files(), std::vector<fs::path>{});
}

// The same path completed: the harness really streams through the FIFO, and the file is
// recorded under the FIFO's base name with the digest of what was sent.
TEST_F(CliInterrupt, CompletedUploadFromFifoIsRecordedUnderItsName) {
  const long events_before = audit_events(ws_);
  Child child(ws_.argv({"--json", "deliverable", "add", n_, "install_manual", fifo_.string(), "--as", "lead"}));
  const int fd = open_fifo_writer(fifo_);
  ASSERT_GE(fd, 0);
  const std::string content = pseudo_random(3u << 20, 2);
  ASSERT_TRUE(feed(fd, content));
  ::close(fd);
  Outcome o = child.wait();
  ASSERT_EQ(o.exit_code, 0) << o.describe();
  nlohmann::json added = nlohmann::json::parse(o.out);
  ASSERT_EQ(added.size(), 1u) << o.out;
  const std::string copy = ws_.write_file("copy.bin", content);
  Outcome sum = run({"sha256sum", copy});
  EXPECT_EQ(added[0].value("name", ""), "manual-de-instalacion.pdf");
  EXPECT_EQ(added[0].value("size", 0), 3 << 20);
  EXPECT_EQ(added[0].value("sha256", ""), sum.out.substr(0, 64));
  EXPECT_EQ(files_in_slot(show(ws_, n_), "install_manual"), std::vector<std::string>{"manual-de-instalacion.pdf"});
  EXPECT_EQ(ws_.blob_files().size(), 2u);
  EXPECT_EQ(ws_.library_tmp_files(), std::vector<fs::path>{});
  EXPECT_EQ(audit_events(ws_), events_before + 1);
  EXPECT_TRUE(ws_.json({"library", "verify"}).value("ok", false));
}

// A file that fails while being read (a directory: open succeeds, read fails with EISDIR) leaves
// nothing behind either, and is reported as the caller's mistake, not an internal error.
TEST_F(CliInterrupt, UnreadableFileLeavesNothingBehind) {
  const auto blobs_before = ws_.blob_files();
  const long events_before = audit_events(ws_);
  const fs::path dir = ws_.dir() / "carpeta.pdf";
  fs::create_directories(dir);
  Outcome o = ws_.cli({"deliverable", "add", n_, "install_manual", dir.string(), "--as", "lead"});
  EXPECT_NE(o.exit_code, 0) << o.describe();
  EXPECT_EQ(o.err.rfind("pasaprod: ", 0), 0u) << o.describe();
  EXPECT_EQ(ws_.blob_files(), blobs_before);
  EXPECT_EQ(ws_.library_tmp_files(), std::vector<fs::path>{});
  EXPECT_TRUE(files_in_slot(show(ws_, n_), "install_manual").empty());
  EXPECT_EQ(audit_events(ws_), events_before);
  if (o.exit_code != 2 && o.exit_code != 3) {
    ADD_FAILURE() << "`deliverable add` of a path that cannot be read (a directory) exits " << o.exit_code
                 << " (internal error, \"file.read_failed\" with Code::internal in src/service/office_files.cc) instead of 2/3:\n"
                 << o.describe();
  }
}

}  // namespace
}  // namespace clitest
