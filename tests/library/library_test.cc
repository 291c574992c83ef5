// The library of files: adding, deduplicating, reading back, refusing, verifying. Every test
// runs twice: with O_TMPFILE temporaries and with the named-temporary fallback.
#include "library/library.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "library/library_test_util.h"
#include "util/sha256.h"

namespace pasaprod {
namespace {

using testing_library::count_files;
using testing_library::TempDir;

class LibraryTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    lib_ = std::make_unique<Library>(dir_.path() / "lib", testing_library::options_for(GetParam()));
    if (!GetParam() && !lib_->uses_tmpfile()) GTEST_SKIP() << "O_TMPFILE unsupported here";
  }
  Library& lib() { return *lib_; }
  int blob_count() { return count_files(lib_->root() / "blobs"); }
  int temp_count() { return count_files(lib_->root() / "tmp"); }
  std::string read_all(const std::string& sha) {
    Result<std::unique_ptr<BlobReader>> r = lib_->open_read(sha);
    EXPECT_TRUE(r.ok());
    if (!r) return {};
    std::string out;
    char buf[7];  // odd size on purpose
    for (;;) {
      Result<std::size_t> n = (*r)->read(buf, sizeof buf);
      EXPECT_TRUE(n.ok());
      if (!n || *n == 0) break;
      out.append(buf, *n);
    }
    return out;
  }
  std::filesystem::path write_source(const std::string& name, const std::string& content) {
    std::filesystem::path p = dir_.path() / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  TempDir dir_;
  std::unique_ptr<Library> lib_;
};

std::string pattern(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

TEST_P(LibraryTest, AddBytesThenReadBack) {
  Result<StoredBlob> b = lib().add_bytes("hola mundo");
  ASSERT_TRUE(b.ok()) << b.error().en;
  EXPECT_EQ(b->sha256, sha256_hex("hola mundo"));
  EXPECT_EQ(b->size, 10);
  EXPECT_FALSE(b->already_present);
  EXPECT_TRUE(lib().contains(b->sha256));
  EXPECT_EQ(lib().path_of(b->sha256),
            lib().root() / "blobs" / b->sha256.substr(0, 2) / b->sha256);
  EXPECT_TRUE(std::filesystem::is_regular_file(lib().path_of(b->sha256)));
  EXPECT_EQ(*lib().size_of(b->sha256), 10);
  EXPECT_EQ(read_all(b->sha256), "hola mundo");
  EXPECT_EQ(*lib().rehash(b->sha256), b->sha256);
  EXPECT_EQ(temp_count(), 0);
}

TEST_P(LibraryTest, EmptyContentIsABlob) {
  Result<StoredBlob> b = lib().add_bytes("");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->sha256, sha256_hex(""));
  EXPECT_EQ(*lib().size_of(b->sha256), 0);
}

TEST_P(LibraryTest, SecondAddOfSameContentIsDeduplicated) {
  ASSERT_TRUE(lib().add_bytes("same").ok());
  Result<StoredBlob> again = lib().add_bytes("same");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_present);
  EXPECT_EQ(blob_count(), 1);
  EXPECT_EQ(temp_count(), 0);
}

TEST_P(LibraryTest, StreamedAddInChunksWithExpectedDigest) {
  const std::string content = pattern(3 * 65536 + 17, 1);
  auto w = lib().begin_add(sha256_hex(content), static_cast<std::int64_t>(content.size()));
  ASSERT_TRUE(w.ok());
  for (std::size_t at = 0; at < content.size(); at += 65536) {
    std::size_t n = std::min<std::size_t>(65536, content.size() - at);
    ASSERT_TRUE((*w)->write(content.data() + at, n).ok());
  }
  EXPECT_EQ((*w)->size(), static_cast<std::int64_t>(content.size()));
  Result<StoredBlob> b = (*w)->commit();
  ASSERT_TRUE(b.ok()) << b.error().en;
  EXPECT_EQ(read_all(b->sha256), content);
  EXPECT_EQ((*w)->write("x", 1).error().id, "library.writer_closed");
  EXPECT_EQ((*w)->commit().error().id, "library.writer_closed");
}

