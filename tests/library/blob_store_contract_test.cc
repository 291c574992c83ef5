// The BlobStore contract (library/blob_store.h), run on every implementation: the local
// directory always, with every blob a file ("local") and with the small ones in small.db
// ("local+small"); the blob store inside PostgreSQL when built with
// PASAPROD_BLOB_SUITE_POSTGRES and run under the CTest fixture pg_cluster. Each runs twice: with
// the contents as written (MiB: files, several chunks) and with each size divided by 128 (KiB:
// the small blobs, rows of small.db under local+small).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "library/library.h"
#include "library/library_test_util.h"
#include "util/sha256.h"
#ifdef PASAPROD_BLOB_SUITE_POSTGRES
#include "library/postgres/pg_blob_store.h"
#include "tests/fixtures/pg_scratch.h"
#endif

namespace pasaprod {
namespace {

using testing_library::TempDir;

// One implementation under test, and what only it knows how to do behind the store's back.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual BlobStore& store() = 0;
  // Changes one byte of the stored blob's content.
  virtual void alter(const std::string& sha256) = 0;
  // Removes the stored blob.
  virtual void lose(const std::string& sha256) = 0;
};

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(LibraryOptions options) : library_(dir_.path() / "library", options) {}
  BlobStore& store() override { return library_; }
  void alter(const std::string& sha256) override { testing_library::alter_blob(library_, sha256); }
  void lose(const std::string& sha256) override { testing_library::lose_blob(library_, sha256); }

 private:
  TempDir dir_;
  Library library_;
};

#ifdef PASAPROD_BLOB_SUITE_POSTGRES
class PostgresBackend final : public Backend {
 public:
  PostgresBackend() : db_(::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    auto opened = PgBlobStore::open(db_.url());
    if (!opened) throw std::runtime_error(opened.error().en);
    store_ = std::move(*opened);
  }
  BlobStore& store() override { return *store_; }
  void alter(const std::string& sha256) override {
    pg::Connection db(db_.url(), "");
    db.exec("UPDATE blob_chunks SET data = overlay(data placing '\\x23'::bytea from 1) "
            "WHERE seq = 0 AND content_id = (SELECT content_id FROM blob_contents WHERE sha256 = $1)",
            sha256);
  }
  void lose(const std::string& sha256) override {
    pg::Connection db(db_.url(), "");
    db.exec("DELETE FROM blob_chunks WHERE content_id = (SELECT content_id FROM blob_contents WHERE sha256 = $1)", sha256);
    db.exec("DELETE FROM blob_contents WHERE sha256 = $1", sha256);
  }

 private:
  testing_pg::PgScratchDatabase db_;
  std::unique_ptr<PgBlobStore> store_;
};
#endif

std::unique_ptr<Backend> make_backend(const std::string& name) {
#ifdef PASAPROD_BLOB_SUITE_POSTGRES
  if (name == "postgres") return std::make_unique<PostgresBackend>();
#endif
  if (name == "local+small") return std::make_unique<LocalBackend>(LibraryOptions{});
  return std::make_unique<LocalBackend>(testing_library::files_only());
}

// `n` bytes of a pattern that differs by `seed`.
std::string content(std::size_t n, int seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + static_cast<std::size_t>(seed) * 7) % 251);
  return s;
}

std::string read_all(BlobStore& store, const std::string& sha256) {
  auto reader = store.open_read(sha256);
  EXPECT_TRUE(reader) << (reader ? "" : reader.error().en);
  if (!reader) return "";
  std::string out;
  char buffer[70000];  // not a divisor of the chunk size
  for (;;) {
    auto n = (*reader)->read(buffer, sizeof buffer);
    EXPECT_TRUE(n);
    if (!n || *n == 0) break;
    out.append(buffer, *n);
  }
  EXPECT_EQ(static_cast<std::int64_t>(out.size()), (*reader)->size());
  return out;
}

// Adds `data` through a writer, in pieces of `piece` bytes.
Result<StoredBlob> add_in_pieces(BlobStore& store, const std::string& data, std::size_t piece,
                                 std::optional<std::string> expected = std::nullopt) {
  auto w = store.begin_add(std::move(expected), BlobStore::kNoLimit);
  if (!w) return w.error();
  for (std::size_t at = 0; at < data.size(); at += piece) {
    if (Status st = (*w)->write(data.data() + at, std::min(piece, data.size() - at)); !st) return st.error();
  }
  return (*w)->commit();
}

class BlobStoreContract : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  void SetUp() override { backend_ = make_backend(std::get<0>(GetParam())); }
  BlobStore& store() { return backend_->store(); }
  // A content size: `n` as written, or n / 128 with small contents.
  std::size_t sized(std::size_t n) const { return std::get<1>(GetParam()) ? n / 128 : n; }
  std::unique_ptr<Backend> backend_;
};

