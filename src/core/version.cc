#include "core/version.h"

#include <algorithm>
#include <cctype>

#include "core/derived.h"

namespace pasaprod {
namespace {

bool holds_number(const Procedure& proc, const std::string& state) {
  return !state.empty() && proc.state(state) != nullptr && !proc.frees_version(state);
}

Error bad_version(const std::string& text) {
  return make_error(Code::invalid_argument, "version.invalid",
                    "La versión «" + text + "» no es válida: use MAYOR.MENOR o MAYOR.MENOR.PARCHE, por ejemplo 2.3 o 2.3.1.",
                    "Version \"" + text + "\" is not valid: use MAJOR.MINOR or MAJOR.MINOR.PATCH, for example 2.3 or 2.3.1.");
}

// Versions of the system currently holding their number.
std::vector<Version> held_versions(const Procedure& proc, const System& system, const std::vector<VersionUse>& uses) {
  std::vector<Version> out;
  if (!system.initial_version.empty()) {
    if (auto v = Version::parse(system.initial_version)) out.push_back(*v);
  }
  for (const auto& u : uses) {
    if (!holds_number(proc, u.state)) continue;
    if (auto v = Version::parse(u.version)) out.push_back(*v);
  }
  return out;
}

}  // namespace

Result<Version> Version::parse(const std::string& text) {
  Version v;
  std::size_t i = 0;
  while (true) {
    if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return bad_version(text);
    long n = 0;
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 1000000) return bad_version(text);
      ++i;
    }
    if (i - start > 1 && text[start] == '0') return bad_version(text);  // no leading zeros
    v.parts.push_back(static_cast<int>(n));
    if (i == text.size()) break;
    if (text[i] != '.') return bad_version(text);
    ++i;
  }
  if (v.parts.size() < 2 || v.parts.size() > 3) return bad_version(text);
  return v;
}

std::string Version::str() const {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '.';
    out += std::to_string(parts[i]);
  }
  return out;
}

int Version::compare(const Version& o) const {
  for (std::size_t i = 0; i < 3; ++i) {
    const int a = i < parts.size() ? parts[i] : 0;
    const int b = i < o.parts.size() ? o.parts[i] : 0;
    if (a != b) return a < b ? -1 : 1;
  }
  return 0;
}

std::optional<Version> production_version(const Procedure& proc, const System& system,
                                          const std::vector<VersionUse>& uses) {
  std::optional<Version> best;
  if (!system.initial_version.empty()) {
    if (auto v = Version::parse(system.initial_version)) best = *v;
  }
  for (const auto& u : uses) {
    if (!proc.is_production(u.state)) continue;
    auto v = Version::parse(u.version);
    if (v && (!best || *best < *v)) best = *v;
  }
  return best;
}

Result<Version> expected_version(const Procedure& proc, const System& system, const std::vector<VersionUse>& uses,
                                 const std::string& kind, bool declared_major) {
  const KindDef* k = proc.kind(kind);
  if (!k) {
    return unknown_kind(proc, kind);
  }
  const std::vector<Version> held = held_versions(proc, system, uses);
  const std::optional<Version> prod = production_version(proc, system, uses);
  int max_major = 0;
  for (const auto& v : held) max_major = std::max(max_major, v.major());

  if (k->version_rule == "major" || (k->version_rule == "minor" && declared_major)) {
    return Version{{max_major + 1, 0}};
  }
  if (!prod) {
    return make_error(Code::failed_precondition, "version.no_production",
                      "El sistema " + system.code + " no tiene versión en producción: su primer pase debe ser un proyecto (versión 1.0).",
                      "System " + system.code + " has no version in production: its first release must be a project (version 1.0).");
  }
  if (k->version_rule == "minor") {
    int max_minor = prod->minor();
    for (const auto& v : held) {
      if (v.parts.size() == 2 && v.major() == prod->major()) max_minor = std::max(max_minor, v.minor());
    }
    return Version{{prod->major(), max_minor + 1}};
  }
  int max_patch = prod->patch();
  for (const auto& v : held) {
    if (v.parts.size() == 3 && v.major() == prod->major() && v.minor() == prod->minor()) {
      max_patch = std::max(max_patch, v.patch());
    }
  }
  return Version{{prod->major(), prod->minor(), max_patch + 1}};
}

Status check_version(const Procedure& proc, const System& system, const std::vector<VersionUse>& uses,
                     const std::string& kind, bool declared_major, const std::string& target) {
  auto parsed = Version::parse(target);
  if (!parsed) return parsed.error();
  auto expected = expected_version(proc, system, uses, kind, declared_major);
  if (!expected) return expected.error();
  for (const auto& v : held_versions(proc, system, uses)) {
    if (v == *parsed && v.parts.size() == parsed->parts.size()) {
      return make_error(Code::failed_precondition, "version.used",
                        "La versión " + target + " ya está usada en el sistema " + system.code +
                            "; la versión esperada es " + expected->str() + ".",
                        "Version " + target + " is already used in system " + system.code +
                            "; the expected version is " + expected->str() + ".")
          .with("expected_version", expected->str());
    }
  }
  if (parsed->str() != expected->str()) {
    const KindDef* k = proc.kind(kind);
    std::string rule_es, rule_en;
    if (k->version_rule == "major" || declared_major) {
      rule_es = "un pase de tipo " + k->label.es + " lleva una versión mayor N.0";
      rule_en = "a " + k->label.en + " release takes a major version N.0";
    } else if (k->version_rule == "minor") {
      rule_es = "un mantenimiento lleva la siguiente versión menor X.(Y+1); declárelo mayor para pasar a (X+1).0";
      rule_en = "a maintenance takes the next minor version X.(Y+1); declare it major to move to (X+1).0";
    } else {
      rule_es = "una emergencia lleva la siguiente versión de parche X.Y.(Z+1)";
      rule_en = "an emergency takes the next patch version X.Y.(Z+1)";
    }
    return make_error(Code::failed_precondition, "version.expected",
                      "La versión " + target + " no sigue la política de versiones (" + rule_es +
                          "): la versión esperada es " + expected->str() + ".",
                      "Version " + target + " breaks the version policy (" + rule_en +
                          "): the expected version is " + expected->str() + ".")
        .with("expected_version", expected->str());
  }
  return ok_status();
}

}  // namespace pasaprod