TEST_P(LibraryTest, DigestMismatchLeavesNothing) {
  const std::string wrong = sha256_hex("something else");
  auto w = lib().begin_add(wrong, Library::kNoLimit);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write("content", 7).ok());
  Result<StoredBlob> b = (*w)->commit();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Code::failed_precondition);
  EXPECT_EQ(b.error().id, "library.digest_mismatch");
  EXPECT_NE(b.error().es.find(wrong), std::string::npos);
  EXPECT_NE(b.error().en.find(sha256_hex("content")), std::string::npos);
  EXPECT_EQ(b.error().detail("actual"), sha256_hex("content"));
  EXPECT_EQ(blob_count(), 0);
  EXPECT_EQ(temp_count(), 0);
  EXPECT_FALSE(lib().contains(sha256_hex("content")));
}

TEST_P(LibraryTest, TooLargeLeavesNothing) {
  auto w = lib().begin_add(std::nullopt, 10);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write("123456", 6).ok());
  Status st = (*w)->write("78901", 5);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::too_large);
  EXPECT_EQ(st.error().id, "library.too_large");
  EXPECT_FALSE(st.error().es.empty());
  EXPECT_EQ((*w)->commit().error().id, "library.writer_closed");
  EXPECT_EQ(blob_count(), 0);
  EXPECT_EQ(temp_count(), 0);
}

TEST_P(LibraryTest, ExactlyMaxSizeIsAccepted) {
  auto w = lib().begin_add(std::nullopt, 4);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write("12", 2).ok());
  ASSERT_TRUE((*w)->write("34", 2).ok());
  EXPECT_TRUE((*w)->commit().ok());
}

TEST_P(LibraryTest, AddFileOverLimitIsRefusedBeforeWriting) {
  auto src = write_source("big.bin", pattern(1000, 2));
  Result<StoredBlob> b = lib().add_file(src, std::nullopt, 999);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Code::too_large);
  EXPECT_EQ(blob_count(), 0);
  EXPECT_EQ(temp_count(), 0);
}

TEST_P(LibraryTest, AbortAndDestructionLeaveNothing) {
  {
    auto w = lib().begin_add(std::nullopt, Library::kNoLimit);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write("partial", 7).ok());
    EXPECT_EQ(temp_count(), GetParam() ? 1 : 0);  // only a named temporary is visible
    (*w)->abort();
    (*w)->abort();  // idempotent
    EXPECT_EQ((*w)->write("x", 1).error().id, "library.writer_closed");
  }
  {
    auto w = lib().begin_add(std::nullopt, Library::kNoLimit);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write("dropped", 7).ok());
  }  // destroyed uncommitted
  EXPECT_EQ(blob_count(), 0);
  EXPECT_EQ(temp_count(), 0);
}

TEST_P(LibraryTest, AddFileReadsInChunks) {
  LibraryOptions o = testing_library::options_for(GetParam());
  o.buffer_size = 4099;  // not a divisor of the size: exercises the last partial chunk
  Library small(lib().root(), o);
  const std::string content = pattern(1 << 20, 3);
  Result<StoredBlob> b = small.add_file(write_source("f.bin", content), sha256_hex(content),
                                        Library::kNoLimit);
  ASSERT_TRUE(b.ok()) << b.error().en;
  EXPECT_EQ(b->size, 1 << 20);
  EXPECT_EQ(*small.rehash(b->sha256), sha256_hex(content));
}

TEST_P(LibraryTest, AddFileOfMissingSourceIsNotFound) {
  Result<StoredBlob> b = lib().add_file(dir_.path() / "nope", std::nullopt, Library::kNoLimit);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Code::not_found);
  EXPECT_EQ(b.error().id, "library.source_not_found");
  EXPECT_EQ(temp_count(), 0);
}

