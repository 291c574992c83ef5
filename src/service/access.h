// Who is calling: sign-in with a password, browser sessions, personal API tokens.
//
// With a directory (AccessOptions::directory), a username that is not a local account with a
// password is signed in against the office's directory: the first sign-in creates the user
// (name and e-mail from the directory), and every sign-in replaces the roles its groups give
// (User::directory_grants; roles given by hand stay). A directory account's sessions and
// tokens are re-checked against the directory when used `directory_recheck_ms` after the last
// check: a person the directory no longer finds (removed, or disabled as the user filter
// says) has their sessions ended and their tokens revoked, and is refused. Local accounts
// never consult the directory, so they keep working while it is down.
//
// Passwords are stored as argon2id hashes; session ids and API tokens are random secrets
// given out once and stored only as SHA-256 digests. Failed sign-ins delay the next
// attempt of the same account from the same address (auth/throttle.h; kept in the database). Every sign-in, sign-out, failed attempt, token change and password
// change is an audit event.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/directory.h"
#include "auth/throttle.h"
#include "service/office.h"

namespace pasaprod {

struct Principal {
  User user;
  std::string via;             // "session" or "token"
  std::string session_digest;  // via session
  std::string csrf_token;      // via session: must accompany every state change
  std::int64_t token_id = 0;   // via token
};

struct NewSession {
  std::string id;  // the secret for the cookie; not stored
  SessionRecord record;  // record.expires_at: the idle deadline, moved forward while it is used
  Timestamp lifetime_end = 0;  // never valid after this, used or not (the cookie's Max-Age)
};

struct NewToken {
  std::string token;  // shown once; not stored
  ApiToken record;
};

// How long a new API token is valid, in days: kTokenDefaultDays unless the creator chooses
// between 1 and kTokenMaxDays.
inline constexpr int kTokenDefaultDays = 90;
// The longest username sign_in() considers (longer ones are refused before any audit write).
inline constexpr std::size_t kMaxUsernameBytes = 64;
inline constexpr int kTokenMaxDays = 365;

struct AccessOptions {
  Timestamp session_ttl_ms = 12LL * 3600 * 1000;  // a session's whole life
  Timestamp session_idle_ms = 2LL * 3600 * 1000;  // unused this long, it ends; 0 = no idle limit
  bool interactive_hashing = true;  // false: libsodium's minimum argon2id cost (tests, demo), dummy hash included
  auth::ThrottlePolicy throttle{};
  // Told the outcome of every sign_in(): "success", "failure" (wrong user or password),
  // "throttled", "invalid" (malformed username) or "error". Thread-safe and quick (metrics).
  std::function<void(const char* outcome)> on_sign_in;
  // The office's directory; null = local accounts only.
  std::shared_ptr<auth::Directory> directory;
  auth::GroupMap group_map;  // directory groups → roles (checked against the procedure by the caller)
  // A directory account's session or token is checked against the directory again when used
  // this long after the directory last confirmed the account (0 = at every use).
  Timestamp directory_recheck_ms = 5 * 60 * 1000;
  // After the directory failed to answer a re-check, re-checks wait this long (the last known
  // state stands meanwhile), so that a directory that is down does not slow every request.
  Timestamp directory_retry_ms = 60 * 1000;
};

class Access {
 public:
  Access(Office& office, AccessOptions options = {});

  // unauthenticated (same message whether the user or the password is wrong),
  // too many attempts → permission_denied "signin.throttled" with detail retry_after_s,
  // the directory not answering (directory accounts only) → unavailable "directory.unavailable".
  // Blocks up to the directory's timeout: call it from a handler thread.
  Result<NewSession> sign_in(const std::string& username, const std::string& password, const std::string& address);
  Status sign_out(const std::string& session_id);
  // unauthenticated when the session is unknown, expired, or its user inactive; for a directory
  // account due for a re-check that the directory no longer finds, "directory.account_gone".
  Result<Principal> from_session(const std::string& session_id);
  // unauthenticated when the token is unknown, revoked ("token.invalid"), expired
  // ("token.expired", saying when) or its user inactive. Records its use.
  Result<Principal> from_token(const std::string& token);

  // A token valid for `valid_days` (1..kTokenMaxDays; invalid_argument "token.bad_days" with
  // field "expires_in_days" otherwise).
  Result<NewToken> create_token(const Caller& caller, const std::string& username, const std::string& name,
                                int valid_days = kTokenDefaultDays);
  Result<std::vector<ApiToken>> tokens(const std::string& username);
  // Every user's tokens, revoked included, newest first (digests are in the records; never show
  // them). Admin or local caller; permission_denied "role.required" otherwise.
  Result<std::vector<ApiToken>> all_tokens(const Caller& caller);
  // The owner, an admin or a local caller (permission_denied "role.required" otherwise);
  // not_found unless `username` owns token `id`. Audit event "token.revoke" (actor: the caller).
  Status revoke_token(const Caller& caller, const std::string& username, std::int64_t id);

  // Sets a password (failed_precondition "password.directory" for a directory account, whose
  // password only the directory knows): the user themself (with `current` right), an admin, or a local caller.
  // Ends every session of the user but `keep_session_digest` (the caller's own, on a self
  // change; "" = none kept). A reset by someone else (admin, local caller) also revokes the
  // user's API tokens: whoever may have learnt the old password may have made one.
  Status set_password(const Caller& caller, const std::string& username, const std::string& password,
                      const std::optional<std::string>& current = std::nullopt,
                      const std::string& keep_session_digest = "");

 private:
  Result<NewSession> sign_in_unobserved(const std::string& username, const std::string& password,
                                        const std::string& address);
  // The principal of an active user (read in the same transaction as the session or token).
  Result<Principal> principal_for(const std::optional<User>& user);
  // Counts a failed attempt of the pair and writes its audit event (the refusal stands even
  // when this cannot be written).
  void record_failure(const std::string& username, const std::string& address, Timestamp now);
  Result<NewSession> sign_in_directory(const std::string& username, const std::string& password, const std::string& address,
                                       const std::optional<SignInFailures>& failures);
  // For a directory account due for a re-check: asks the directory, then refreshes the user's
  // roles, name and e-mail (updating `user`), or ends the account's sessions and tokens.
  Status recheck_directory(User& user);
  Result<NewSession> open_session(const std::string& username, const std::string& address, Timestamp now,
                                  const std::optional<SignInFailures>& failures, const std::function<Status(WriteTx&)>& before);
  // ok for a local caller or an active admin; else permission_denied naming `what`.
  Status require_token_admin(const Caller& caller, const std::string& what_es, const std::string& what_en);
  Office& office_;
  const AccessOptions options_;
  std::string dummy_hash_;  // verified for unknown users: same cost as a real password's hash
  std::atomic<Timestamp> directory_skip_until_{0};  // re-checks wait until then (the directory was down)
};

}  // namespace pasaprod
