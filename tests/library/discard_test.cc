// Library::discard_unreferenced and the pins of committed Writers: a failed add gives its new
// blob back, but never one that a concurrent add of the same content is about to record.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "library/library.h"
#include "library/library_test_util.h"

namespace pasaprod {
namespace {

using testing_library::TempDir;

std::unique_ptr<Library::Writer> committed_writer(Library& lib, const std::string& content, StoredBlob* out) {
  auto w = lib.begin_file_add(std::nullopt, Library::kNoLimit);
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE((*w)->write(content.data(), content.size()).ok());
  auto blob = (*w)->commit();
  EXPECT_TRUE(blob.ok());
  if (blob) *out = *blob;
  return std::move(*w);
}

TEST(LibraryDiscard, RemovesOnlyWhatNothingRefersTo) {
  TempDir dir;
  Library lib(dir.path() / "lib");
  auto a = lib.add_bytes("contenido A");
  auto b = lib.add_bytes("contenido B");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(lib.discard_unreferenced(a->sha256, [] { return false; }).ok());
  ASSERT_TRUE(lib.discard_unreferenced(b->sha256, [] { return true; }).ok());
  EXPECT_FALSE(lib.contains(a->sha256));
  EXPECT_TRUE(lib.contains(b->sha256));
  EXPECT_TRUE(lib.discard_unreferenced(a->sha256, [] { return false; }).ok()) << "absent: nothing to do";
  auto bad = lib.discard_unreferenced("../../etc/passwd", [] { return false; });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().id, "library.invalid_sha256");
}

// The race the pins close: add 1 linked a new blob and failed to record it; add 2 of the same
// content found the blob (already_present) and is about to record its use. Add 1's discard
// must wait for add 2, then see its reference and keep the blob.
TEST(LibraryDiscard, WaitsForCommittedWritersAndRechecks) {
  TempDir dir;
  Library lib(dir.path() / "lib");
  StoredBlob first, second;
  auto w1 = committed_writer(lib, "el mismo contenido", &first);
  auto w2 = committed_writer(lib, "el mismo contenido", &second);
  ASSERT_FALSE(first.already_present);
  ASSERT_TRUE(second.already_present);
  w1->release_pin();  // add 1 failed to record its use and gives the blob back

  std::atomic<bool> recorded{false};  // add 2's record of the use
  std::atomic<bool> discarded{false};
  std::thread discard([&] {
    EXPECT_TRUE(lib.discard_unreferenced(first.sha256, [&] { return recorded.load(); }).ok());
    discarded = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(discarded.load()) << "the discard must wait while add 2 holds its pin";
  recorded = true;
  w2.reset();  // add 2 recorded its use and ends
  discard.join();
  EXPECT_TRUE(discarded.load());
  EXPECT_TRUE(lib.contains(first.sha256)) << "add 2 refers to it: kept";

  // Once nothing refers to it, the same discard removes it.
  ASSERT_TRUE(lib.discard_unreferenced(first.sha256, [] { return false; }).ok());
  EXPECT_FALSE(lib.contains(first.sha256));
}

}  // namespace
}  // namespace pasaprod
