// A process killed (SIGKILL) in the middle of an add leaves no blob, and after the library is
// opened again nothing in tmp/. With O_TMPFILE nothing is left even before that.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "library/library.h"
#include "library/library_test_util.h"

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

}  // namespace
}  // namespace pasaprod
