// A process killed while an action issues its document leaves no orphan blob once the office is
// opened again, on both blob stores (the library folder with SQLite; the library inside
// PostgreSQL under the fixture pg_cluster, see CMakeLists.txt):
//  * killed after the PDF is in the library but before the action's write commits: the start's
//    recovery (Office::recover_interrupted_uploads) gives the PDF back, nothing was recorded, and
//    the action taken again issues the document;
//  * killed after the write committed but before the blob's pin was released: the recovery keeps
//    the PDF, which the document row refers to.
// The same two points for an upload of a small deliverable (4 KiB: a row of the library's
// small.db, its marker written in the same commit): the recovery gives back the blob of an upload
// never recorded and keeps the one recorded.
// The child process runs the office over StopAtWrite, which tells the test where it stands and
// waits to be SIGKILLed at the chosen point.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "audit/file_anchor.h"
#include "core/time.h"
#include "forwarding_store.h"
#include "library/library.h"
#include "library/postgres/pg_blob_store.h"
#include "service/demo.h"
#include "service/office.h"
#include "storage/open/open_store.h"
#include "tests/fixtures/pg_scratch.h"
#include "util/sha256.h"
#include "util/system_clock.h"

namespace pasaprod {
namespace {

namespace fs = std::filesystem;

enum class KillPoint { before_write, after_write };

// Passes writes through; the first write (the action's) stops at `point`: the process reports
// on `ready_fd` and waits for its SIGKILL.
class StopAtWrite final : public ForwardingStore {
 public:
  StopAtWrite(Store& inner, KillPoint point, int ready_fd) : ForwardingStore(inner), point_(point), ready_fd_(ready_fd) {}
  Status write(const std::function<Status(WriteTx&)>& fn) override {
    if (point_ == KillPoint::after_write) {
      if (Status st = inner_.write(fn); !st) ::_exit(3);
    }
    const char c = 'k';
    if (::write(ready_fd_, &c, 1) != 1) ::_exit(4);
    for (;;) ::pause();
  }

 private:
  KillPoint point_;
  int ready_fd_;
};

ActionInput approve() {
  ActionInput in;
  in.action = "committee_approve";
  return in;
}

const Caller kElena{"elena.comite"};

class DocumentKill : public ::testing::TestWithParam<KillPoint> {
 protected:
  DocumentKill()
      : dir_(fs::temp_directory_path() / ("pasaprod-dockill-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(static_cast<int>(GetParam())))),
        pg_("dockill" + std::to_string(static_cast<int>(GetParam()))),
        clock_(parse_iso("2026-11-02T15:00:00Z").value()),
        procedures_(ProcedureSet::builtin()) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~DocumentKill() override { fs::remove_all(dir_); }

  // An office over this test's database and blob store, as a process opens it.
  struct Opened {
    std::unique_ptr<audit::FileAnchor> anchor;
    std::unique_ptr<AnchoredStore> store;
    std::unique_ptr<BlobStore> blobs;
  };
  Opened open() {
    Opened o;
    o.anchor = std::make_unique<audit::FileAnchor>((dir_ / "p.anchor").string());
    auto store = open_store(pg_.active() ? pg_.url() : (dir_ / "p.db").string(), o.anchor.get());
    if (!store) throw std::runtime_error(store.error().en);
    o.store = std::move(*store);
    if (pg_.active()) {
      auto blobs = PgBlobStore::open(pg_.url());
      if (!blobs) throw std::runtime_error(blobs.error().en);
      o.blobs = std::move(*blobs);
    } else {
      o.blobs = std::make_unique<Library>(dir_ / "library");
    }
    return o;
  }

  // A request waiting for the committee's approval, which issues the committee's acta.
  std::string prepare() {
    Opened o = open();
    Office office(*o.store, *o.blobs, clock_, procedures_);
    office.set_document_key("kill-document-key");
    EXPECT_TRUE(seed_demo_people_and_systems(office, nullptr));
    auto n = walk_demo_release(office, "SIAGIE", "emergency", "Corrección urgente", "committee", nullptr);
    if (!n) throw std::runtime_error(n.error().en);
    EXPECT_TRUE(office.record(kElena, *n, "vote", {{"decision", "approve"}, {"note", "Urgente"}}));
    EXPECT_TRUE(office.record(Caller{"raul.comite"}, *n, "vote", {{"decision", "approve"}, {"note", "Conforme"}}));
    return *n;
  }

  // In a child process: approves `number` over StopAtWrite and is killed at GetParam().
  void approve_until_killed(const std::string& number) {
    run_until_killed([&](Office& office) { (void)office.act(kElena, number, approve()); });
  }

  // In a child process: runs `step` on an office over StopAtWrite, killed at GetParam() of its
  // first write.
  void run_until_killed(const std::function<void(Office&)>& step) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      try {
        Opened o = open();
        StopAtWrite stopping(*o.store, GetParam(), fds[1]);
        Office office(stopping, *o.blobs, clock_, procedures_);
        office.set_document_key("kill-document-key");
        step(office);
      } catch (...) {
      }
      ::_exit(2);  // StopAtWrite never returns: reaching here is a failure
    }
    ::close(fds[1]);
    char c = 0;
    const bool reached = ::read(fds[0], &c, 1) == 1;
    ::close(fds[0]);
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(reached) << "the child ended before the action's write (status " << status << ")";
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }

