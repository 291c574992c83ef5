// TarStream and scan_tar: sizes known up front, round trips (long names via pax), GNU tar can
// read what we write, and a changed blob is caught while streaming.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "library/archive.h"

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
  auto blob = lib_->add_bytes(a);
  ASSERT_TRUE(blob.ok());
  std::vector<TarEntry> entries = {TarEntry::memory("ALFA-1.1/MANIFEST", "hola\n"), TarEntry::blob(long_name, blob->sha256, blob->size),
                                   TarEntry::memory("ALFA-1.1/empty", "")};
  TarStream tar(*lib_, entries, 1700000000);
  const std::string bytes = produce(tar);
  EXPECT_EQ(bytes.size(), tar.size());
  EXPECT_EQ(bytes.size(), tar_size(entries));
  EXPECT_EQ(bytes.size() % 512, 0u);

  const fs::path file = dir_ / "a.tar";
  std::ofstream(file, std::ios::binary) << bytes;
  auto members = scan_tar(file, [](const std::string& p, std::int64_t) { return p.ends_with("MANIFEST"); });
  ASSERT_TRUE(members.ok()) << members.error().en;
  ASSERT_EQ(members->size(), 3u);
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
}

TEST_F(ArchiveTest, ChangedBlobIsDataLoss) {
  auto blob = lib_->add_bytes(std::string(5000, 'q'));
  ASSERT_TRUE(blob.ok());
  // Corrupt the stored blob in place (same size).
  const fs::path p = lib_->path_of(blob->sha256);
  fs::permissions(p, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(10);
    f.put('z');
  }
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

}  // namespace
}  // namespace pasaprod
