// A process killed (SIGKILL) in the middle of an add leaves no blob, and after the library is
// opened again nothing in tmp/. With O_TMPFILE nothing is left even before that.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "library/library.h"
#include "library/library_test_util.h"
#include "util/sha256.h"

namespace pasaprod {
namespace {

using testing_library::count_files;
using testing_library::TempDir;

class InterruptedAddTest : public ::testing::TestWithParam<bool> {};

// In the child: opens the library, starts a 256 MiB add, writes 24 MiB of it, reports through
// `ready_fd`, then waits to be killed. Never returns.
[[noreturn]] void add_until_killed(const std::filesystem::path& root, bool named_temp,
                                   int ready_fd) {
  Library lib(root, testing_library::options_for(named_temp));
  auto w = lib.begin_add(std::nullopt, std::int64_t{256} << 20);
  if (!w) ::_exit(2);
  std::string chunk(1 << 20, 'k');
  for (int i = 0; i < 24; ++i) {
    chunk[0] = static_cast<char>(i);
    if (!(*w)->write(chunk.data(), chunk.size())) ::_exit(3);
  }
  char c = 'r';
  if (::write(ready_fd, &c, 1) != 1) ::_exit(4);
  for (;;) ::pause();
}

TEST_P(InterruptedAddTest, KilledMidFileLeavesNoBlobAndReopeningLeavesNoTemporary) {
  const bool named_temp = GetParam();
  TempDir dir;
  const std::filesystem::path root = dir.path() / "lib";
  {
    Library lib(root, testing_library::options_for(named_temp));
    if (!named_temp && !lib.uses_tmpfile()) GTEST_SKIP() << "O_TMPFILE unsupported here";
  }

  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    add_until_killed(root, named_temp, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  char c = 0;
  ASSERT_EQ(::read(pipe_fds[0], &c, 1), 1) << "the child failed before reaching mid-file";
  ::close(pipe_fds[0]);

  // Mid-file: the named fallback shows its temporary, O_TMPFILE has no name at all.
  EXPECT_EQ(count_files(root / "tmp"), named_temp ? 1 : 0);

  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  EXPECT_EQ(count_files(root / "blobs"), 0);
  if (!named_temp) {
    EXPECT_EQ(count_files(root / "tmp"), 0);
  }

  Library reopened(root, testing_library::options_for(named_temp));
  EXPECT_EQ(count_files(root / "tmp"), 0);
  EXPECT_EQ(count_files(root / "blobs"), 0);
  EXPECT_TRUE(reopened.verify().ok());
  EXPECT_TRUE(reopened.add_bytes("life goes on").ok());
}

INSTANTIATE_TEST_SUITE_P(TempModes, InterruptedAddTest, ::testing::Bool(),
                         [](const auto& info) { return testing_library::temp_mode_name(info.param); });

// Found by the crash test (tests/audit/crash_test.cc): `serve` SIGKILLed between storing an
// upload's blob (commit) and recording it in the database left an orphan blob, which
// `library verify` reports. The commit now leaves a marker that recovery finds.

// The two forms of a blob: a file under blobs/ (small = false) or a row of small.db.
LibraryOptions form(bool small) { return small ? LibraryOptions{} : testing_library::files_only(); }

// Where the markers and blobs of the form are: files under pending/ and blobs/, or rows of
// small.db (and a session file under pending/ while the adding process lives).
int blob_files(const std::filesystem::path& root) { return count_files(root / "blobs"); }

// In the child: commits `content`, reports through `ready_fd`, then waits to be killed with
// the Writer alive (its owner has not recorded the blob yet). Never returns.
[[noreturn]] void commit_until_killed(const std::filesystem::path& root, const std::string& content, int ready_fd,
                                      bool small) {
  Library lib(root, form(small));
  auto w = lib.begin_add(std::nullopt, Library::kNoLimit);
  if (!w || !(*w)->write(content.data(), content.size()) || !(*w)->commit()) ::_exit(2);
  char c = 'r';
  if (::write(ready_fd, &c, 1) != 1) ::_exit(4);
  for (;;) ::pause();
}

// Runs commit_until_killed in a child and SIGKILLs it once the blob is linked.
void kill_after_commit(const std::filesystem::path& root, const std::string& content, bool small) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    commit_until_killed(root, content, pipe_fds[1], small);
  }
  ::close(pipe_fds[1]);
  char c = 0;
  ASSERT_EQ(::read(pipe_fds[0], &c, 1), 1) << "the child failed before committing";
  ::close(pipe_fds[0]);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
}

class InterruptedAddRecovery : public ::testing::TestWithParam<bool> {
 protected:
  bool small() const { return GetParam(); }
};

TEST_P(InterruptedAddRecovery, KilledBetweenCommitAndRecordLeavesNoOrphanAfterRecovery) {
  TempDir dir;
  const std::filesystem::path root = dir.path() / "lib";
  kill_after_commit(root, "stored, never recorded", small());
  EXPECT_EQ(blob_files(root), small() ? 0 : 1);
  EXPECT_EQ(count_files(root / "pending"), 1);  // the add's marker, or the dead session's file
  EXPECT_TRUE(Library(root, form(small())).contains(sha256_hex("stored, never recorded")));  // durable

  Library lib(root, form(small()));
  std::vector<std::string> asked;
  auto n = lib.recover_interrupted_adds([&](const std::string& sha) {
    asked.push_back(sha);
    return lib.discard_unreferenced(sha, [] { return false; });  // the database does not refer to it
  });
  ASSERT_TRUE(n.ok()) << n.error().en;
  EXPECT_EQ(*n, 1);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_FALSE(lib.contains(asked[0]));
  EXPECT_EQ(blob_files(root), 0);
  EXPECT_EQ(count_files(root / "pending"), 0);
  EXPECT_TRUE(lib.verify().ok());
  EXPECT_TRUE(lib.verify().blobs.empty());
  EXPECT_EQ(*lib.recover_interrupted_adds([](const std::string&) { return ok_status(); }), 0);
}

TEST_P(InterruptedAddRecovery, RecordedBlobIsKeptAndOnlyTheMarkerGoes) {
  TempDir dir;
  const std::filesystem::path root = dir.path() / "lib";
  kill_after_commit(root, "stored and recorded, killed before the Writer ended", small());
  Library lib(root, form(small()));
  auto n = lib.recover_interrupted_adds(
      [&](const std::string& sha) { return lib.discard_unreferenced(sha, [] { return true; }); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(blob_files(root), small() ? 0 : 1);
  EXPECT_TRUE(lib.contains(sha256_hex("stored and recorded, killed before the Writer ended")));
  EXPECT_EQ(count_files(root / "pending"), 0);
  EXPECT_TRUE(lib.verify().ok());
  EXPECT_EQ(*lib.recover_interrupted_adds([](const std::string&) { return ok_status(); }), 0);
}

TEST_P(InterruptedAddRecovery, AddsStillRunningAreLeftAlone) {
  TempDir dir;
  Library lib(dir.path() / "lib", form(small()));
  auto w = lib.begin_add(std::nullopt, Library::kNoLimit);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write("running", 7).ok());
  ASSERT_TRUE((*w)->commit().ok());
  (*w)->release_pin();
  EXPECT_EQ(count_files(dir.path() / "lib" / "pending"), 1);
  int calls = 0;
  auto n = lib.recover_interrupted_adds([&](const std::string&) {
    ++calls;
    return ok_status();
  });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(calls, 0);
  // Another process (here another Library on the root) does not take it for a dead add either.
  {
    Library other(dir.path() / "lib", form(small()));
    auto m = other.recover_interrupted_adds([&](const std::string&) {
      ++calls;
      return ok_status();
    });
    ASSERT_TRUE(m.ok()) << m.error().en;
    EXPECT_EQ(*m, 0);
    EXPECT_EQ(calls, 0);
  }
  w->reset();  // the add ends: its marker goes
  if (!small()) {
    EXPECT_EQ(count_files(dir.path() / "lib" / "pending"), 0);
  }
  EXPECT_EQ(count_files(dir.path() / "lib" / "blobs"), small() ? 0 : 1);
  EXPECT_TRUE(lib.contains(sha256_hex("running")));
  // An add of content already present links nothing and leaves no marker.
  auto again = lib.add_bytes("running");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_present);
  if (!small()) {
    EXPECT_EQ(count_files(dir.path() / "lib" / "pending"), 0);
  }
}

// A small add killed before its commit (its bytes only in the process's memory) leaves nothing.
TEST(InterruptedSmallAdd, KilledBeforeCommitLeavesNothing) {
  TempDir dir;
  const std::filesystem::path root = dir.path() / "lib";
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    Library lib(root);
    auto w = lib.begin_add(std::nullopt, Library::kNoLimit);
    const std::string part(4096, 'p');
    if (!w || !(*w)->write(part.data(), part.size())) ::_exit(2);
    char c = 'r';
    if (::write(pipe_fds[1], &c, 1) != 1) ::_exit(4);
    for (;;) ::pause();
  }
  ::close(pipe_fds[1]);
  char c = 0;
  ASSERT_EQ(::read(pipe_fds[0], &c, 1), 1) << "the child failed before writing";
  ::close(pipe_fds[0]);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
  Library lib(root);
  EXPECT_FALSE(lib.contains(sha256_hex(std::string(4096, 'p'))));
  auto n = lib.recover_interrupted_adds([](const std::string&) { return ok_status(); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  const LibraryVerifyReport report = lib.verify();
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.blobs.empty());
  EXPECT_EQ(count_files(root / "tmp"), 0);
  EXPECT_EQ(count_files(root / "pending"), 0);
}

// A small add that cannot be stored fails with library.io_error, naming what to check in both
// languages, and keeps nothing; the library works again once the cause is gone.
TEST(InterruptedSmallAdd, AnIoErrorIsExplainedAndKeepsNothing) {
  TempDir dir;
  const std::filesystem::path root = dir.path() / "lib";
  Library lib(root);
  // The session file of small adds goes in pending/: make that impossible.
  std::filesystem::remove_all(root / "pending");
  std::ofstream(root / "pending") << "not a directory";
  auto failed = lib.add_bytes("sin lugar");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().id, "library.io_error");
  EXPECT_EQ(failed.error().code, Code::internal);
  EXPECT_NE(failed.error().es.find("Revise"), std::string::npos) << failed.error().es;
  EXPECT_NE(failed.error().en.find("Check"), std::string::npos) << failed.error().en;
  EXPECT_FALSE(failed.error().detail("path").empty());
  EXPECT_FALSE(lib.contains(sha256_hex("sin lugar")));
  std::filesystem::remove(root / "pending");
  std::filesystem::create_directories(root / "pending");
  auto added = lib.add_bytes("sin lugar");
  ASSERT_TRUE(added) << added.error().en;
  EXPECT_TRUE(lib.contains(added->sha256));
  EXPECT_TRUE(lib.verify().ok());
}

INSTANTIATE_TEST_SUITE_P(Forms, InterruptedAddRecovery, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "SmallRow" : "File"; });

}  // namespace
}  // namespace pasaprod
