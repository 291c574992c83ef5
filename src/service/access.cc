#include "service/access.h"

#include <algorithm>
#include <cctype>

#include "auth/credentials.h"
#include "core/text.h"
#include "core/time.h"
#include "service/office_internal.h"

namespace pasaprod {

using nlohmann::json;
using office_internal::event;

namespace {

// Checked when the username is unknown, so that refusal costs as much as a wrong password: an
// argon2id hash at libsodium's interactive cost (what `user passwd` stores) of a random
// password nobody kept. A constant, so that starting the server costs no 64 MiB hash.
constexpr const char* kUnknownUserHash =
    "$argon2id$v=19$m=65536,t=2,p=1$0VAdtHBeRrpHS1iLmXmllw$2gHj9wEQpL7NEbuXgMVV82sTfTOiYZ16QlrdZK37a4I";

Error bad_credentials() {
  return make_error(Code::unauthenticated, "signin.failed", "Usuario o contraseña incorrectos.", "Wrong username or password.");
}

json grants_json(const std::vector<RoleGrant>& grants) {
  json out = json::array();
  for (const auto& g : grants) out.push_back(g.system.empty() ? json(g.role) : json(g.role + "@" + g.system));
  return out;
}

// What the audit trail keeps of a directory account ("roles": those given by hand, as in
// every user.* event; "directory_roles": those its groups give).
json directory_user_json(const User& u) {
  return {{"username", u.username}, {"name", u.name}, {"email", u.email}, {"active", u.active}, {"lang", u.lang},
          {"roles", grants_json(u.grants)}, {"directory_roles", grants_json(u.directory_grants)}, {"directory_dn", u.directory_dn}};
}

// A directory login becomes a pasaprod username: ASCII lowercase (directories compare
// logins without case), 1–64 letters, digits, ".", "-" or "_"; "" when it cannot.
std::string directory_username(const std::string& login) {
  if (login.empty() || login.size() > 64) return {};
  std::string out;
  for (char c : login) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '.' || c == '-' || c == '_') || u >= 0x80) return {};
    out += static_cast<char>(std::tolower(u));
  }
  return out;
}

// At most `max` bytes of UTF-8 text, cut at a character boundary; "" when not valid UTF-8.
std::string bounded_text(const std::string& s, std::size_t max) {
  if (!is_valid_utf8(s)) return {};
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// The user after the directory's answer: its name and e-mail when given, its groups' roles.
User with_directory_entry(User u, const auth::DirectoryEntry& e, const auth::GroupMap& map, Timestamp now) {
  if (auto name = bounded_text(e.name, 200); !name.empty()) u.name = name;
  if (auto mail = bounded_text(e.email, 200); !mail.empty()) u.email = mail;
  u.directory_dn = e.dn;
  u.directory_checked_at = now;
  u.directory_grants = map.roles_for(e.groups);
  return u;
}

bool same_account(const User& a, const User& b) {
  return a.name == b.name && a.email == b.email && a.directory_dn == b.directory_dn && a.directory_grants == b.directory_grants;
}

Error account_gone() {
  return make_error(Code::unauthenticated, "directory.account_gone",
                    "Su cuenta ya no está habilitada en el directorio de la oficina: sus sesiones terminaron y sus tokens de API "
                    "fueron revocados. Si es un error, pida al administrador del directorio que la habilite.",
                    "Your account is no longer enabled in the office's directory: your sessions ended and your API tokens were "
                    "revoked. If this is a mistake, ask the directory's administrator to enable it.");
}

Error not_signed_in() {
  return make_error(Code::unauthenticated, "signin.required", "Inicie sesión para continuar (su sesión expiró o no es válida).",
                    "Sign in to continue (your session expired or is not valid).");
}

}  // namespace

