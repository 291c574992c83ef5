// Sign-in against the office's directory (LDAP v3: OpenLDAP, Active Directory).
//
// Directory is the interface Access (service/access.h) talks to; LdapDirectory (below, on
// Debian's libldap) is the real one and tests may pass a fake. A directory answers two
// questions: "is this the person's password?" (authenticate) and "is this person still
// enabled, and in which groups?" (lookup, for the periodic re-check of sessions and tokens).
// A person the user filter does not find — removed, or excluded by the filter because the
// directory marks them disabled — is "not found"; both calls say so in the same way.
//
// GroupMap turns the groups of an entry into pasaprod roles (the mapping file, see
// parse_group_map). The helpers escape_filter_value / escape_dn_value / fill_placeholder are
// the pure parts, unit tested on their own.
//
//   LdapConfig c;
//   c.url = "ldap://dir.example.pe"; c.base = "dc=example,dc=pe";
//   c.bind_dn = "cn=pasaprod,dc=example,dc=pe"; c.bind_password = secret_from_file;
//   LdapDirectory dir(c);
//   auto e = dir.authenticate("alice", "…");  // → entry (dn, name, email, groups) or an Error
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/status.h"

namespace pasaprod::auth {

// What pasaprod keeps from a person's directory entry.
struct DirectoryEntry {
  std::string dn;
  std::string name;   // displayName, else cn; may be empty
  std::string email;  // mail; may be empty
  std::vector<std::string> groups;  // DNs of the groups the person is a member of
};

class Directory {
 public:
  virtual ~Directory() = default;
  // The entry of `username` when `password` is theirs. Errors:
  //   unauthenticated "directory.bad_credentials" (as long to answer either way: a person
  //     the filter does not find costs a bind too): unknown to the filter, wrong password,
  //     empty password (never sent: an empty simple bind is an anonymous bind), or several
  //     entries match (ambiguous);
  //   unavailable "directory.unavailable": no answer within the timeout, connection or TLS
  //     failure, the service account refused.
  // Thread-safe: each call opens its own connection. Blocks up to about 2× the timeout per
  // round trip; call it from a handler thread, never from an I/O thread.
  virtual Result<DirectoryEntry> authenticate(const std::string& username, const std::string& password) = 0;
  // The entry of `username` without its password (service account or anonymous): not_found
  // "directory.no_such_user" when the filter finds nobody, unavailable as above.
  virtual Result<DirectoryEntry> lookup(const std::string& username) = 0;
};

// Connection and search settings (serve --ldap-*). In filters and templates, "{user}" stands
// for the typed username and "{dn}" for the person's DN, each escaped for where it goes.
struct LdapConfig {
  std::string url;               // ldap://HOST[:PORT] (STARTTLS unless plain) or ldaps://HOST[:PORT]
  std::string base;              // where people are searched (subtree)
  std::string bind_dn;           // service account for the search; "" = anonymous
  std::string bind_password;     // the service account's password (never logged)
  std::string user_dn_template;  // "uid={user},ou=people,dc=…": bind as this DN, no search needed
  std::string user_filter = "(uid={user})";  // should exclude disabled accounts (see README)
  std::string group_base;        // where groups are searched; "" = base
  std::string group_filter = "(|(member={dn})(uniqueMember={dn}))";
  std::string ca_file;           // CA certificates (PEM) to verify the server; "" = the system's
  bool plain = false;            // ldap:// without STARTTLS (loopback tests only)
  int timeout_ms = 5000;         // connect timeout, and the limit of each operation
};

// Checks the settings (scheme, placeholders, non-empty base, timeout 100 ms–60 s);
// invalid_argument "directory.bad_config" naming the setting otherwise.
Status check_ldap_config(const LdapConfig& config);

class LdapDirectory final : public Directory {
 public:
  // REQUIRES: check_ldap_config(config) is ok.
  explicit LdapDirectory(LdapConfig config);
  Result<DirectoryEntry> authenticate(const std::string& username, const std::string& password) override;
  Result<DirectoryEntry> lookup(const std::string& username) override;

 private:
  const LdapConfig config_;
};

// RFC 4515 escaping of a value put into a search filter (libldap's ldap_bv2escaped_filter_value):
// "*", "(", ")", "\" and NUL become \2A, \28, \29, \5C, \00.
std::string escape_filter_value(const std::string& value);
// RFC 4514 escaping of a value put into a DN (an attribute value of an RDN).
std::string escape_dn_value(const std::string& value);
// `pattern` with every `placeholder` replaced by `value` (already escaped by the caller).
std::string fill_placeholder(const std::string& pattern, const std::string& placeholder, const std::string& value);
// A DN in the form used to compare DNs: ASCII lowercase, no spaces around "," "=" and "+".
std::string normalize_dn(const std::string& dn);

// The mapping file: which directory group gives which role. One rule a line,
//
//   # comment
//   cn=pasaprod-admins,ou=groups,dc=example,dc=pe => admin
//   cn=siagie-leads,ou=groups,dc=example,dc=pe    => project_lead@SIAGIE
//
// (`GROUP_DN => ROLE` or `ROLE@SYSTEM` for a role held per system). Several rules may name
// the same group or the same role.
struct GroupRule {
  std::string group_dn;  // normalized (normalize_dn)
  RoleGrant grant;
};

class GroupMap {
 public:
  GroupMap() = default;
  explicit GroupMap(std::vector<GroupRule> rules) : rules_(std::move(rules)) {}
  // The roles the groups give, each once, in the order of the rules.
  std::vector<RoleGrant> roles_for(const std::vector<std::string>& group_dns) const;
  const std::vector<GroupRule>& rules() const { return rules_; }

 private:
  std::vector<GroupRule> rules_;
};

// At most this many bytes and rules in a mapping file.
inline constexpr std::size_t kMaxGroupMapBytes = 64 * 1024;
inline constexpr std::size_t kMaxGroupRules = 1000;

// Parses the text of a mapping file; invalid_argument "directory.bad_group_map" naming the
// line otherwise. Roles are not checked against the procedure here (the caller does).
Result<GroupMap> parse_group_map(const std::string& text);

}  // namespace pasaprod::auth
