// The pure parts of auth/directory.h: settings check, DN escaping, placeholders, the mapping file.
#include <algorithm>
#include <cctype>

#include "auth/directory.h"

namespace pasaprod::auth {
namespace {

Error bad_config(const std::string& setting, const std::string& es, const std::string& en) {
  return make_error(Code::invalid_argument, "directory.bad_config", "Directorio (--" + setting + "): " + es,
                    "Directory (--" + setting + "): " + en)
      .with("field", setting);
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

bool valid_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

}  // namespace

Status check_ldap_config(const LdapConfig& c) {
  if (c.url.rfind("ldap://", 0) != 0 && c.url.rfind("ldaps://", 0) != 0) {
    return bad_config("ldap-url", "debe empezar con ldap:// o ldaps://.", "must start with ldap:// or ldaps://.");
  }
  if (c.url.find_first_of(" ,\t\r\n") != std::string::npos) {
    return bad_config("ldap-url", "indique un solo servidor, sin espacios.", "give one server, without spaces.");
  }
  if (c.user_dn_template.empty() && c.base.empty()) {
    return bad_config("ldap-base", "indique dónde buscar a las personas (o --ldap-user-dn-template).",
                      "say where people are searched (or give --ldap-user-dn-template).");
  }
  if (!c.user_dn_template.empty() && c.user_dn_template.find("{user}") == std::string::npos) {
    return bad_config("ldap-user-dn-template", "debe contener {user}.", "must contain {user}.");
  }
  if (c.user_filter.find("{user}") == std::string::npos || c.user_filter.front() != '(' || c.user_filter.back() != ')') {
    return bad_config("ldap-user-filter", "debe ser un filtro entre paréntesis que contenga {user}.",
                      "must be a filter in parentheses containing {user}.");
  }
  if (c.group_filter.find("{dn}") == std::string::npos || c.group_filter.front() != '(' || c.group_filter.back() != ')') {
    return bad_config("ldap-group-filter", "debe ser un filtro entre paréntesis que contenga {dn}.",
                      "must be a filter in parentheses containing {dn}.");
  }
  if (c.timeout_ms < 100 || c.timeout_ms > 60'000) {
    return bad_config("ldap-timeout", "debe estar entre 0.1 y 60 segundos.", "must be between 0.1 and 60 seconds.");
  }
  if (!c.bind_dn.empty() && c.bind_password.empty()) {
    return bad_config("ldap-password-file", "la cuenta de servicio necesita su contraseña (archivo o $PASAPROD_LDAP_PASSWORD).",
                      "the service account needs its password (file or $PASAPROD_LDAP_PASSWORD).");
  }
  return ok_status();
}

std::string escape_dn_value(const std::string& value) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\0') {
      out += "\\00";
      continue;
    }
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' || c == '=';
    const bool edge = (i == 0 && (c == ' ' || c == '#')) || (i + 1 == value.size() && c == ' ');
    if (special || edge) {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '\\';
      out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string fill_placeholder(const std::string& pattern, const std::string& placeholder, const std::string& value) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t p = pattern.find(placeholder, at);
    if (p == std::string::npos) break;
    out.append(pattern, at, p - at);
    out += value;
    at = p + placeholder.size();
  }
  out.append(pattern, at, std::string::npos);
  return out;
}

std::string normalize_dn(const std::string& dn) {
  std::string out;
  std::size_t escaped_end = 0;  // out's length just after the last escaped character
  for (std::size_t i = 0; i < dn.size(); ++i) {
    const char c = dn[i];
    if (c == '\\' && i + 1 < dn.size()) {  // an escaped character stays as it is
      out += c;
      out += dn[++i];
      escaped_end = out.size();
      continue;
    }
    if (c == ' ') {
      // Spaces next to a separator are not part of the DN.
      std::size_t j = i;
      while (j < dn.size() && dn[j] == ' ') ++j;
      const bool after_sep =
          !out.empty() && escaped_end != out.size() && (out.back() == ',' || out.back() == '=' || out.back() == '+');
      const bool before_sep = j == dn.size() || dn[j] == ',' || dn[j] == '=' || dn[j] == '+';
      if (out.empty() || after_sep || before_sep) {
        i = j - 1;
        continue;
      }
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<RoleGrant> GroupMap::roles_for(const std::vector<std::string>& group_dns) const {
  std::vector<std::string> groups;
  groups.reserve(group_dns.size());
  for (const auto& g : group_dns) groups.push_back(normalize_dn(g));
  std::vector<RoleGrant> out;
  for (const GroupRule& r : rules_) {
    if (std::find(groups.begin(), groups.end(), r.group_dn) == groups.end()) continue;
    if (std::find(out.begin(), out.end(), r.grant) == out.end()) out.push_back(r.grant);
  }
  return out;
}

Result<GroupMap> parse_group_map(const std::string& text) {
  auto bad = [](int line, const std::string& es, const std::string& en) {
    return make_error(Code::invalid_argument, "directory.bad_group_map",
                      "Archivo de grupos, línea " + std::to_string(line) + ": " + es,
                      "Group mapping file, line " + std::to_string(line) + ": " + en)
        .with("line", std::to_string(line));
  };
  if (text.size() > kMaxGroupMapBytes) {
    return bad(0, "el archivo pasa de 64 KiB.", "the file is larger than 64 KiB.");
  }
  std::vector<GroupRule> rules;
  int n = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = trim(text.substr(at, end - at));
    at = end + 1;
    ++n;
    if (line.empty() || line[0] == '#') continue;
    if (std::any_of(line.begin(), line.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; })) {
      return bad(n, "tiene caracteres de control.", "has control characters.");
    }
    const std::size_t arrow = line.rfind("=>");
    if (arrow == std::string::npos) {
      return bad(n, "se esperaba «DN-DEL-GRUPO => ROL» o «DN-DEL-GRUPO => ROL@SISTEMA».",
                 "expected \"GROUP-DN => ROLE\" or \"GROUP-DN => ROLE@SYSTEM\".");
    }
    const std::string dn = trim(line.substr(0, arrow));
    const std::string target = trim(line.substr(arrow + 2));
    if (dn.empty() || dn.size() > 1024 || dn.find('=') == std::string::npos) {
      return bad(n, "el DN del grupo falta o no es un DN.", "the group DN is missing or not a DN.");
    }
    RoleGrant g;
    const std::size_t atsign = target.find('@');
    g.role = target.substr(0, atsign);
    if (atsign != std::string::npos) g.system = target.substr(atsign + 1);
    if (!valid_name(g.role) || (atsign != std::string::npos && !valid_name(g.system))) {
      return bad(n, "el rol (y el sistema) deben ser letras, dígitos, «.», «-» o «_».",
                 "the role (and the system) must be letters, digits, \".\", \"-\" or \"_\".");
    }
    if (rules.size() >= kMaxGroupRules) {
      return bad(n, "más de " + std::to_string(kMaxGroupRules) + " reglas.", "more than " + std::to_string(kMaxGroupRules) + " rules.");
    }
    rules.push_back({normalize_dn(dn), std::move(g)});
  }
  return GroupMap(std::move(rules));
}

}  // namespace pasaprod::auth
