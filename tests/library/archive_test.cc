// TarStream and scan_tar: sizes known up front, round trips (long names via pax), GNU tar can
// read what we write, and a changed blob is caught while streaming.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "library/archive.h"
#include "library/library_test_util.h"

namespace pasaprod {
namespace {

namespace fs = std::filesystem;

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pasaprod-archive-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    lib_ = std::make_unique<Library>(dir_ / "lib");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The whole archive, read in odd-sized chunks.
  std::string produce(TarStream& tar) {
    std::string out;
    char buf[777];
    for (;;) {
      auto n = tar.read(buf, sizeof buf);
      EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().en);
      if (!n || *n == 0) break;
      out.append(buf, *n);
    }
    return out;
  }

  fs::path dir_;
  std::unique_ptr<Library> lib_;
};

TEST_F(ArchiveTest, RoundTripWithLongNamesAndTarAgrees) {
  const std::string a = std::string(100000, 'x') + "fin";
  const std::string long_name = "ALFA-1.1/deliverables/user_manual/" + std::string(120, 'n') + "-manual de usuario ñandú.pdf";
  const std::string small = std::string(4096, 's') + "pequeño";  // a row of small.db
  auto blob = lib_->add_bytes(a);
  auto small_blob = lib_->add_bytes(small);
  ASSERT_TRUE(blob.ok() && small_blob.ok());
  ASSERT_FALSE(fs::exists(lib_->path_of(small_blob->sha256)));
  std::vector<TarEntry> entries = {TarEntry::memory("ALFA-1.1/MANIFEST", "hola\n"), TarEntry::blob(long_name, blob->sha256, blob->size),
                                   TarEntry::memory("ALFA-1.1/empty", ""),
                                   TarEntry::blob("ALFA-1.1/deliverables/db_scripts/small.sql", small_blob->sha256, small_blob->size)};
  TarStream tar(*lib_, entries, 1700000000);
  const std::string bytes = produce(tar);
  EXPECT_EQ(bytes.size(), tar.size());
  EXPECT_EQ(bytes.size(), tar_size(entries));
  EXPECT_EQ(bytes.size() % 512, 0u);

  const fs::path file = dir_ / "a.tar";
  std::ofstream(file, std::ios::binary) << bytes;
  auto members = scan_tar(file, [](const std::string& p, std::int64_t) { return p.ends_with("MANIFEST"); });
  ASSERT_TRUE(members.ok()) << members.error().en;
  ASSERT_EQ(members->size(), 4u);
  EXPECT_EQ((*members)[3].sha256, small_blob->sha256);
  EXPECT_EQ((*members)[0].content.value_or("?"), "hola\n");
  EXPECT_EQ((*members)[1].path, long_name);
  EXPECT_EQ((*members)[1].sha256, blob->sha256);
  EXPECT_EQ((*members)[2].size, 0);

  // GNU tar lists the same names and extracts the same bytes.
  const fs::path out = dir_ / "x";
  fs::create_directories(out);
  ASSERT_EQ(std::system(("tar -xf '" + file.string() + "' -C '" + out.string() + "'").c_str()), 0);
  std::ifstream in(out / long_name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), a);
  std::ifstream in_small(out / "ALFA-1.1/deliverables/db_scripts/small.sql", std::ios::binary);
  std::stringstream ss_small;
  ss_small << in_small.rdbuf();
  EXPECT_EQ(ss_small.str(), small);
}

TEST_F(ArchiveTest, ChangedFileBlobIsDataLoss) {
  Library files(dir_ / "files", testing_library::files_only());
  auto blob = files.add_bytes(std::string(5000, 'q'));
  ASSERT_TRUE(blob.ok());
  ASSERT_TRUE(fs::exists(files.path_of(blob->sha256)));
  testing_library::alter_blob(files, blob->sha256, 10);
  TarStream tar(files, {TarEntry::blob("a/b", blob->sha256, blob->size)}, 0);
  char buf[65536];
  Result<std::size_t> n = tar.read(buf, sizeof buf);
  while (n.ok() && *n > 0) n = tar.read(buf, sizeof buf);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().id, "archive.blob_changed");
}

TEST_F(ArchiveTest, ChangedBlobIsDataLoss) {
  auto blob = lib_->add_bytes(std::string(5000, 'q'));
  ASSERT_TRUE(blob.ok());
  // Corrupt the stored blob in place (same size): a row of small.db at this size.
  ASSERT_FALSE(fs::exists(lib_->path_of(blob->sha256)));
  testing_library::alter_blob(*lib_, blob->sha256, 10);
  TarStream tar(*lib_, {TarEntry::blob("a/b", blob->sha256, blob->size)}, 0);
  char buf[65536];
  Result<std::size_t> n = tar.read(buf, sizeof buf);
  while (n.ok() && *n > 0) n = tar.read(buf, sizeof buf);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, Code::data_loss);
  EXPECT_EQ(n.error().id, "archive.blob_changed");
}