TEST_P(LibraryTest, InvalidDigestsNeverNameAPath) {
  for (const std::string& bad : std::vector<std::string>{"../../../../etc/passwd", "", "ABCDEF", std::string(64, 'A'),
                          "../" + std::string(61, 'a'), std::string(63, 'a') + "/"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(lib().contains(bad));
    EXPECT_TRUE(lib().path_of(bad).empty());
    EXPECT_EQ(lib().open_read(bad).error().id, "library.invalid_sha256");
    EXPECT_EQ(lib().size_of(bad).error().code, Code::invalid_argument);
    EXPECT_EQ(lib().rehash(bad).error().code, Code::invalid_argument);
    EXPECT_EQ(lib().begin_add(bad, 1).error().code, Code::invalid_argument);
  }
  EXPECT_EQ(lib().begin_add(std::nullopt, -1).error().id, "library.invalid_max_size");
  EXPECT_EQ(temp_count(), 0);
}

TEST_P(LibraryTest, AbsentBlobIsNotFound) {
  const std::string absent = sha256_hex("never added");
  EXPECT_FALSE(lib().contains(absent));
  EXPECT_EQ(lib().open_read(absent).error().code, Code::not_found);
  EXPECT_EQ(lib().size_of(absent).error().id, "library.not_found");
  EXPECT_EQ(lib().rehash(absent).error().code, Code::not_found);
}

TEST_P(LibraryTest, VerifyDetectsCorruptedMissingAndMisplaced) {
  std::vector<std::string> shas;
  for (unsigned i = 0; i < 3; ++i) shas.push_back(lib().add_bytes(pattern(5000, 10 + i))->sha256);
  LibraryVerifyReport clean = lib().verify();
  EXPECT_TRUE(clean.ok());
  EXPECT_EQ(clean.checked, 3);
  EXPECT_EQ(clean.bytes, 15000);

  // Flip one byte of the second blob; remove the third.
  const std::filesystem::path corrupted = lib().path_of(shas[1]);
  std::filesystem::permissions(corrupted, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  {
    std::fstream f(corrupted, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1234);
    f.put('\x5a' ^ pattern(5000, 11)[1234]);
  }
  std::filesystem::remove(lib().path_of(shas[2]));
  std::ofstream(lib().root() / "blobs" / "stray.txt") << "x";

  LibraryVerifyReport all = lib().verify();
  ASSERT_EQ(all.problems.size(), 2u);
  EXPECT_EQ(all.checked, 2);
  EXPECT_EQ(all.problems[0].kind, LibraryProblem::Kind::corrupted);
  EXPECT_EQ(all.problems[0].sha256, shas[1]);
  EXPECT_EQ(all.problems[0].path, corrupted);
  EXPECT_NE(all.problems[0].actual_sha256, shas[1]);
  EXPECT_NE(all.problems[0].es.find(shas[1]), std::string::npos);
  EXPECT_NE(all.problems[0].en.find("Restore"), std::string::npos);
  EXPECT_EQ(all.problems[1].kind, LibraryProblem::Kind::misplaced);
  EXPECT_STREQ(problem_kind_name(all.problems[1].kind), "misplaced");

  LibraryVerifyReport listed = lib().verify_blobs({shas[0], shas[1], shas[2], "nonsense"});
  ASSERT_EQ(listed.problems.size(), 3u);
  EXPECT_EQ(listed.checked, 2);
  EXPECT_EQ(listed.problems[0].kind, LibraryProblem::Kind::corrupted);
  EXPECT_EQ(listed.problems[1].kind, LibraryProblem::Kind::missing);
  EXPECT_EQ(listed.problems[1].sha256, shas[2]);
  EXPECT_FALSE(listed.problems[1].es.empty());
  EXPECT_FALSE(listed.problems[1].en.empty());
  EXPECT_EQ(listed.problems[2].kind, LibraryProblem::Kind::invalid_sha256);
}

TEST_P(LibraryTest, VerifyFlagsBlobsUnderTheWrongName) {
  const std::string sha = lib().add_bytes("content")->sha256;
  const std::string other = sha256_hex("other");
  std::filesystem::create_directories(lib().root() / "blobs" / other.substr(0, 2));
  std::filesystem::copy_file(lib().path_of(sha), lib().path_of(other));  // named wrongly
  std::filesystem::create_directories(lib().root() / "blobs" / "zz");
  std::filesystem::copy_file(lib().path_of(sha), lib().root() / "blobs" / "zz" / sha);
  LibraryVerifyReport r = lib().verify();
  ASSERT_EQ(r.problems.size(), 2u);
  int corrupted = 0, misplaced = 0;
  for (const auto& p : r.problems) {
    corrupted += p.kind == LibraryProblem::Kind::corrupted;
    misplaced += p.kind == LibraryProblem::Kind::misplaced;
  }
  EXPECT_EQ(corrupted, 1);
  EXPECT_EQ(misplaced, 1);
}

TEST_P(LibraryTest, ConcurrentIdenticalAddsAllSucceedAndKeepOneFile) {
  const std::string content = pattern(1 << 20, 4);
  constexpr int kThreads = 8;
  std::vector<Result<StoredBlob>> results(kThreads, Result<StoredBlob>(StoredBlob{}));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = lib().add_bytes(content); });
  }
  for (auto& t : threads) t.join();
  int written = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().en;
    EXPECT_EQ(r->sha256, sha256_hex(content));
    written += !r->already_present;
  }
  EXPECT_EQ(written, 1);
  EXPECT_EQ(blob_count(), 1);
  EXPECT_EQ(temp_count(), 0);
  EXPECT_TRUE(lib().verify().ok());
}

