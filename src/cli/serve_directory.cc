#include "cli/serve_directory.h"

#include <cstdlib>
#include <fstream>

namespace pasaprod {
namespace {

Error bad(const std::string& field, const std::string& es, const std::string& en) {
  return make_error(Code::invalid_argument, "directory.bad_config", "Directorio (--" + field + "): " + es,
                    "Directory (--" + field + "): " + en)
      .with("field", field);
}

// At most `limit` bytes of the file; nullopt when it cannot be read or is larger.
std::optional<std::string> read_small_file(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > limit || (!in && !in.eof())) return std::nullopt;
  return text;
}

}  // namespace

void add_directory_options(CLI::App& cmd, DirectoryArgs& a) {
  cmd.add_option("--ldap-url", a.url,
                 "Directorio de la oficina: ldap://HOST[:PUERTO] (con STARTTLS) o ldaps://HOST[:PUERTO] / the office's "
                 "directory: ldap://HOST[:PORT] (with STARTTLS) or ldaps://HOST[:PORT]");
  cmd.add_option("--ldap-base", a.base, "Dónde buscar a las personas (DN) / where people are searched (DN)");
  cmd.add_option("--ldap-bind-dn", a.bind_dn,
                 "Cuenta de servicio para buscar (sin ella, búsqueda anónima) / service account for the search (without "
                 "it, anonymous search)");
  cmd.add_option("--ldap-password-file", a.password_file,
                 "Archivo con la contraseña de la cuenta de servicio (o $PASAPROD_LDAP_PASSWORD) / file holding the "
                 "service account's password (or $PASAPROD_LDAP_PASSWORD)");
  cmd.add_option("--ldap-user-dn-template", a.user_dn_template,
                 "DN de la persona, sin búsqueda: p. ej. uid={user},ou=people,dc=example,dc=pe / the person's DN, no "
                 "search: e.g. uid={user},ou=people,dc=example,dc=pe");
  cmd.add_option("--ldap-user-filter", a.user_filter,
                 "Filtro que halla a una persona habilitada ((uid={user})) / filter finding an enabled person ((uid={user}))");
  cmd.add_option("--ldap-group-base", a.group_base, "Dónde buscar grupos (--ldap-base) / where groups are searched (--ldap-base)");
  cmd.add_option("--ldap-group-filter", a.group_filter,
                 "Filtro de los grupos de una persona ((|(member={dn})(uniqueMember={dn}))) / filter of a person's groups");
  cmd.add_option("--ldap-group-map", a.group_map,
                 "Archivo «DN-DEL-GRUPO => ROL[@SISTEMA]» por línea / file of \"GROUP-DN => ROLE[@SYSTEM]\" lines");
  cmd.add_option("--ldap-ca-file", a.ca_file,
                 "Certificados de CA (PEM) para verificar el directorio / CA certificates (PEM) to verify the directory");
  cmd.add_flag("--ldap-plain", a.plain,
               "ldap:// sin STARTTLS: contraseñas sin cifrar (solo pruebas en loopback) / ldap:// without STARTTLS: "
               "passwords in the clear (loopback tests only)");
  cmd.add_option("--ldap-timeout", a.timeout_s,
                 "Segundos de espera de cada conexión y operación (5) / seconds to wait for each connection and operation (5)");
  cmd.add_option("--ldap-recheck-seconds", a.recheck_seconds,
                 "Sesiones y tokens de cuentas del directorio se verifican de nuevo tras estos segundos (300) / directory "
                 "accounts' sessions and tokens are checked again after this many seconds (300)")
      ->check(CLI::Range(0, 86400));
}

Status configure_directory(const DirectoryArgs& a, const Procedure& procedure, AccessOptions& options) {
  if (a.url.empty()) {
    for (const auto* set : {&a.base, &a.bind_dn, &a.user_dn_template, &a.group_map, &a.password_file}) {
      if (!set->empty()) return bad("ldap-url", "las opciones --ldap-* necesitan --ldap-url.", "the --ldap-* options need --ldap-url.");
    }
    return ok_status();
  }
  auth::LdapConfig c;
  c.url = a.url;
  c.base = a.base;
  c.bind_dn = a.bind_dn;
  c.user_dn_template = a.user_dn_template;
  c.user_filter = a.user_filter;
  c.group_base = a.group_base;
  c.group_filter = a.group_filter;
  c.ca_file = a.ca_file;
  c.plain = a.plain;
  c.timeout_ms = static_cast<int>(a.timeout_s * 1000);
  if (!a.password_file.empty()) {
    auto secret = read_small_file(a.password_file, 1024);
    if (!secret) {
      return bad("ldap-password-file", "no se puede leer el archivo (o pasa de 1 KiB).", "the file cannot be read (or is over 1 KiB).");
    }
    while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) secret->pop_back();
    c.bind_password = std::move(*secret);
  } else if (const char* env = std::getenv("PASAPROD_LDAP_PASSWORD")) {
    c.bind_password = env;
  }
  if (!c.ca_file.empty() && !read_small_file(c.ca_file, 1 << 20)) {
    return bad("ldap-ca-file", "no se puede leer el archivo.", "the file cannot be read.");
  }
  if (auto s = auth::check_ldap_config(c); !s) return s;
  auth::GroupMap map;
  if (!a.group_map.empty()) {
    auto text = read_small_file(a.group_map, auth::kMaxGroupMapBytes);
    if (!text) return bad("ldap-group-map", "no se puede leer el archivo (o pasa de 64 KiB).", "the file cannot be read (or is over 64 KiB).");
    auto parsed = auth::parse_group_map(*text);
    if (!parsed) return parsed.error();
    for (const auto& rule : parsed->rules()) {
      const RoleDef* role = procedure.role(rule.grant.role);
      if (!role) {
        return bad("ldap-group-map", "rol desconocido «" + rule.grant.role + "».", "unknown role \"" + rule.grant.role + "\".");
      }
      if (role->per_system != !rule.grant.system.empty()) {
        return bad("ldap-group-map",
                   "el rol «" + rule.grant.role + (role->per_system ? "» se asigna por sistema: escriba ROL@SISTEMA."
                                                                    : "» es de toda la oficina: quite @SISTEMA."),
                   "the role \"" + rule.grant.role + (role->per_system ? "\" is held per system: write ROLE@SYSTEM."
                                                                        : "\" is office-wide: remove @SYSTEM."));
      }
    }
    map = std::move(*parsed);
  }
  options.directory = std::make_shared<auth::LdapDirectory>(std::move(c));
  options.group_map = std::move(map);
  options.directory_recheck_ms = static_cast<Timestamp>(a.recheck_seconds) * 1000;
  return ok_status();
}

}  // namespace pasaprod
