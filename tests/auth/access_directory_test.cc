// Access (service/access.h) with a fake directory: which sign-ins ask the directory, what a
// directory that is down does to sign-ins and re-checks, roles refreshed by a re-check, and a
// person gone from the directory losing sessions and tokens. The real directory: tests/ldap.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <mutex>

#include "audit/file_anchor.h"
#include "auth/directory.h"
#include "library/library.h"
#include "service/access.h"
#include "service/office.h"
#include "service/procedures.h"
#include "storage/open/open_store.h"
#include "util/system_clock.h"

namespace pasaprod {
namespace {

namespace fs = std::filesystem;

// Answers from a table; counts the calls. TEST_ fields are set by the test between calls.
class FakeDirectory final : public auth::Directory {
 public:
  Result<auth::DirectoryEntry> authenticate(const std::string& username, const std::string& password) override {
    std::lock_guard lock(mu_);
    ++calls;
    if (down) return make_error(Code::unavailable, "directory.unavailable", "caído", "down");
    if (username != "dora" || password != "dora-password" || gone) {
      return make_error(Code::unauthenticated, "directory.bad_credentials", "no", "no");
    }
    return entry;
  }
  Result<auth::DirectoryEntry> lookup(const std::string& username) override {
    std::lock_guard lock(mu_);
    ++calls;
    if (down) return make_error(Code::unavailable, "directory.unavailable", "caído", "down");
    if (username != "dora" || gone) return make_error(Code::not_found, "directory.no_such_user", "no", "no");
    return entry;
  }
  int calls = 0;
  bool down = false;
  bool gone = false;
  auth::DirectoryEntry entry{"uid=dora,dc=example,dc=pe", "Dora D", "dora@example.pe", {"cn=admins,dc=example,dc=pe"}};

