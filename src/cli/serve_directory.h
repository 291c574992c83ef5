// `serve --ldap-*`: sign-in against the office's directory (auth/directory.h), the options and
// how they become AccessOptions. The service account's password comes from --ldap-password-file
// or $PASAPROD_LDAP_PASSWORD, never from the command line (visible to every local user).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/procedure.h"
#include "core/status.h"
#include "service/access.h"

namespace pasaprod {

struct DirectoryArgs {
  std::string url;  // "" = no directory
  std::string base;
  std::string bind_dn;
  std::string password_file;
  std::string user_dn_template;
  std::string user_filter = "(uid={user})";
  std::string group_base;
  std::string group_filter = "(|(member={dn})(uniqueMember={dn}))";
  std::string group_map;  // mapping file (auth/directory.h parse_group_map)
  std::string ca_file;
  bool plain = false;
  double timeout_s = 5;
  int recheck_seconds = 300;
};

// Declares the --ldap-* options of `serve` (so --config accepts them as keys too).
void add_directory_options(CLI::App& serve_cmd, DirectoryArgs& args);

// With --ldap-url: a checked LdapDirectory, its group map (every role known to `procedure`,
// per-system roles naming a system) and the re-check interval in `options`. Nothing without
// --ldap-url. invalid_argument ("directory.bad_config", "directory.bad_group_map") otherwise.
Status configure_directory(const DirectoryArgs& args, const Procedure& procedure, AccessOptions& options);

}  // namespace pasaprod
