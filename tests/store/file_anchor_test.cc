// audit::FileAnchor: durability format, monotonicity, HMAC, key file, several processes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "audit/file_anchor.h"
#include "tests/store/test_util.h"
#include "util/sha256.h"

namespace pasaprod::audit {
namespace {

using testing_store::TempDir;

std::string hash_of(std::int64_t seq) { return sha256_hex("event " + std::to_string(seq)); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

TEST(FileAnchor, StartsEmptyAdvancesAndNeverMovesBack) {
  TempDir dir;
  FileAnchor anchor(dir.file("audit.anchor"));
  EXPECT_EQ(anchor.load(), std::nullopt);
  anchor.advance({3, hash_of(3)});
  auto h = anchor.load();
  ASSERT_TRUE(h);
  EXPECT_EQ(h->seq, 3);
  EXPECT_EQ(h->hash, hash_of(3));
  anchor.advance({2, hash_of(2)});  // behind: ignored
  anchor.advance({3, hash_of(99)});  // same seq: ignored
  EXPECT_EQ(anchor.load()->hash, hash_of(3));
  anchor.advance({10, hash_of(10)});
  EXPECT_EQ(anchor.load()->seq, 10);
  // A second object on the same path sees the same head.
  EXPECT_EQ(FileAnchor(anchor.path()).load()->seq, 10);

  std::string text = slurp(anchor.path());
  EXPECT_EQ(text.substr(0, text.find('\n') + 1), "10 " + hash_of(10) + "\n");
  EXPECT_NE(text.find("\nhmac "), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((anchor.path() + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_THROW(anchor.advance({0, hash_of(0)}), std::runtime_error);
  EXPECT_THROW(anchor.advance({11, "not-a-hash"}), std::runtime_error);
}

TEST(FileAnchor, ForgedOrBrokenFilesAreDetected) {
  TempDir dir;
  FileAnchor anchor(dir.file("a"));
  anchor.advance({10, hash_of(10)});
  const std::string good = slurp(anchor.path());

  // A forger moves the anchor back to hide a cut tail, keeping the old HMAC line.
  std::string forged = "8 " + hash_of(8) + good.substr(good.find('\n'));
  spit(anchor.path(), forged);
  EXPECT_THROW((void)anchor.load(), AnchorInvalid);
  // ... and advance() refuses to overwrite a forged anchor.
  EXPECT_THROW(anchor.advance({11, hash_of(11)}), AnchorInvalid);

  // A forger with no key cannot compute a valid HMAC.
  spit(anchor.path(), "8 " + hash_of(8) + "\nhmac " + hmac_sha256_hex("guess", "8") + "\n");
  EXPECT_THROW((void)anchor.load(), AnchorInvalid);

  for (std::string junk : {std::string(""), std::string("garbage"), std::string("x y\nhmac z\n"),
                           good.substr(0, good.size() - 1)}) {
    spit(anchor.path(), junk);
    EXPECT_THROW((void)anchor.load(), AnchorInvalid) << junk;
  }

  spit(anchor.path(), good);
  EXPECT_EQ(anchor.load()->seq, 10);
  ASSERT_EQ(::unlink((anchor.path() + ".key").c_str()), 0);
  EXPECT_THROW((void)anchor.load(), AnchorInvalid);  // an anchor without its key
}

// Several processes advance the same anchor concurrently; it ends at the highest head and
// is never seen moving back or broken.
TEST(FileAnchor, SeveralProcessesAdvanceSafely) {
  TempDir dir;
  const std::string path = dir.file("a");
  constexpr int kProcs = 4;
  constexpr int kSteps = 60;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int rc = 0;
      try {
        FileAnchor anchor(path);
        std::int64_t seen = 0;
        for (int i = 1; i <= kSteps; ++i) {
          std::int64_t seq = i * kProcs + p;
          anchor.advance({seq, hash_of(seq)});
          auto h = anchor.load();
          if (!h || h->seq < seen || h->seq < seq || h->hash != hash_of(h->seq)) rc = 1;
          seen = h ? h->seq : seen;
        }
      } catch (...) {
        rc = 2;
      }
      ::_exit(rc);
    }
    kids.push_back(pid);
  }
  for (pid_t kid : kids) {
    int status = 0;
    ASSERT_EQ(::waitpid(kid, &status, 0), kid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto h = FileAnchor(path).load();
  ASSERT_TRUE(h);
  EXPECT_EQ(h->seq, kSteps * kProcs + kProcs - 1);
}

}  // namespace
}  // namespace pasaprod::audit