 private:
  std::mutex mu_;
};

class AccessDirectory : public ::testing::Test {
 protected:
  AccessDirectory()
      : dir_(make_dir()),
        clock_(1'800'000'000'000),
        procedures_(ProcedureSet::builtin()),
        anchor_((dir_ / "p.db.anchor").string()),
        store_(open_store()),
        library_(dir_ / "library"),
        office_(*store_, library_, clock_, procedures_) {
    fake_ = std::make_shared<FakeDirectory>();
    AccessOptions o;
    o.interactive_hashing = false;
    o.directory = fake_;
    o.group_map = *auth::parse_group_map("cn=admins,dc=example,dc=pe => admin\ncn=quality,dc=example,dc=pe => qa_lead\n");
    o.directory_recheck_ms = 60'000;
    o.directory_retry_ms = 30'000;
    access_ = std::make_unique<Access>(office_, o);
    const Caller local{"setup", true};
    User admin{"admin", "Admin", "", true, "es", {{"admin", ""}}, {}, "", 0};
    EXPECT_TRUE(office_.add_user(local, admin));
    EXPECT_TRUE(access_->set_password(local, "admin", "admin-password"));
  }
  ~AccessDirectory() override {
    access_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static fs::path make_dir() {
    std::string pattern = (fs::temp_directory_path() / "pasaprod-accessdir-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
  }
  std::unique_ptr<AnchoredStore> open_store() {
    auto s = pasaprod::open_store((dir_ / "p.db").string(), &anchor_);
    if (!s) throw std::runtime_error(s.error().en);
    return std::move(*s);
  }

  fs::path dir_;
  FixedClock clock_;
  ProcedureSet procedures_;
  audit::FileAnchor anchor_;
  std::unique_ptr<AnchoredStore> store_;
  Library library_;
  Office office_;
  std::shared_ptr<FakeDirectory> fake_;
  std::unique_ptr<Access> access_;
};

TEST_F(AccessDirectory, LocalAccountWithAPasswordNeverAsksTheDirectory) {
  fake_->down = true;
  ASSERT_TRUE(access_->sign_in("admin", "admin-password", "10.0.0.1"));
  EXPECT_FALSE(access_->sign_in("admin", "wrong-password", "10.0.0.1"));
  EXPECT_EQ(fake_->calls, 0);
}

TEST_F(AccessDirectory, FirstSignInCreatesTheUserAndADownDirectoryIsNotAFailedAttempt) {
  fake_->down = true;
  for (int i = 0; i < 6; ++i) {
    auto s = access_->sign_in("dora", "dora-password", "10.0.0.1");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().id, "directory.unavailable");  // never "signin.throttled"
  }
  fake_->down = false;
  auto s = access_->sign_in("DORA", "dora-password", "10.0.0.1");
  ASSERT_TRUE(s) << s.error().en;
  auto u = office_.user("dora");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->from_directory());
  EXPECT_EQ(u->name, "Dora D");
  EXPECT_EQ(u->email, "dora@example.pe");
  EXPECT_TRUE(u->holds("admin", ""));
  EXPECT_TRUE(u->grants.empty());
  auto pw = access_->set_password(Caller{"setup", true}, "dora", "a-local-password");
  ASSERT_FALSE(pw);
  EXPECT_EQ(pw.error().id, "password.directory");
}

TEST_F(AccessDirectory, RecheckRefreshesRolesWaitsWhileTheDirectoryIsDownAndEndsAGoneAccount) {
  auto s = access_->sign_in("dora", "dora-password", "10.0.0.1");
  ASSERT_TRUE(s);
  auto t = access_->create_token(Caller{"dora"}, "dora", "ci");
  ASSERT_TRUE(t);
  const int after_sign_in = fake_->calls;
  // Within the re-check interval: no call.
  ASSERT_TRUE(access_->from_token(t->token));
  EXPECT_EQ(fake_->calls, after_sign_in);
  // Due: the groups changed, so do the roles.
  fake_->entry.groups = {"cn=quality,dc=example,dc=pe"};
  clock_.advance_ms(61'000);
  auto p = access_->from_token(t->token);
  ASSERT_TRUE(p);
  EXPECT_EQ(fake_->calls, after_sign_in + 1);
  EXPECT_FALSE(p->user.holds("admin", ""));
  EXPECT_TRUE(p->user.holds("qa_lead", ""));
  // Down: the last known state stands, and the directory is not asked again for a while.
  fake_->down = true;
  clock_.advance_ms(61'000);
  ASSERT_TRUE(access_->from_token(t->token));
  ASSERT_TRUE(access_->from_session(s->id));
  EXPECT_EQ(fake_->calls, after_sign_in + 2);
  clock_.advance_ms(31'000);
  ASSERT_TRUE(access_->from_token(t->token));
  EXPECT_EQ(fake_->calls, after_sign_in + 3);
  // Gone: refused, the session ended and the token revoked.
  fake_->down = false;
  fake_->gone = true;
  clock_.advance_ms(31'000);
  auto gone = access_->from_token(t->token);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().id, "directory.account_gone");
  auto again = access_->from_token(t->token);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().id, "token.invalid");
  EXPECT_FALSE(access_->from_session(s->id));
  EXPECT_FALSE(access_->sign_in("dora", "dora-password", "10.0.0.1"));
}

TEST_F(AccessDirectory, AUserCreatedByHandBecomesADirectoryAccountButALocalPasswordIsNeverTakenOver) {
  const Caller local{"setup", true};
  ASSERT_TRUE(office_.add_user(local, User{"dora", "Dora (by hand)", "", true, "es", {{"dba", ""}}, {}, "", 0}));
  ASSERT_TRUE(access_->sign_in("dora", "dora-password", "10.0.0.1"));
  auto u = office_.user("dora");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->from_directory());
  EXPECT_TRUE(u->holds("dba", ""));    // given by hand: stays
  EXPECT_TRUE(u->holds("admin", ""));  // from the directory
  // "admin" is local with a password: the directory is never asked, whatever it would say.
  const int calls = fake_->calls;
  EXPECT_FALSE(access_->sign_in("admin", "dora-password", "10.0.0.2"));
  EXPECT_EQ(fake_->calls, calls);
}

}  // namespace
}  // namespace pasaprod