Access::Access(Office& office, AccessOptions options) : office_(office), options_(options) {
  auth::init();
  dummy_hash_ = kUnknownUserHash;
  if (!options_.interactive_hashing) {  // then real hashes are cheap too: so is the dummy one
    if (auto h = auth::hash_password(auth::random_secret(16), false)) dummy_hash_ = *h;
  }
}

Result<Principal> Access::principal_for(const std::optional<User>& u) {
  if (!u || !u->active) return not_signed_in();
  Principal p;
  p.user = *u;
  return p;
}

Result<NewSession> Access::sign_in(const std::string& username, const std::string& password, const std::string& address) {
  Result<NewSession> r = sign_in_unobserved(username, password, address);
  if (options_.on_sign_in) {
    const char* outcome = "success";
    if (!r) {
      const std::string& id = r.error().id;
      outcome = id == "signin.throttled" ? "throttled"
                : id == "signin.bad_username" ? "invalid"
                : r.error().code == Code::unauthenticated ? "failure"
                                                          : "error";
    }
    options_.on_sign_in(outcome);
  }
  return r;
}

Result<NewSession> Access::sign_in_unobserved(const std::string& username, const std::string& password,
                                              const std::string& address) {
  const Timestamp now = office_.now();
  // No account has such a name: refused before anything is hashed or written to the audit trail.
  if (username.size() > kMaxUsernameBytes || !is_valid_utf8(username)) {
    return make_error(Code::invalid_argument, "signin.bad_username",
                      "El usuario debe ser texto UTF-8 de hasta " + std::to_string(kMaxUsernameBytes) + " bytes.",
                      "The username must be UTF-8 text of at most " + std::to_string(kMaxUsernameBytes) + " bytes.")
        .with("field", "username")
        .with("limit", std::to_string(kMaxUsernameBytes));
  }
  std::optional<SignInFailures> failures;
  if (Status r = office_.store().read([&](ReadTx& tx) -> Status {
        failures = tx.signin_failures(username, address);
        return ok_status();
      });
      !r) {
    return r.error();
  }
  const bool fresh = failures && now - failures->last_failure <= options_.throttle.window_ms;
  if (const Timestamp wait = fresh && failures->until > now ? failures->until - now : 0; wait > 0) {
    const std::string secs = std::to_string((wait + 999) / 1000);
    return make_error(Code::permission_denied, "signin.throttled",
                      "Demasiados intentos fallidos. Espere " + secs + " segundos antes de volver a intentar.",
                      "Too many failed attempts. Wait " + secs + " seconds before trying again.")
        .with("retry_after_s", secs);
  }
  std::optional<std::string> hash;
  std::optional<User> user;
  Status st = office_.store().read([&](ReadTx& tx) -> Status {
    auto u = tx.user(username);
    if (u) user = *u;
    hash = tx.password_hash(username);
    return ok_status();
  });
  if (!st) return st.error();
  // A local account with a password never asks the directory (so it works while it is down).
  if (options_.directory && !(user && !user->from_directory() && hash)) {
    return sign_in_directory(username, password, address, failures);
  }
  // Always one argon2id verification: an unknown user must not answer faster than a wrong password.
  const bool matches = auth::verify_password(password, hash ? *hash : dummy_hash_);
  const bool ok = user && user->active && !user->from_directory() && hash && matches;
  if (!ok) {
    record_failure(username, address, now);
    return bad_credentials();
  }
  return open_session(username, address, now, failures, nullptr);
}

void Access::record_failure(const std::string& username, const std::string& address, Timestamp now) {
  Status logged = office_.store().write([&](WriteTx& tx) -> Status {
    const bool known = static_cast<bool>(tx.user(username));
    const Caller who{known ? username : "anonymous", false};
    // Read again inside the write: concurrent failures of the pair all count.
    SignInFailures f;
    if (auto kept = tx.signin_failures(username, address)) f = *kept;
    f.account = username;
    f.address = address;
    if (now - f.last_failure > options_.throttle.window_ms) f.failures = 0;
    ++f.failures;
    f.last_failure = now;
    f.until = now + auth::throttle_delay(options_.throttle, f.failures);
    if (auto p = tx.put_signin_failures(f); !p) return p;
    if (auto x = tx.expire_signin_failures(now - options_.throttle.window_ms, 100); !x) return x;
    auto e = tx.append_event(event(who, now, "session.login_failed", username, nullptr, json{{"address", address}}));
    return e ? ok_status() : Status(e.error());
  });
  (void)logged;  // the refusal stands even if the event could not be written
}