std::string param_name(const ::testing::TestParamInfo<std::tuple<std::string, bool>>& info) {
  std::string name = std::get<0>(info.param) == "local+small" ? "LocalSmall" : std::get<0>(info.param);
  return name + (std::get<1>(info.param) ? "_KiB" : "_MiB");
}

TEST_P(BlobStoreContract, ABlobOfSeveralChunksReadsBackWhole) {
  const std::string data = content(sized((std::size_t{5} << 19) + 12345), 1);  // 2.5 MiB and a bit
  auto added = add_in_pieces(store(), data, sized(300001));
  ASSERT_TRUE(added) << added.error().en;
  EXPECT_EQ(added->sha256, sha256_hex(data));
  EXPECT_EQ(added->size, static_cast<std::int64_t>(data.size()));
  EXPECT_FALSE(added->already_present);
  EXPECT_TRUE(store().contains(added->sha256));
  EXPECT_EQ(*store().size_of(added->sha256), static_cast<std::int64_t>(data.size()));
  EXPECT_EQ(*store().rehash(added->sha256), added->sha256);
  EXPECT_TRUE(read_all(store(), added->sha256) == data);

  // A reader that can start anywhere reads from there to the end, across chunk boundaries.
  auto reader = store().open_read(added->sha256);
  ASSERT_TRUE(reader);
  if ((*reader)->seekable()) {
    const std::int64_t from = static_cast<std::int64_t>(sized(std::size_t{1} << 20)) - 3;
    ASSERT_TRUE((*reader)->seek(from));
    std::string rest(data.size() - static_cast<std::size_t>(from), '\0');
    std::size_t got = 0;
    while (got < rest.size()) {
      auto n = (*reader)->read(rest.data() + got, 4096);
      ASSERT_TRUE(n && *n > 0);
      got += *n;
    }
    EXPECT_TRUE(rest == data.substr(static_cast<std::size_t>(from)));
    // And again from elsewhere (a second Range of the same reader).
    ASSERT_TRUE((*reader)->seek(1));
    char two[2];
    auto n = (*reader)->read(two, 2);
    ASSERT_TRUE(n && *n == 2);
    EXPECT_EQ(std::string(two, 2), data.substr(1, 2));
  }
}

TEST_P(BlobStoreContract, AnEmptyBlobIsABlob) {
  auto added = store().add_bytes("");
  ASSERT_TRUE(added) << added.error().en;
  EXPECT_EQ(added->sha256, sha256_hex(""));
  EXPECT_EQ(read_all(store(), added->sha256), "");
}

TEST_P(BlobStoreContract, AWrongDigestOrTooLargeOrAbandonedAddKeepsNothing) {
  const std::string data = content(sized(1 << 21), 2);
  const std::string sha = sha256_hex(data);
  auto mismatch = add_in_pieces(store(), data, sized(1 << 16), std::string(64, 'a'));
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().id, "library.digest_mismatch");
  EXPECT_FALSE(store().contains(sha));

  auto w = store().begin_add(std::nullopt, 1000);
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)->write(data.data(), 1001).error().code, Code::too_large);
  EXPECT_EQ((*w)->write(data.data(), 1).error().id, "library.writer_closed");
  EXPECT_EQ((*w)->commit().error().id, "library.writer_closed");

  {
    auto abandoned = store().begin_add(std::nullopt, BlobStore::kNoLimit);
    ASSERT_TRUE(abandoned);
    ASSERT_TRUE((*abandoned)->write(data.data(), data.size()));
  }  // destroyed uncommitted
  EXPECT_FALSE(store().contains(sha));
  const LibraryVerifyReport report = store().verify();
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.blobs.empty());
}

TEST_P(BlobStoreContract, BadDigestsAndAbsentBlobsAreRefusedClearly) {
  EXPECT_EQ(store().open_read("../etc/passwd").error().id, "library.invalid_sha256");
  EXPECT_EQ(store().size_of(std::string(64, 'A')).error().id, "library.invalid_sha256");
  EXPECT_EQ(store().open_read(std::string(64, 'b')).error().id, "library.not_found");
  EXPECT_EQ(store().rehash(std::string(64, 'b')).error().code, Code::not_found);
  EXPECT_FALSE(store().contains("nope"));
  EXPECT_EQ(store().begin_add(std::string("xyz"), 10).error().id, "library.invalid_sha256");
  EXPECT_EQ(store().begin_add(std::nullopt, -1).error().id, "library.invalid_max_size");
}

