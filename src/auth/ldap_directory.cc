// LdapDirectory (auth/directory.h) on Debian's OpenLDAP client library.
//
// Each call opens its own connection (thread-safe without shared state), bounds every round
// trip by the configured timeout (connect: LDAP_OPT_NETWORK_TIMEOUT; bind: ldap_result with a
// timeout; search: ldap_search_ext_s's timeout; STARTTLS: LDAP_OPT_TIMEOUT), and never puts
// a password in a message.
#include <ldap.h>

#include "auth/directory.h"

namespace pasaprod::auth {
namespace {

struct Conn {
  LDAP* ld = nullptr;
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    if (ld) ldap_unbind_ext_s(ld, nullptr, nullptr);
  }
};

struct Message {
  LDAPMessage* m = nullptr;
  Message() = default;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message() {
    if (m) ldap_msgfree(m);
  }
};

timeval timeout_of(const LdapConfig& c) {
  return timeval{c.timeout_ms / 1000, static_cast<suseconds_t>((c.timeout_ms % 1000) * 1000)};
}

Error unavailable(const LdapConfig& c, const std::string& step, int rc) {
  const std::string secs = std::to_string(c.timeout_ms / 1000) + "." + std::to_string(c.timeout_ms % 1000 / 100);
  return make_error(Code::unavailable, "directory.unavailable",
                    "El directorio de la oficina no responde (" + step + ": " + ldap_err2string(rc) +
                        "). Intente de nuevo en unos minutos; las cuentas locales de pasaprod (p. ej. el administrador) siguen funcionando.",
                    "The office's directory does not answer (" + step + ": " + ldap_err2string(rc) +
                        "). Try again in a few minutes; pasaprod's local accounts (e.g. the administrator) still work.")
      .with("ldap_error", std::to_string(rc))
      .with("timeout_s", secs);
}

Error service_refused(int rc) {
  return make_error(Code::unavailable, "directory.service_account",
                    std::string("El directorio rechazó la cuenta de servicio de pasaprod (") + ldap_err2string(rc) +
                        "). Avise al administrador: revise --ldap-bind-dn y su contraseña.",
                    std::string("The directory refused pasaprod's service account (") + ldap_err2string(rc) +
                        "). Tell the administrator: check --ldap-bind-dn and its password.")
      .with("ldap_error", std::to_string(rc));
}

Error bad_credentials() {
  return make_error(Code::unauthenticated, "directory.bad_credentials", "Usuario o contraseña incorrectos.",
                    "Wrong username or password.");
}

Error no_such_user(const std::string& username) {
  return make_error(Code::not_found, "directory.no_such_user",
                    "El directorio no tiene una cuenta habilitada «" + username + "».",
                    "The directory has no enabled account \"" + username + "\".");
}

Result<bool> open(const LdapConfig& c, Conn& conn) {
  int rc = ldap_initialize(&conn.ld, c.url.c_str());
  if (rc != LDAP_SUCCESS) return unavailable(c, "ldap_initialize", rc);
  int v3 = LDAP_VERSION3;
  ldap_set_option(conn.ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
  ldap_set_option(conn.ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);  // AD answers with referrals pasaprod does not follow
  timeval tv = timeout_of(c);
  ldap_set_option(conn.ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
  ldap_set_option(conn.ld, LDAP_OPT_TIMEOUT, &tv);
  int demand = LDAP_OPT_X_TLS_DEMAND;
  ldap_set_option(conn.ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
  if (!c.ca_file.empty()) ldap_set_option(conn.ld, LDAP_OPT_X_TLS_CACERTFILE, c.ca_file.c_str());
  int zero = 0;
  ldap_set_option(conn.ld, LDAP_OPT_X_TLS_NEWCTX, &zero);  // the options above apply from here
  if (c.url.rfind("ldap://", 0) == 0 && !c.plain) {
    rc = ldap_start_tls_s(conn.ld, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) return unavailable(c, "STARTTLS", rc);
  }
  return true;
}

// A simple bind whose answer is awaited at most the timeout. Returns the LDAP result code.
int simple_bind(const LdapConfig& c, LDAP* ld, const std::string& dn, const std::string& password) {
  berval cred{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  int msgid = 0;
  int rc = ldap_sasl_bind(ld, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, &msgid);
  if (rc != LDAP_SUCCESS) return rc;
  timeval tv = timeout_of(c);
  Message res;
  rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res.m);
  if (rc == 0) {
    ldap_abandon_ext(ld, msgid, nullptr, nullptr);
    return LDAP_TIMEOUT;
  }
  if (rc < 0) {
    int err = LDAP_SERVER_DOWN;
    ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &err);
    return err == LDAP_SUCCESS ? LDAP_SERVER_DOWN : err;
  }
  int err = LDAP_OTHER;
  rc = ldap_parse_result(ld, res.m, &err, nullptr, nullptr, nullptr, nullptr, 0);
  return rc == LDAP_SUCCESS ? err : rc;
}

std::string first_value(LDAP* ld, LDAPMessage* e, const char* attr) {
  berval** v = ldap_get_values_len(ld, e, attr);
  if (!v) return {};
  std::string out;
  if (v[0]) out.assign(v[0]->bv_val, v[0]->bv_len);
  ldap_value_free_len(v);
  return out.size() > 1024 ? out.substr(0, 1024) : out;
}

// The person's entry: a base search of the templated DN, or a subtree search under the base.
// not_found when nobody (or more than one entry) matches the filter.
Result<DirectoryEntry> find_person(const LdapConfig& c, LDAP* ld, const std::string& username) {
  const std::string filter = fill_placeholder(c.user_filter, "{user}", escape_filter_value(username));
  const bool templated = !c.user_dn_template.empty();
  const std::string base = templated ? fill_placeholder(c.user_dn_template, "{user}", escape_dn_value(username)) : c.base;
  char* attrs[] = {const_cast<char*>("cn"), const_cast<char*>("displayName"), const_cast<char*>("mail"),
                   const_cast<char*>("memberOf"), nullptr};
  timeval tv = timeout_of(c);
  Message res;
  int rc = ldap_search_ext_s(ld, base.c_str(), templated ? LDAP_SCOPE_BASE : LDAP_SCOPE_SUBTREE, filter.c_str(), attrs, 0, nullptr,
                             nullptr, &tv, 2, &res.m);
  if (rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_SIZELIMIT_EXCEEDED) return no_such_user(username);
  if (rc != LDAP_SUCCESS) return unavailable(c, "search", rc);
  if (ldap_count_entries(ld, res.m) != 1) return no_such_user(username);
  LDAPMessage* e = ldap_first_entry(ld, res.m);
  DirectoryEntry out;
  if (char* dn = ldap_get_dn(ld, e)) {
    out.dn = dn;
    ldap_memfree(dn);
  }
  out.name = first_value(ld, e, "displayName");
  if (out.name.empty()) out.name = first_value(ld, e, "cn");
  out.email = first_value(ld, e, "mail");
  if (berval** v = ldap_get_values_len(ld, e, "memberOf")) {
    for (int i = 0; v[i] && i < 1000; ++i) out.groups.emplace_back(v[i]->bv_val, v[i]->bv_len);
    ldap_value_free_len(v);
  }
  return out;
}

// Adds the groups that list `entry` as a member (group filter under the group base).
Status add_groups(const LdapConfig& c, LDAP* ld, DirectoryEntry& entry) {
  const std::string filter = fill_placeholder(c.group_filter, "{dn}", escape_filter_value(entry.dn));
  const std::string base = c.group_base.empty() ? (c.base.empty() ? std::string() : c.base) : c.group_base;
  if (base.empty()) return ok_status();  // template-only setup without a base: memberOf alone
  char* attrs[] = {const_cast<char*>("1.1"), nullptr};
  timeval tv = timeout_of(c);
  Message res;
  int rc = ldap_search_ext_s(ld, base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(), attrs, 0, nullptr, nullptr, &tv, 1000, &res.m);
  if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED && rc != LDAP_NO_SUCH_OBJECT) return unavailable(c, "group search", rc);
  for (LDAPMessage* e = res.m ? ldap_first_entry(ld, res.m) : nullptr; e; e = ldap_next_entry(ld, e)) {
    if (char* dn = ldap_get_dn(ld, e)) {
      entry.groups.emplace_back(dn);
      ldap_memfree(dn);
    }
  }
  return ok_status();
}

Status bind_service(const LdapConfig& c, LDAP* ld) {
  if (c.bind_dn.empty()) return ok_status();  // anonymous search
  const int rc = simple_bind(c, ld, c.bind_dn, c.bind_password);
  if (rc == LDAP_SUCCESS) return ok_status();
  if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INVALID_DN_SYNTAX || rc == LDAP_INSUFFICIENT_ACCESS) return service_refused(rc);
  return unavailable(c, "bind", rc);
}

}  // namespace