Result<NewSession> Access::open_session(const std::string& username, const std::string& address, Timestamp now,
                                        const std::optional<SignInFailures>& failures,
                                        const std::function<Status(WriteTx&)>& before) {
  const Caller who{username, false};
  NewSession s;
  s.id = auth::random_secret(32);
  s.lifetime_end = now + options_.session_ttl_ms;
  const Timestamp idle_end = options_.session_idle_ms > 0 ? std::min(s.lifetime_end, now + options_.session_idle_ms) : s.lifetime_end;
  s.record = SessionRecord{auth::secret_digest(s.id), username, auth::random_secret(24), address, now, idle_end};
  Status st = office_.store().write([&](WriteTx& tx) -> Status {
    if (before) {
      if (auto b = before(tx); !b) return b;
    }
    if (auto i = tx.insert_session(s.record); !i) return i;
    if (failures) {
      if (auto c = tx.clear_signin_failures(username, address); !c) return c;
    }
    auto e = tx.append_event(event(who, now, "session.login", username, nullptr, json{{"address", address}}));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return s;
}

Result<NewSession> Access::sign_in_directory(const std::string& typed, const std::string& password, const std::string& address,
                                             const std::optional<SignInFailures>& failures) {
  const Timestamp now = office_.now();
  const std::string username = directory_username(typed);
  if (username.empty() || password.empty()) {
    record_failure(typed, address, now);
    return bad_credentials();
  }
  auto entry = options_.directory->authenticate(username, password);
  if (!entry) {
    if (entry.error().code != Code::unauthenticated) return entry.error();  // the directory's fault, not the person's
    record_failure(typed, address, now);
    return bad_credentials();
  }
  bool refused = false;  // a local account by that name, or one deactivated in pasaprod
  auto s = open_session(username, address, now, std::nullopt, [&](WriteTx& tx) -> Status {
    auto u = tx.user(username);
    if (u && (!u->active || (!u->from_directory() && tx.password_hash(username)))) {
      refused = true;
      return make_error(Code::unauthenticated, "signin.failed", "", "");
    }
    const User before = u ? *u : User{username, username, "", true, "es", {}, {}, "", 0};
    const User next = with_directory_entry(before, *entry, options_.group_map, now);
    if (!u) {
      if (auto i = tx.insert_user(next); !i) return i;
      auto e = tx.append_event(event(Caller{username}, now, "user.add", username, nullptr, directory_user_json(next)));
      if (!e) return e.error();
    } else {
      if (auto w = tx.update_user(next); !w) return w;
      if (!same_account(before, next)) {
        auto e = tx.append_event(
            event(Caller{username}, now, "user.directory", username, directory_user_json(before), directory_user_json(next)));
        if (!e) return e.error();
      }
    }
    if (failures) return tx.clear_signin_failures(typed, address);
    return ok_status();
  });
  if (!s && refused) {
    record_failure(typed, address, now);
    return bad_credentials();
  }
  return s;
}

Status Access::recheck_directory(User& user) {
  if (!options_.directory || !user.from_directory()) return ok_status();
  const Timestamp now = office_.now();
  if (now - user.directory_checked_at < options_.directory_recheck_ms || now < directory_skip_until_.load()) return ok_status();
  auto entry = options_.directory->lookup(user.username);
  if (!entry && entry.error().code != Code::not_found) {
    // The directory does not answer: the last known state stands; ask again later.
    directory_skip_until_.store(now + options_.directory_retry_ms);
    return ok_status();
  }
  Status st = office_.store().write([&](WriteTx& tx) -> Status {
    auto u = tx.user(user.username);
    if (!u) return ok_status();
    User next = *u;
    if (entry) {
      next = with_directory_entry(*u, *entry, options_.group_map, now);
      if (auto w = tx.update_user(next); !w) return w;
      if (!same_account(*u, next)) {
        auto e = tx.append_event(event(Caller{"directory", true}, now, "user.directory", u->username, directory_user_json(*u),
                                       directory_user_json(next)));
        if (!e) return e.error();
      }
      user = next;
      return ok_status();
    }
    // Gone from the directory (removed, or disabled as the user filter says).
    next.directory_checked_at = now;
    next.directory_grants.clear();
    if (auto w = tx.update_user(next); !w) return w;
    if (auto d = tx.delete_sessions_of(u->username); !d) return d;
    int revoked = 0;
    for (const ApiToken& t : tx.tokens(u->username)) {
      if (t.revoked) continue;
      if (auto r = tx.revoke_token(u->username, t.id); !r) return r;
      ++revoked;
    }
    json after = directory_user_json(next);
    after["tokens_revoked"] = revoked;
    auto e = tx.append_event(event(Caller{"directory", true}, now, "user.directory_gone", u->username, directory_user_json(*u), after));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st;
  if (!entry) return account_gone();
  return ok_status();
}

Status Access::sign_out(const std::string& session_id) {
  const std::string digest = auth::secret_digest(session_id);
  return office_.store().write([&](WriteTx& tx) -> Status {
    auto s = tx.session(digest);
    if (!s) return ok_status();
    if (auto d = tx.delete_session(digest); !d) return d;
    auto e = tx.append_event(event(Caller{s->username}, office_.now(), "session.logout", s->username, nullptr, nullptr));
    return e ? ok_status() : Status(e.error());
  });
}

Result<Principal> Access::from_session(const std::string& session_id) {
  std::optional<SessionRecord> s;
  std::optional<User> user;  // read with the session: one read finds the caller
  Status st = office_.store().read([&](ReadTx& tx) -> Status {
    s = tx.session(auth::secret_digest(session_id));
    if (s) {
      if (auto u = tx.user(s->username)) user = std::move(*u);
    }
    return ok_status();
  });
  if (!st) return st.error();
  const Timestamp now = office_.now();
  if (!s || s->expires_at <= now || s->created_at + options_.session_ttl_ms <= now) return not_signed_in();
  if (options_.session_idle_ms > 0) {  // used: the idle deadline moves (written at most once a minute)
    const Timestamp want = std::min(s->created_at + options_.session_ttl_ms, now + options_.session_idle_ms);
    if (want - s->expires_at >= 60 * 1000) {
      (void)office_.store().write([&](WriteTx& tx) { return tx.touch_session(s->id_digest, want); });
    }
  }
  auto p = principal_for(user);
  if (!p) return p.error();
  if (auto r = recheck_directory(p->user); !r) return r.error();
  p->via = "session";
  p->session_digest = s->id_digest;
  p->csrf_token = s->csrf_token;
  return p;
}

Result<Principal> Access::from_token(const std::string& token) {
  std::optional<ApiToken> t;
  const std::string digest = auth::secret_digest(token);
  std::optional<User> user;  // read with the token: one read finds the caller
  Status st = office_.store().read([&](ReadTx& tx) -> Status {
    t = tx.token_by_digest(digest);
    if (t) {
      if (auto u = tx.user(t->username)) user = std::move(*u);
    }
    return ok_status();
  });
  if (!st) return st.error();
  if (!t || t->revoked) {
    return make_error(Code::unauthenticated, "token.invalid", "El token de API no es válido o fue revocado.",
                      "The API token is not valid or was revoked.");
  }
  if (t->expires_at != 0 && t->expires_at <= office_.now()) {
    const std::string when = format_iso(t->expires_at);
    return make_error(Code::unauthenticated, "token.expired",
                      "El token de API «" + t->name + "» venció el " + when +
                          ". Cree uno nuevo en «Mi cuenta» (o con POST /api/v1/tokens) y reemplácelo donde se use.",
                      "The API token \"" + t->name + "\" expired on " + when +
                          ". Create a new one under \"My account\" (or with POST /api/v1/tokens) and replace it where it is used.")
        .with("expired_at", when);
  }
  auto p = principal_for(user);
  if (!p) return p.error();
  if (auto r = recheck_directory(p->user); !r) return r.error();
  p->via = "token";
  p->token_id = t->id;
  const Timestamp now = office_.now();
  if (now - t->last_used_at > 60 * 1000) {  // record use at most once a minute
    (void)office_.store().write([&](WriteTx& tx) -> Status { return tx.touch_token(t->id, now); });
  }
  return p;
}

Result<NewToken> Access::create_token(const Caller& caller, const std::string& username, const std::string& name,
                                      int valid_days) {
  if (caller.username != username && !caller.local) {
    return make_error(Code::permission_denied, "token.not_yours", "Solo puede crear tokens para su propio usuario.",
                      "You can only create tokens for your own user.");
  }
  if (name.size() > 100) {
    return make_error(Code::invalid_argument, "token.bad_name", "El nombre del token admite hasta 100 caracteres.",
                      "The token name takes at most 100 characters.")
        .with("field", "name");
  }
  if (valid_days < 1 || valid_days > kTokenMaxDays) {
    return make_error(Code::invalid_argument, "token.bad_days",
                      "La vigencia del token debe ser de 1 a " + std::to_string(kTokenMaxDays) + " días.",
                      "A token's validity must be 1 to " + std::to_string(kTokenMaxDays) + " days.")
        .with("field", "expires_in_days");
  }
  NewToken t;
  t.token = auth::new_api_token();
  const Timestamp now = office_.now();
  t.record = ApiToken{0, username, name.empty() ? "token" : name, auth::secret_digest(t.token), t.token.substr(0, 12), now, 0, false,
                      now + static_cast<Timestamp>(valid_days) * 86'400'000};
  Status st = office_.store().write([&](WriteTx& tx) -> Status {
    auto u = tx.user(username);
    if (!u) return office_internal::not_found("El usuario", "User", username);
    auto id = tx.insert_token(t.record);
    if (!id) return id.error();
    t.record.id = *id;
    auto e = tx.append_event(event(caller, now, "token.create", username, nullptr,
                                   json{{"id", *id}, {"name", t.record.name}, {"prefix", t.record.prefix},
                                        {"expires_at", format_iso(t.record.expires_at)}}));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return t;
}

Result<std::vector<ApiToken>> Access::tokens(const std::string& username) {
  std::vector<ApiToken> out;
  Status st = office_.store().read([&](ReadTx& tx) -> Status {
    out = tx.tokens(username);
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Status Access::require_token_admin(const Caller& caller, const std::string& what_es, const std::string& what_en) {
  if (caller.local) return ok_status();
  auto actor = office_.user(caller.username);
  const Procedure& proc = office_.current_procedure();
  const std::string& admin = proc.administering_role();
  if (actor && actor->active && actor->holds(admin, "")) return ok_status();
  return make_error(Code::permission_denied, "role.required", what_es + " requiere el rol " + proc.role_name(admin, Lang::es) + ".",
                    what_en + " requires the role " + proc.role_name(admin, Lang::en) + ".")
      .with("required_role", admin);
}

Result<std::vector<ApiToken>> Access::all_tokens(const Caller& caller) {
  if (auto st = require_token_admin(caller, "Ver los tokens de otros usuarios", "Seeing other users' tokens"); !st) return st.error();
  std::vector<ApiToken> out;
  Status st = office_.store().read([&](ReadTx& tx) -> Status {
    for (const auto& u : tx.users()) {
      for (auto& t : tx.tokens(u.username)) out.push_back(std::move(t));
    }
    return ok_status();
  });
  if (!st) return st.error();
  std::stable_sort(out.begin(), out.end(), [](const ApiToken& a, const ApiToken& b) { return a.created_at > b.created_at; });
  return out;
}

Status Access::revoke_token(const Caller& caller, const std::string& username, std::int64_t id) {
  if (caller.username != username) {
    if (auto st = require_token_admin(caller, "Revocar el token de otro usuario", "Revoking another user's token"); !st) return st;
  }
  return office_.store().write([&](WriteTx& tx) -> Status {
    json after = {{"id", id}};
    for (const auto& t : tx.tokens(username)) {
      if (t.id == id) after.update({{"name", t.name}, {"prefix", t.prefix}});
    }
    if (auto r = tx.revoke_token(username, id); !r) return r;
    auto e = tx.append_event(event(caller, office_.now(), "token.revoke", username, nullptr, after));
    return e ? ok_status() : Status(e.error());
  });
}

Status Access::set_password(const Caller& caller, const std::string& username, const std::string& password,
                            const std::optional<std::string>& current, const std::string& keep_session_digest) {
  const bool self = caller.username == username && !caller.local;
  if (!self && !caller.local) {
    auto actor = office_.user(caller.username);
    const Procedure& proc = office_.current_procedure();
    const std::string& admin = proc.administering_role();
    if (!actor || !actor->active || !actor->holds(admin, "")) {
      return make_error(Code::permission_denied, "role.required",
                        "Cambiar la contraseña de otro usuario requiere el rol " + proc.role_name(admin, Lang::es) + ".",
                        "Changing another user's password requires the role " + proc.role_name(admin, Lang::en) + ".")
          .with("required_role", admin);
    }
  }
  if (auto target = office_.user(username); target && target->from_directory()) {
    return make_error(Code::failed_precondition, "password.directory",
                      "La contraseña de «" + username + "» la guarda el directorio de la oficina: cámbiela allí; pasaprod no la conoce.",
                      "The password of \"" + username + "\" is kept by the office's directory: change it there; pasaprod does not know it.")
        .with("field", "password");
  }
  if (auto p = auth::check_password_policy(password); !p) return p;
  if (self) {
    std::optional<std::string> hash;
    (void)office_.store().read([&](ReadTx& tx) -> Status {
      hash = tx.password_hash(username);
      return ok_status();
    });
    if (!current || !hash || !auth::verify_password(*current, *hash)) {
      return make_error(Code::permission_denied, "password.current_wrong", "La contraseña actual no es correcta.",
                        "The current password is not right.")
          .with("field", "current_password");
    }
  }
  auto hashed = auth::hash_password(password, options_.interactive_hashing);
  if (!hashed) return hashed.error();
  return office_.store().write([&](WriteTx& tx) -> Status {
    auto u = tx.user(username);
    if (!u) return office_internal::not_found("El usuario", "User", username);
    if (auto s = tx.set_password_hash(username, *hashed, office_.now()); !s) return s;
    std::optional<SessionRecord> keep;
    if (self && !keep_session_digest.empty()) keep = tx.session(keep_session_digest);
    if (auto s = tx.delete_sessions_of(username); !s) return s;
    if (keep && keep->username == username) {
      if (auto s = tx.insert_session(*keep); !s) return s;
    }
    int revoked = 0;
    if (!self) {
      for (const ApiToken& t : tx.tokens(username)) {
        if (t.revoked) continue;
        if (auto s = tx.revoke_token(username, t.id); !s) return s;
        ++revoked;
      }
    }
    auto e = tx.append_event(event(caller, office_.now(), "user.password", username, nullptr,
                                   json{{"self", self}, {"tokens_revoked", revoked}}));
    return e ? ok_status() : Status(e.error());
  });
}

}  // namespace pasaprod