TEST_P(BlobStoreContract, TheSameContentAddedAtOnceLeavesOneBlob) {
  const std::string data = content(sized(3 << 20), 3);
  std::atomic<int> fresh{0}, present{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto added = add_in_pieces(store(), data, sized(1 << 18));
      if (!added) {
        ++failed;
        return;
      }
      ++(added->already_present ? present : fresh);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(fresh + present, 4);
  EXPECT_GE(fresh, 1);
  const LibraryVerifyReport report = store().verify();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.blobs, std::vector<std::string>{sha256_hex(data)});
  EXPECT_TRUE(read_all(store(), sha256_hex(data)) == data);
}

TEST_P(BlobStoreContract, DiscardRemovesOnlyWhatNothingRefersToAndWaitsForPinnedAdds) {
  auto kept = store().add_bytes("kept");
  auto dropped = store().add_bytes("dropped");
  ASSERT_TRUE(kept && dropped);
  ASSERT_TRUE(store().discard_unreferenced(kept->sha256, [] { return true; }));
  ASSERT_TRUE(store().discard_unreferenced(dropped->sha256, [] { return false; }));
  EXPECT_TRUE(store().contains(kept->sha256));
  EXPECT_FALSE(store().contains(dropped->sha256));
  EXPECT_TRUE(store().discard_unreferenced(dropped->sha256, [] { return false; }));  // absent: ok

  // A committed, pinned add: the discard waits until the pin goes, then asks again.
  auto w = store().begin_add(std::nullopt, BlobStore::kNoLimit);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write("pinned", 6));
  auto pinned = (*w)->commit();
  ASSERT_TRUE(pinned);
  std::atomic<bool> asked{false}, done{false};
  std::thread discarder([&] {
    EXPECT_TRUE(store().discard_unreferenced(pinned->sha256, [&] {
      asked = true;
      return true;  // by now its owner recorded it
    }));
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(asked) << "the discard ran while an add was pinned";
  (*w)->release_pin();
  discarder.join();
  EXPECT_TRUE(asked);
  EXPECT_TRUE(store().contains(pinned->sha256));
}

TEST_P(BlobStoreContract, VerifyFindsAnAlteredBlobAndAMissingOne) {
  const std::string data = content(sized(1 << 20), 4);
  auto added = store().add_bytes(data);
  auto other = store().add_bytes("intact");
  ASSERT_TRUE(added && other);
  EXPECT_TRUE(store().verify().ok());
  backend_->alter(added->sha256);
  const LibraryVerifyReport all = store().verify();
  ASSERT_EQ(all.problems.size(), 1u);
  EXPECT_EQ(all.problems[0].kind, LibraryProblem::Kind::corrupted);
  EXPECT_EQ(all.problems[0].sha256, added->sha256);
  EXPECT_EQ(all.checked, 2);
  EXPECT_NE(*store().rehash(added->sha256), added->sha256);

  const std::string absent(64, 'c');
  const LibraryVerifyReport listed = store().verify_blobs({other->sha256, absent, "bad"});
  ASSERT_EQ(listed.problems.size(), 2u);
  EXPECT_EQ(listed.problems[0].kind, LibraryProblem::Kind::missing);
  EXPECT_EQ(listed.problems[1].kind, LibraryProblem::Kind::invalid_sha256);
  EXPECT_EQ(store().orphan_problem(other->sha256).kind, LibraryProblem::Kind::orphan);
  EXPECT_NE(store().orphan_problem(other->sha256).es.find(other->sha256.substr(0, 12)), std::string::npos);
}

// verify() lists every stored blob (what the caller compares with its references to find
// orphans) and verify_blobs() reports a referenced blob that went missing.
TEST_P(BlobStoreContract, VerifyListsEveryBlobAndFindsALostOne) {
  auto a = store().add_bytes(content(sized(1 << 20), 6));
  auto b = store().add_bytes(content(sized(1 << 19), 7));
  ASSERT_TRUE(a && b);
  LibraryVerifyReport all = store().verify();
  EXPECT_TRUE(all.ok());
  std::sort(all.blobs.begin(), all.blobs.end());
  std::vector<std::string> expected{a->sha256, b->sha256};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all.blobs, expected);
  EXPECT_EQ(all.bytes, a->size + b->size);

  backend_->lose(a->sha256);
  EXPECT_FALSE(store().contains(a->sha256));
  EXPECT_EQ(store().open_read(a->sha256).error().id, "library.not_found");
  const LibraryVerifyReport listed = store().verify_blobs({a->sha256, b->sha256});
  ASSERT_EQ(listed.problems.size(), 1u);
  EXPECT_EQ(listed.problems[0].kind, LibraryProblem::Kind::missing);
  EXPECT_EQ(listed.problems[0].sha256, a->sha256);
  EXPECT_EQ(store().verify().blobs, std::vector<std::string>{b->sha256});
}