TEST_F(ArchiveTest, NotATarIsMalformed) {
  const fs::path file = dir_ / "no.tar";
  std::ofstream(file, std::ios::binary) << std::string(1024, 'x');
  auto r = scan_tar(file, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().id, "archive.malformed");
}

// Regressions found by tests/fuzz/fuzz_tar (inputs in tests/fuzz/corpus/fuzz_tar/): malformed
// headers must come back as archive.malformed, never as an exception out of scan_tar.

// One ustar header block with a valid checksum; `size_field` is written as is (12 bytes).
std::string tar_header(const std::string& name, char type, const std::string& size_field) {
  std::string h(512, '\0');
  h.replace(0, name.size(), name);
  h.replace(100, 8, std::string("0000644\0", 8));
  h.replace(124, size_field.size(), size_field);
  h[156] = type;
  h.replace(257, 6, std::string("ustar\0", 6));
  h.replace(263, 2, "00");
  unsigned sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  h.replace(148, 7, std::string(chk, 6) + '\0');
  return h;
}

std::string octal_size(std::size_t n) {
  char b[13];
  std::snprintf(b, sizeof b, "%011zo", n);
  return std::string(b, 11) + '\0';
}

// A pax header with `records`, then a one-byte member "a".
std::string tar_with_pax(const std::string& records) {
  std::string t = tar_header("PaxHeaders/a", 'x', octal_size(records.size()));
  t += records;
  t.append((512 - records.size() % 512) % 512, '\0');
  t += tar_header("a", '0', octal_size(1));
  t += std::string("z") + std::string(511, '\0');
  return t + std::string(1024, '\0');
}

class ArchiveFuzzRegressionTest : public ArchiveTest {
 protected:
  Result<std::vector<TarMember>> scan(const std::string& bytes) {
    const fs::path file = dir_ / "f.tar";
    fs::create_directories(dir_);
    std::ofstream(file, std::ios::binary) << bytes;
    return scan_tar(file, nullptr);
  }
};

TEST_F(ArchiveFuzzRegressionTest, PaxRecordLengthNotANumberIsMalformed) {
  // std::stoul threw std::invalid_argument on "\0\0149" (fuzz_tar crash-ae339c26).
  auto r = scan(tar_with_pax(std::string(3, '\0') + "13 path=abcd\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().id, "archive.malformed");
  r = scan(tar_with_pax("99999999999999999999999 path=x\n"));  // out of range
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().id, "archive.malformed");
}

TEST_F(ArchiveFuzzRegressionTest, PaxSizeNotANumberIsMalformed) {
  for (const char* rec : {"11 size=zz\n", "11 size=-1\n", "32 size=99999999999999999999999\n"}) {
    auto r = scan(tar_with_pax(rec));
    ASSERT_FALSE(r.ok()) << rec;
    EXPECT_EQ(r.error().id, "archive.malformed") << rec;
  }
}

TEST_F(ArchiveFuzzRegressionTest, PaxRecordShorterThanItsLengthFieldIsMalformed) {
  // "3 path=..." cannot hold its own prefix; "9 path=x" lacks the closing newline.
  for (const char* rec : {"3 path=abc\n", "9 path=xy"}) {
    auto r = scan(tar_with_pax(rec));
    ASSERT_FALSE(r.ok()) << rec;
    EXPECT_EQ(r.error().id, "archive.malformed") << rec;
  }
}

TEST_F(ArchiveFuzzRegressionTest, WellFormedPaxRecordsStillRead) {
  auto r = scan(tar_with_pax("13 path=abcd\n9 size=1\n"));
  ASSERT_TRUE(r.ok()) << r.error().en;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].path, "abcd");
  EXPECT_EQ((*r)[0].size, 1);
}

TEST_F(ArchiveFuzzRegressionTest, Base256SizeBeyondInt64IsMalformed) {
  // GNU base-256: 0x80 then 11 bytes; 0xff... does not fit an int64 (the shift overflowed).
  std::string size_field(12, '\xff');
  size_field[0] = '\x80';
  auto r = scan(tar_header("a", '0', size_field) + std::string(1024, '\0'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().id, "archive.malformed");
}

}  // namespace
}  // namespace pasaprod