TEST_P(LibraryTest, ConcurrentDifferentAdds) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (unsigned j = 0; j < 10; ++j) ok[i] += lib().add_bytes(pattern(10000, i * 100 + j)).ok();
    });
  }
  for (auto& t : threads) t.join();
  for (int n : ok) EXPECT_EQ(n, 10);
  EXPECT_EQ(blob_count(), kThreads * 10);
  EXPECT_EQ(lib().verify().checked, kThreads * 10);
}

TEST_P(LibraryTest, OpeningTheLibraryKeepsTemporariesOfLiveAdds) {
  auto w = lib().begin_add(std::nullopt, Library::kNoLimit);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write("in progress", 11).ok());
  const int before = temp_count();
  Library again(lib().root(), testing_library::options_for(GetParam()));  // sweeps
  EXPECT_EQ(temp_count(), before);
  Result<StoredBlob> b = (*w)->commit();
  ASSERT_TRUE(b.ok()) << b.error().en;
  EXPECT_TRUE(again.contains(b->sha256));
}

TEST_P(LibraryTest, AddsSurviveLibrariesBeingOpenedMeanwhile) {
  // Every open sweeps tmp/; it must never take the temporary of an add in progress.
  std::atomic<bool> done{false};
  std::thread opener([&] {
    while (!done) Library(lib().root(), testing_library::options_for(GetParam()));
  });
  int ok = 0;
  for (unsigned i = 0; i < 200; ++i) ok += lib().add_bytes(pattern(20000, 1000 + i)).ok();
  done = true;
  opener.join();
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(blob_count(), 200);
  EXPECT_EQ(temp_count(), 0);
}

TEST_P(LibraryTest, OpeningTheLibraryRemovesStaleTemporaries) {
  std::ofstream(lib().root() / "tmp" / "add-0123456789abcdef") << "left by a dead process";
  std::ofstream(lib().root() / "tmp" / "unrelated") << "not ours";
  Library again(lib().root(), testing_library::options_for(GetParam()));
  EXPECT_FALSE(std::filesystem::exists(lib().root() / "tmp" / "add-0123456789abcdef"));
  EXPECT_TRUE(std::filesystem::exists(lib().root() / "tmp" / "unrelated"));
}

INSTANTIATE_TEST_SUITE_P(TempModes, LibraryTest, ::testing::Bool(),
                         [](const auto& info) { return testing_library::temp_mode_name(info.param); });

}  // namespace
}  // namespace pasaprod
