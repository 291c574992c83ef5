// The anchor key kept away from the database (FileAnchor's key path) and the syslog witness of
// each anchored head (audit/witness.h), against a datagram socket standing in for /dev/log.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "audit/file_anchor.h"
#include "audit/witness.h"
#include "storage/open/open_store.h"
#include "tests/store/test_util.h"

namespace pasaprod::testing_store {
namespace {

namespace fs = std::filesystem;

// A bound Unix datagram socket: what syslog receives.
class FakeSyslog {
 public:
  explicit FakeSyslog(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  }
  ~FakeSyslog() { ::close(fd_); }
  // The datagrams received so far.
  std::vector<std::string> received() {
    std::vector<std::string> out;
    char buf[2048];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) break;
      out.emplace_back(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

Status append(Store& store, int i) {
  return store.write([&](WriteTx& tx) -> Status {
    auto e = tx.append_event(sample_event("r", i));
    return e ? ok_status() : Status(e.error());
  });
}

TEST(AnchorKey, KeptAtItsOwnPathNotBesideTheAnchor) {
  TempDir data, keys;
  audit::FileAnchor anchor(data.file("p.db.anchor"), keys.file("anchor.key"));
  {
    auto store = std::move(open_store(data.file("p.db"), &anchor).value());
    ASSERT_TRUE(append(*store, 1).ok());
  }
  EXPECT_TRUE(fs::exists(keys.file("anchor.key")));
  EXPECT_EQ(fs::file_size(keys.file("anchor.key")), 32u);
  EXPECT_FALSE(fs::exists(data.file("p.db.anchor.key")));
  EXPECT_EQ(anchor.load()->seq, 1);
  // Looked for beside the anchor (the default), the key is not there: the anchor cannot be
  // trusted and writes are refused.
  audit::FileAnchor beside(data.file("p.db.anchor"));
  EXPECT_THROW(beside.load(), audit::AnchorInvalid);
  auto store = std::move(open_store(data.file("p.db"), &beside).value());
  Status st = append(*store, 2);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().id, "audit.anchor_failed");
  EXPECT_NE(st.error().en.find("anchor key is missing"), std::string::npos) << st.error().en;
}

TEST(AnchorKey, DeletedKeyRefusesWritesAndFailsVerify) {
  TempDir data, keys;
  audit::FileAnchor anchor(data.file("p.db.anchor"), keys.file("anchor.key"));
  {
    auto store = std::move(open_store(data.file("p.db"), &anchor).value());
    ASSERT_TRUE(append(*store, 1).ok());
  }
  fs::remove(keys.file("anchor.key"));
  auto store = std::move(open_store(data.file("p.db"), &anchor).value());
  EXPECT_EQ(append(*store, 2).error().id, "audit.anchor_failed");
  auto report = store->verify_audit();
  EXPECT_FALSE(report.ok);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_EQ(report.problems[0].id, "audit.anchor_invalid");
  EXPECT_FALSE(fs::exists(keys.file("anchor.key"))) << "a refused write must not create a new key";
}

TEST(SyslogWitness, EveryAnchoredHeadIsSent) {
  TempDir dir;
  FakeSyslog log(dir.file("log.sock"));
  audit::FileAnchor file(dir.file("p.db.anchor"));
  audit::WitnessedAnchor anchor(file, audit::syslog_witness(log.path(), "p.db"));
  auto store = std::move(open_store(dir.file("p.db"), &anchor).value());
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(append(*store, i).ok());
  std::vector<std::string> lines = log.received();
  ASSERT_EQ(lines.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const std::string prefix = "<85>pasaprod[" + std::to_string(::getpid()) + "]: audit head db=p.db seq=" +
                               std::to_string(i + 1) + " hash=";
    EXPECT_EQ(lines[i].rfind(prefix, 0), 0u) << lines[i];
  }
  const AnchorHead head = *file.load();
  EXPECT_EQ(lines.back().substr(lines.back().size() - 64), head.hash);
}

TEST(SyslogWitness, UnreachableWitnessDoesNotStopTheOffice) {
  TempDir dir;
  audit::FileAnchor file(dir.file("p.db.anchor"));
  audit::WitnessedAnchor anchor(file, audit::syslog_witness(dir.file("nobody.sock"), "p.db"));
  auto store = std::move(open_store(dir.file("p.db"), &anchor).value());
  ASSERT_TRUE(append(*store, 1).ok());
  EXPECT_EQ(file.load()->seq, 1);
}

}  // namespace
}  // namespace pasaprod::testing_store