std::string escape_filter_value(const std::string& value) {
  berval in{static_cast<ber_len_t>(value.size()), const_cast<char*>(value.data())};
  berval out{0, nullptr};
  if (ldap_bv2escaped_filter_value(&in, &out) != 0 || !out.bv_val) return "\\00";  // out of memory: match nothing sensible
  std::string s(out.bv_val, out.bv_len);
  ber_memfree(out.bv_val);
  return s;
}

LdapDirectory::LdapDirectory(LdapConfig config) : config_(std::move(config)) {}

Result<DirectoryEntry> LdapDirectory::authenticate(const std::string& username, const std::string& password) {
  // An empty password would make a simple bind anonymous, which "succeeds".
  if (username.empty() || password.empty() || password.size() > 1024) return bad_credentials();
  Conn conn;
  if (auto o = open(config_, conn); !o) return o.error();
  if (!config_.user_dn_template.empty()) {
    const std::string dn = fill_placeholder(config_.user_dn_template, "{user}", escape_dn_value(username));
    const int rc = simple_bind(config_, conn.ld, dn, password);
    if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INVALID_DN_SYNTAX) return bad_credentials();
    if (rc != LDAP_SUCCESS) return unavailable(config_, "bind", rc);
    if (!config_.bind_dn.empty()) {  // read the entry with the service account's rights
      if (auto s = bind_service(config_, conn.ld); !s) return s.error();
    }
    auto entry = find_person(config_, conn.ld, username);
    if (!entry) return entry.error().code == Code::not_found ? bad_credentials() : entry.error();
    if (auto g = add_groups(config_, conn.ld, *entry); !g) return g.error();
    return entry;
  }
  if (auto s = bind_service(config_, conn.ld); !s) return s.error();
  auto entry = find_person(config_, conn.ld, username);
  if (!entry) {
    if (entry.error().code != Code::not_found) return entry.error();
    // Nobody (enabled) by that name: still one group search and one bind, on an entry that
    // does not exist, so that the answer takes as long as a wrong password's.
    DirectoryEntry nobody{"cn=pasaprod-no-such-person," + config_.base, "", "", {}};
    (void)add_groups(config_, conn.ld, nobody);
    (void)simple_bind(config_, conn.ld, nobody.dn, password);
    return bad_credentials();
  }
  if (auto g = add_groups(config_, conn.ld, *entry); !g) return g.error();
  const int rc = simple_bind(config_, conn.ld, entry->dn, password);
  if (rc == LDAP_INVALID_CREDENTIALS) return bad_credentials();
  if (rc != LDAP_SUCCESS) return unavailable(config_, "bind", rc);
  return entry;
}

Result<DirectoryEntry> LdapDirectory::lookup(const std::string& username) {
  if (username.empty()) return no_such_user(username);
  Conn conn;
  if (auto o = open(config_, conn); !o) return o.error();
  if (auto s = bind_service(config_, conn.ld); !s) return s.error();
  auto entry = find_person(config_, conn.ld, username);
  if (!entry) return entry.error();
  if (auto g = add_groups(config_, conn.ld, *entry); !g) return g.error();
  return entry;
}

}  // namespace pasaprod::auth