  // What `pasaprod library verify` checks: every blob intact and referenced, every reference present.
  static void expect_library_clean(Office& office) {
    const LibraryVerifyReport all = office.library().verify();
    EXPECT_TRUE(all.ok()) << all.problems.front().en;
    std::vector<std::string> refs;
    ASSERT_TRUE(office.store().read([&](ReadTx& tx) {
      refs = tx.referenced_blobs();
      return ok_status();
    }));
    EXPECT_TRUE(office.library().verify_blobs(refs).ok()) << "a recorded blob is missing";
    const std::set<std::string> referenced(refs.begin(), refs.end());
    for (const std::string& sha : all.blobs) EXPECT_TRUE(referenced.contains(sha)) << "orphan blob " << sha;
  }

  fs::path dir_;
  testing_pg::PgScratchDatabase pg_;
  FixedClock clock_;
  ProcedureSet procedures_;
};

TEST_P(DocumentKill, AKillWhileIssuingADocumentLeavesNoOrphanAfterTheNextStart) {
  const std::string number = prepare();
  approve_until_killed(number);

  Opened o = open();
  Office office(*o.store, *o.blobs, clock_, procedures_);
  office.set_document_key("kill-document-key");
  auto recovered = office.recover_interrupted_uploads();
  ASSERT_TRUE(recovered) << recovered.error().en;
  EXPECT_EQ(*recovered, 1) << "the killed add was not found at start";
  expect_library_clean(office);

  auto docs = office.documents(number);
  ASSERT_TRUE(docs) << docs.error().en;
  if (GetParam() == KillPoint::before_write) {
    EXPECT_TRUE(docs->empty()) << "a document was recorded by a write that never committed";
    auto again = office.act(kElena, number, approve());
    ASSERT_TRUE(again) << again.error().en;
    docs = office.documents(number);
    ASSERT_TRUE(docs) << docs.error().en;
  }
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_TRUE(office.library().contains(docs->front().sha256));
  expect_library_clean(office);
}

TEST_P(DocumentKill, AKillWhileRecordingASmallUploadLeavesNoOrphanAfterTheNextStart) {
  const Caller lead{"pedro.lider"};
  std::string number;
  {
    Opened o = open();
    Office office(*o.store, *o.blobs, clock_, procedures_);
    ASSERT_TRUE(seed_demo_people_and_systems(office, nullptr));
    auto n = walk_demo_release(office, "SIAGIE", "emergency", "Parche pequeño", "draft", nullptr);
    ASSERT_TRUE(n) << n.error().en;
    number = *n;
  }
  const std::string content(4096, 'u');
  run_until_killed([&](Office& office) {
    auto up = office.begin_upload(lead, number, "db_scripts", "parche.sql", std::nullopt, 1 << 20);
    if (!up || !(*up)->write(content.data(), content.size())) ::_exit(5);
    (void)(*up)->finish();  // stores the blob, then stops at the write that records it
  });

  Opened o = open();
  Office office(*o.store, *o.blobs, clock_, procedures_);
  auto recovered = office.recover_interrupted_uploads();
  ASSERT_TRUE(recovered) << recovered.error().en;
  EXPECT_EQ(*recovered, 1) << "the killed upload was not found at start";
  expect_library_clean(office);
  auto view = office.view(number, "");
  ASSERT_TRUE(view) << view.error().en;
  const bool recorded = std::any_of(view->release.files.begin(), view->release.files.end(),
                                    [](const DeliverableFile& f) { return f.name == "parche.sql"; });
  EXPECT_EQ(recorded, GetParam() == KillPoint::after_write);
  EXPECT_EQ(office.library().contains(sha256_hex(content)), recorded) << "the blob outlives its upload or is lost";
  if (!pg_.active()) {
    EXPECT_FALSE(fs::exists(static_cast<Library&>(*o.blobs).path_of(sha256_hex(content)))) << "a small upload is a row";
  }
  if (!recorded) {  // the upload again works
    auto up = office.begin_upload(lead, number, "db_scripts", "parche.sql", std::nullopt, 1 << 20);
    ASSERT_TRUE(up) << up.error().en;
    ASSERT_TRUE((*up)->write(content.data(), content.size()));
    auto file = (*up)->finish();
    ASSERT_TRUE(file) << file.error().en;
    EXPECT_TRUE(office.library().contains(sha256_hex(content)));
  }
  expect_library_clean(office);
}

INSTANTIATE_TEST_SUITE_P(Points, DocumentKill, ::testing::Values(KillPoint::before_write, KillPoint::after_write),
                         [](const auto& info) { return info.param == KillPoint::before_write ? "BeforeTheWrite" : "AfterTheWrite"; });

}  // namespace
}  // namespace pasaprod