TEST_P(BlobStoreContract, AddFileStreamsAFileAndRefusesAnOversizedOrMissingOne) {
  TempDir dir;
  const std::string data = content(sized(3 << 20), 5);
  const auto src = dir.path() / "entregable.bin";
  std::ofstream(src, std::ios::binary) << data;
  auto too_big = store().add_file(src, std::nullopt, static_cast<std::int64_t>(sized(1 << 20)));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, Code::too_large);
  EXPECT_FALSE(store().contains(sha256_hex(data)));
  EXPECT_EQ(store().add_file(dir.path() / "no-existe", std::nullopt, 10).error().id, "library.source_not_found");
  auto added = store().add_file(src, sha256_hex(data), BlobStore::kNoLimit);
  ASSERT_TRUE(added) << added.error().en;
  EXPECT_TRUE(read_all(store(), added->sha256) == data);
}

#ifdef PASAPROD_BLOB_SUITE_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, BlobStoreContract,
                         ::testing::Combine(::testing::Values(std::string("postgres")), ::testing::Bool()), param_name);

// An add whose process died after its commit left its marker: the next recovery gives the
// blob back through `discard`, and leaves the marker of an add still alive.
TEST(PgBlobStore, RecoveryGivesBackTheBlobsOfDeadAddsOnly) {
  testing_pg::PgScratchDatabase db("recovery");
  ASSERT_TRUE(db.active()) << "run through ctest (fixture pg_cluster)";
  auto store = PgBlobStore::open(db.url());
  ASSERT_TRUE(store) << store.error().en;
  {
    // A dead add: its blob and marker are there, nobody holds the marker's lock.
    auto added = (*store)->add_bytes("muerto");
    ASSERT_TRUE(added);
    pg::Connection c(db.url(), "");
    c.exec("INSERT INTO blob_pending (token, sha256) VALUES (424242, $1)", added->sha256);
  }
  auto alive = (*store)->begin_add(std::nullopt, BlobStore::kNoLimit);
  ASSERT_TRUE(alive);
  ASSERT_TRUE((*alive)->write("vivo", 4));
  auto alive_blob = (*alive)->commit();
  ASSERT_TRUE(alive_blob);
  (*alive)->release_pin();  // its marker stays until the writer ends

  std::vector<std::string> given_back;
  auto handled = (*store)->recover_interrupted_adds([&](const std::string& sha) {
    given_back.push_back(sha);
    return (*store)->discard_unreferenced(sha, [] { return false; });
  });
  ASSERT_TRUE(handled) << handled.error().en;
  EXPECT_EQ(*handled, 1);
  ASSERT_EQ(given_back.size(), 1u);
  EXPECT_EQ(given_back[0], sha256_hex("muerto"));
  EXPECT_FALSE((*store)->contains(sha256_hex("muerto")));
  EXPECT_TRUE((*store)->contains(alive_blob->sha256));
  alive->reset();  // the add ends: its marker goes
  pg::Connection c(db.url(), "");
  EXPECT_EQ(c.exec("SELECT count(*) FROM blob_pending").row(0).integer(0), 0);
}

// Chunks that belong to no blob were put there by hand: verify says so.
TEST(PgBlobStore, VerifyReportsChunksOfNoBlob) {
  testing_pg::PgScratchDatabase db("stray");
  auto store = PgBlobStore::open(db.url());
  ASSERT_TRUE(store) << store.error().en;
  pg::Connection c(db.url(), "");
  c.exec("INSERT INTO blob_chunks (content_id, seq, data) VALUES (99999, 0, '\\x00'::bytea)");
  const LibraryVerifyReport report = (*store)->verify();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, LibraryProblem::Kind::misplaced);
}

// Tables newer than this program: refused, not written to.
TEST(PgBlobStore, RefusesTablesOfANewerVersion) {
  testing_pg::PgScratchDatabase db("newer");
  ASSERT_TRUE(PgBlobStore::open(db.url()));
  pg::Connection(db.url(), "").exec("INSERT INTO blob_schema (version) VALUES (99)");
  auto again = PgBlobStore::open(db.url());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().id, "library.schema_newer");
}
#else
INSTANTIATE_TEST_SUITE_P(Local, BlobStoreContract,
                         ::testing::Combine(::testing::Values(std::string("local"), std::string("local+small")),
                                            ::testing::Bool()),
                         param_name);
#endif

}  // namespace
}  // namespace pasaprod
