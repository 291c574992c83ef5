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

// The anchor file's two 512-byte slots.
std::string slot(const std::string& file, int i) { return file.substr(static_cast<std::size_t>(i) * 512, 512); }
std::string padded(std::string text) {
  text.resize(512, '\0');
  return text;
}
// The text of a slot, without its padding.
std::string text_of(const std::string& slot_bytes) { return slot_bytes.substr(0, slot_bytes.find('\0')); }

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

  // Two slots: the newest head in one, the one before in the other.
  std::string file = slurp(anchor.path());
  ASSERT_EQ(file.size(), 1024u);
  const std::string a = text_of(slot(file, 0)), b = text_of(slot(file, 1));
  EXPECT_EQ(b.substr(0, b.find('\n') + 1), "10 " + hash_of(10) + "\n") << "advance writes the slot not holding the head";
  EXPECT_EQ(a.substr(0, a.find('\n') + 1), "3 " + hash_of(3) + "\n");
  EXPECT_NE(b.find("\nhmac "), std::string::npos);
  anchor.advance({12, hash_of(12)});
  file = slurp(anchor.path());
  EXPECT_EQ(text_of(slot(file, 0)).substr(0, 3), "12 ");
  EXPECT_EQ(text_of(slot(file, 1)).substr(0, 3), "10 ");
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
  ASSERT_EQ(text_of(slot(good, 1)), "");  // one head so far

  // A forger moves the anchor back to hide a cut tail, keeping the old HMAC line.
  const std::string head_slot = text_of(slot(good, 0));
  const std::string forged = padded("8 " + hash_of(8) + head_slot.substr(head_slot.find('\n')));
  spit(anchor.path(), forged + slot(good, 1));
  EXPECT_THROW((void)anchor.load(), AnchorInvalid);
  // ... and advance() refuses to overwrite a forged anchor.
  EXPECT_THROW(anchor.advance({11, hash_of(11)}), AnchorInvalid);
  // Nor can a forged slot hide beside a good one: every used slot must verify.
  spit(anchor.path(), slot(good, 0) + forged);
  EXPECT_THROW((void)anchor.load(), AnchorInvalid);

  // A forger with no key cannot compute a valid HMAC.
  spit(anchor.path(), padded("8 " + hash_of(8) + "\nhmac " + hmac_sha256_hex("guess", "8") + "\n") + slot(good, 1));
  EXPECT_THROW((void)anchor.load(), AnchorInvalid);

  for (std::string junk : {std::string(""), std::string("garbage"), padded("x y\nhmac z\n") + padded(""),
                           good.substr(0, good.size() - 1), padded("") + padded(""),
                           slot(good, 0) + padded("").replace(100, 1, "x")}) {
    spit(anchor.path(), junk);
    EXPECT_THROW((void)anchor.load(), AnchorInvalid) << junk;
  }

  spit(anchor.path(), good);
  EXPECT_EQ(anchor.load()->seq, 10);
  ASSERT_EQ(::unlink((anchor.path() + ".key").c_str()), 0);
  EXPECT_THROW((void)anchor.load(), AnchorInvalid);  // an anchor without its key
}

// An emptied older slot (say, a write that never reached the disk) costs nothing: the head
// is in the other slot, and the next advance fills the empty one.
TEST(FileAnchor, AnEmptyOlderSlotIsHarmless) {
  TempDir dir;
  FileAnchor anchor(dir.file("a"));
  anchor.advance({4, hash_of(4)});
  anchor.advance({5, hash_of(5)});
  const std::string file = slurp(anchor.path());
  spit(anchor.path(), padded("") + slot(file, 1));
  EXPECT_EQ(anchor.load()->seq, 5);
  anchor.advance({6, hash_of(6)});
  EXPECT_EQ(text_of(slot(slurp(anchor.path()), 0)).substr(0, 2), "6 ");
  EXPECT_EQ(anchor.load()->seq, 6);
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
