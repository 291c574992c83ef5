// Users, systems, freeze windows and settings (office.h).
#include <algorithm>

#include "core/version.h"
#include "service/office.h"
#include "util/zoneinfo.h"
#include "service/office_internal.h"

namespace pasaprod {

using nlohmann::json;
using office_internal::event;

namespace {

json grants_json(const std::vector<RoleGrant>& grants) {
  json out = json::array();
  for (const auto& g : grants) out.push_back(g.system.empty() ? json(g.role) : json(g.role + "@" + g.system));
  return out;
}

json user_json(const User& u) {
  return {{"username", u.username}, {"name", u.name}, {"email", u.email}, {"active", u.active}, {"lang", u.lang},
          {"mail_digest", u.mail_digest}, {"roles", grants_json(u.grants)}};
}

json system_json(const System& s) {
  return {{"code", s.code}, {"name", s.name}, {"unit", s.unit}, {"origin", s.origin}, {"status", s.status},
          {"initial_version", s.initial_version}, {"description", s.description}, {"technology", s.technology},
          {"indecopi", {{"requested_on", s.indecopi.requested_on}, {"file_number", s.indecopi.file_number}, {"status", s.indecopi.status}}}};
}

// An e-mail address mail can be sent to: "" (none), or local@domain with a plain local part
// and a domain of letters, digits and hyphens in two labels or more; no spaces, no controls.
bool valid_email(const std::string& e) {
  if (e.empty()) return true;
  const auto at = e.find('@');
  if (e.size() > 254 || at == std::string::npos || at == 0 || at > 64 || e.find('@', at + 1) != std::string::npos) return false;
  const std::string local = e.substr(0, at), domain = e.substr(at + 1);
  const std::string_view local_special = "!#$%&'*+-/=?^_`{|}~.";
  for (char c : local) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && local_special.find(c) == std::string_view::npos) return false;
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos) return false;
  if (domain.empty() || domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string::npos) {
    return false;
  }
  return std::all_of(domain.begin(), domain.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; });
}

Error bad_email(const std::string& e) {
  return make_error(Code::invalid_argument, "user.bad_email",
                    "La dirección de correo «" + e + "» no es válida: escriba una como nombre@dominio.gob.pe, o déjela vacía.",
                    "The e-mail address \"" + e + "\" is not valid: write one like name@domain.gob.pe, or leave it empty.")
      .with("field", "email");
}

}  // namespace

Status Office::require_admin(const Caller& caller, const std::vector<std::string>& roles) {
  if (caller.local) return ok_status();
  std::vector<std::string> allowed = roles.empty() ? std::vector<std::string>{current_procedure().administering_role()} : roles;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    auto u = tx.user(caller.username);
    if (!u || !u->active) {
      return make_error(Code::unauthenticated, "user.unknown", "Identifíquese con un usuario activo.", "Sign in as an active user.");
    }
    for (const auto& r : allowed) {
      if (u->holds(r, "")) return ok_status();
    }
    Error e = make_error(Code::permission_denied, "role.required",
                         "Esta operación requiere el rol " + roles_phrase(current_procedure(), allowed, "", Lang::es) + ".",
                         "This operation requires the role " + roles_phrase(current_procedure(), allowed, "", Lang::en) + ".");
    for (const auto& r : allowed) e.with("required_role", r);
    return e;
  });
  return st;
}

Result<User> Office::add_user(const Caller& caller, User user) {
  if (auto st = require_admin(caller); !st) return st.error();
  if (!office_internal::valid_code(user.username, 64)) {
    return make_error(Code::invalid_argument, "user.bad_username",
                      "El nombre de usuario debe tener de 1 a 64 letras, dígitos, «.», «-» o «_».",
                      "The username must have 1 to 64 letters, digits, \".\", \"-\" or \"_\".")
        .with("field", "username");
  }
  if (!valid_email(user.email)) return bad_email(user.email);
  if (user.name.empty()) user.name = user.username;
  const Procedure& proc = current_procedure();
  Status st = store_.write([&](WriteTx& tx) -> Status {
    for (auto& g : user.grants) {
      const RoleDef* role = proc.role(g.role);
      if (!role) {
        return make_error(Code::invalid_argument, "role.unknown", "Rol desconocido «" + g.role + "».", "Unknown role \"" + g.role + "\".")
            .with("field", "roles");
      }
      if (role->per_system && g.system.empty()) {
        return make_error(Code::invalid_argument, "role.needs_system",
                          "El rol " + role->label.es + " se asigna por sistema: indique el sistema.",
                          "The role " + role->label.en + " is held per system: name the system.")
            .with("field", "system");
      }
      if (!role->per_system) g.system.clear();
      if (!g.system.empty() && !tx.system(g.system)) return office_internal::not_found("El sistema", "System", g.system);
    }
    if (auto s = tx.insert_user(user); !s) return s;
    auto e = tx.append_event(event(caller, clock_.now(), "user.add", user.username, nullptr, user_json(user)));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return user;
}

Result<User> Office::update_profile(const Caller& caller, User changed) {
  const bool self = caller.username == changed.username;
  if (!self) {
    if (auto st = require_admin(caller); !st) return st.error();
  }
  if (!valid_email(changed.email)) return bad_email(changed.email);
  User result;
  Status st = store_.write([&](WriteTx& tx) -> Status {
    auto u = tx.user(changed.username);
    if (!u) return office_internal::not_found("El usuario", "User", changed.username);
    User next = *u;
    next.name = changed.name.empty() ? u->name : changed.name;
    next.email = changed.email;
    next.lang = changed.lang == "en" ? "en" : "es";
    next.mail_digest = changed.mail_digest;
    if (auto s = tx.update_user(next); !s) return s;
    if (u->mail_digest && !next.mail_digest) {
      const Timestamp now = clock_.now();
      if (auto d = office_internal::queue_digests(tx, next.username, now + 1, 1 << 20, now); !d) return d.error();
    }
    auto e = tx.append_event(event(caller, clock_.now(), "user.update", next.username, user_json(*u), user_json(next)));
    result = next;
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return result;
}

namespace {

// Applies `change` to a stored user in one transaction with its audit event.
Result<User> change_user(Store& store, const Clock& clock, const Caller& caller, const std::string& username,
                         const std::string& action, const std::function<Status(WriteTx&, User&)>& change) {
  User result;
  Status st = store.write([&](WriteTx& tx) -> Status {
    auto u = tx.user(username);
    if (!u) return office_internal::not_found("El usuario", "User", username);
    User next = *u;
    if (auto s = change(tx, next); !s) return s;
    if (auto s = tx.update_user(next); !s) return s;
    auto e = tx.append_event(event(caller, clock.now(), action, username, user_json(*u), user_json(next)));
    result = next;
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return result;
}

}  // namespace

Result<User> Office::grant(const Caller& caller, const std::string& username, RoleGrant grant) {
  if (auto st = require_admin(caller); !st) return st.error();
  const Procedure& proc = current_procedure();
  return change_user(store_, clock_, caller, username, "user.grant", [&](WriteTx& tx, User& u) -> Status {
    const RoleDef* role = proc.role(grant.role);
    if (!role) return make_error(Code::invalid_argument, "role.unknown", "Rol desconocido «" + grant.role + "».", "Unknown role \"" + grant.role + "\".");
    if (role->per_system && grant.system.empty()) {
      return make_error(Code::invalid_argument, "role.needs_system", "El rol " + role->label.es + " se asigna por sistema: indique --system.",
                        "The role " + role->label.en + " is held per system: give --system.");
    }
    if (!role->per_system) grant.system.clear();
    if (!grant.system.empty() && !tx.system(grant.system)) return office_internal::not_found("El sistema", "System", grant.system);
    if (std::find(u.grants.begin(), u.grants.end(), grant) == u.grants.end()) u.grants.push_back(grant);
    return ok_status();
  });
}

Result<User> Office::revoke(const Caller& caller, const std::string& username, const RoleGrant& grant) {
  if (auto st = require_admin(caller); !st) return st.error();
  return change_user(store_, clock_, caller, username, "user.revoke", [&](WriteTx&, User& u) -> Status {
    auto it = std::find(u.grants.begin(), u.grants.end(), grant);
    if (it == u.grants.end()) {
      return make_error(Code::not_found, "role.not_held", "El usuario no tiene ese rol.", "The user does not hold that role.");
    }
    u.grants.erase(it);
    return ok_status();
  });
}

Result<User> Office::set_active(const Caller& caller, const std::string& username, bool active) {
  if (auto st = require_admin(caller); !st) return st.error();
  return change_user(store_, clock_, caller, username, active ? "user.activate" : "user.deactivate",
                     [&](WriteTx&, User& u) -> Status {
                       u.active = active;
                       return ok_status();
                     });
}

Result<std::vector<User>> Office::users() {
  std::vector<User> out;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    out = tx.users();
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Result<User> Office::user(const std::string& username) {
  Result<User> out = office_internal::not_found("El usuario", "User", username);
  Status st = store_.read([&](ReadTx& tx) -> Status {
    out = tx.user(username);
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Result<System> Office::add_system(const Caller& caller, System system) {
  if (auto st = require_admin(caller); !st) return st.error();
  if (!office_internal::valid_code(system.code, 32)) {
    return make_error(Code::invalid_argument, "system.bad_code", "El código del sistema debe tener de 1 a 32 letras, dígitos, «.», «-» o «_».",
                      "The system code must have 1 to 32 letters, digits, \".\", \"-\" or \"_\".")
        .with("field", "code");
  }
  if (system.name.empty()) {
    return make_error(Code::invalid_argument, "system.bad_name", "Indique el nombre del sistema.", "Give the system's name.").with("field", "name");
  }
  if (system.origin != "inhouse" && system.origin != "outsourcing") {
    return make_error(Code::invalid_argument, "system.bad_origin", "El origen debe ser «inhouse» u «outsourcing».",
                      "The origin must be \"inhouse\" or \"outsourcing\".")
        .with("field", "origin");
  }
  if (!system.initial_version.empty()) {
    auto v = Version::parse(system.initial_version);
    if (!v) return v.error();
    if (system.status == "in_development") system.status = "in_production";
  }
  system.created_at = clock_.now();
  Status st = store_.write([&](WriteTx& tx) -> Status {
    if (auto s = tx.insert_system(system); !s) return s;
    auto e = tx.append_event(event(caller, system.created_at, "system.add", system.code, nullptr, system_json(system)));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return system;
}

Result<System> Office::update_system(const Caller& caller, System system) {
  if (auto st = require_admin(caller, current_procedure().roles_allowed(&RoleDef::edits_systems)); !st) return st.error();
  static const std::vector<std::string> statuses = {"in_development", "in_production", "retired"};
  if (system.name.empty() || system.name.size() > 200) {
    return make_error(Code::invalid_argument, "system.bad_name", "Indique el nombre del sistema (hasta 200 caracteres).",
                      "Give the system's name (up to 200 characters).")
        .with("field", "name");
  }
  if (system.origin != "inhouse" && system.origin != "outsourcing") {
    return make_error(Code::invalid_argument, "system.bad_origin", "El origen debe ser «inhouse» u «outsourcing».",
                      "The origin must be \"inhouse\" or \"outsourcing\".")
        .with("field", "origin");
  }
  if (std::find(statuses.begin(), statuses.end(), system.status) == statuses.end()) {
    return make_error(Code::invalid_argument, "system.bad_status", "El estado debe ser in_development, in_production o retired.",
                      "The status must be in_development, in_production or retired.")
        .with("field", "status");
  }
  const std::string& requested = system.indecopi.requested_on;
  if (!requested.empty() && (requested.size() != 10 || !parse_iso(requested))) {
    return make_error(Code::invalid_argument, "system.bad_indecopi_date",
                      "La fecha de solicitud a INDECOPI debe tener la forma AAAA-MM-DD (p. ej. 2026-03-15), o quedar vacía.",
                      "The INDECOPI request date must look like YYYY-MM-DD (e.g. 2026-03-15), or be empty.")
        .with("field", "indecopi_requested_on");
  }
  static const std::vector<std::string> indecopi_statuses = {"", "requested", "registered", "observed"};
  if (std::find(indecopi_statuses.begin(), indecopi_statuses.end(), system.indecopi.status) == indecopi_statuses.end()) {
    return make_error(Code::invalid_argument, "system.bad_indecopi_status",
                      "El estado del registro en INDECOPI debe ser requested (solicitado), registered (registrado) u observed "
                      "(observado), o quedar vacío.",
                      "The INDECOPI registration status must be requested, registered or observed, or be empty.")
        .with("field", "indecopi_status");
  }
  Status st = store_.write([&](WriteTx& tx) -> Status {
    auto old = tx.system(system.code);
    if (!old) return office_internal::not_found("El sistema", "System", system.code);
    system.created_at = old->created_at;
    if (system.asset_id.empty()) system.asset_id = old->asset_id;  // set by closing requests
    system.initial_version = old->initial_version;  // versions move only through releases
    if (auto s = tx.update_system(system); !s) return s;
    auto e = tx.append_event(event(caller, clock_.now(), "system.update", system.code, system_json(*old), system_json(system)));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return system;
}

Result<std::vector<System>> Office::systems() {
  std::vector<System> out;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    out = tx.systems();
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Result<SystemView> Office::system_view(const std::string& code) {
  SystemView v;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    auto s = tx.system(code);
    if (!s) return office_internal::not_found("El sistema", "System", code);
    v.system = *s;
    auto prod = production_version(current_procedure(), *s, tx.versions_of(code));
    v.production_version = prod ? prod->str() : "";
    ReleaseFilter f;
    f.system = code;
    f.limit = 1000;
    v.releases = tx.releases(f).items;
    return ok_status();
  });
  if (!st) return st.error();
  return v;
}

Result<FreezeWindow> Office::add_freeze(const Caller& caller, Timestamp from, Timestamp to, const std::string& reason) {
  if (auto st = require_admin(caller, current_procedure().roles_allowed(&RoleDef::sets_freezes)); !st) return st.error();
  if (to <= from) {
    return make_error(Code::invalid_argument, "freeze.bad_range", "El fin del congelamiento debe ser posterior a su inicio.",
                      "The freeze must end after it starts.");
  }
  if (reason.empty()) {
    return make_error(Code::invalid_argument, "freeze.reason_required", "Indique el motivo del congelamiento.", "Give the reason for the freeze.")
        .with("field", "reason");
  }
  FreezeWindow f{0, from, to, reason, caller.username, clock_.now()};
  Status st = store_.write([&](WriteTx& tx) -> Status {
    auto id = tx.insert_freeze(f);
    if (!id) return id.error();
    f.id = *id;
    json after = {{"id", f.id}, {"from", format_iso(from)}, {"to", format_iso(to)}, {"reason", reason}};
    auto e = tx.append_event(event(caller, f.created_at, "freeze.add", office_internal::freeze_subject(f.id), nullptr, after));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return f;
}

namespace {

json freeze_fields(const FreezeWindow& f) {
  return {{"id", f.id}, {"from", format_iso(f.from)}, {"to", format_iso(f.to)}, {"reason", f.reason}};
}

}  // namespace

// One change to a freeze: `change` edits it (false: remove), in one transaction with its event.
Result<FreezeWindow> Office::change_freeze(const Caller& caller, std::int64_t id, const std::string& action,
                                           const std::string& note,
                                           const std::function<Status(FreezeWindow&, Timestamp now)>& change) {
  if (auto st = require_admin(caller, current_procedure().roles_allowed(&RoleDef::sets_freezes)); !st) return st.error();
  if (note.find_first_not_of(" \t\r\n") == std::string::npos) {
    return make_error(Code::invalid_argument, "freeze.note_required", "Indique en una nota por qué cambia el congelamiento.",
                      "Say in a note why the freeze changes.")
        .with("field", "note");
  }
  FreezeWindow after;
  Status st = store_.write([&](WriteTx& tx) -> Status {
    const Timestamp now = clock_.now();
    std::optional<FreezeWindow> before;
    for (const auto& f : tx.freezes()) {
      if (f.id == id) before = f;
    }
    if (!before) {
      return make_error(Code::not_found, "freeze.not_found", "El congelamiento " + std::to_string(id) + " no existe.",
                        "Freeze " + std::to_string(id) + " does not exist.");
    }
    after = *before;
    json after_j = nullptr;
    if (change) {
      if (auto c = change(after, now); !c) return c;
      if (after.to <= after.from) {
        return make_error(Code::invalid_argument, "freeze.bad_range", "El fin del congelamiento debe ser posterior a su inicio.",
                          "The freeze must end after it starts.");
      }
      if (auto u = tx.update_freeze(after); !u) return u;
      after_j = freeze_fields(after);
    } else if (auto d = tx.delete_freeze(id); !d) {
      return d;
    }
    json before_j = freeze_fields(*before);
    before_j["note"] = note;
    auto e = tx.append_event(event(caller, now, action, office_internal::freeze_subject(id), before_j, after_j));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return after;
}

Result<FreezeWindow> Office::end_freeze(const Caller& caller, std::int64_t id, const std::string& note) {
  return change_freeze(caller, id, "freeze.end", note, [](FreezeWindow& f, Timestamp now) -> Status {
    if (now >= f.to) {
      return make_error(Code::failed_precondition, "freeze.over", "Este congelamiento ya terminó.", "This freeze is already over.");
    }
    if (now < f.from) {
      return make_error(Code::failed_precondition, "freeze.not_started",
                        "Este congelamiento aún no empieza: cámbielo o elimínelo en lugar de terminarlo.",
                        "This freeze has not started yet: change or remove it instead of ending it.");
    }
    f.to = std::max(now, f.from + 1);
    return ok_status();
  });
}

Result<FreezeWindow> Office::edit_freeze(const Caller& caller, std::int64_t id, Timestamp from, Timestamp to, const std::string& reason,
                                         const std::string& note) {
  if (reason.empty()) {
    return make_error(Code::invalid_argument, "freeze.reason_required", "Indique el motivo del congelamiento.", "Give the reason for the freeze.")
        .with("field", "reason");
  }
  return change_freeze(caller, id, "freeze.edit", note, [&](FreezeWindow& f, Timestamp) -> Status {
    f.from = from;
    f.to = to;
    f.reason = reason;
    return ok_status();
  });
}

Status Office::remove_freeze(const Caller& caller, std::int64_t id, const std::string& note) {
  auto r = change_freeze(caller, id, "freeze.remove", note, nullptr);
  return r ? ok_status() : Status(r.error());
}

Result<std::vector<FreezeWindow>> Office::freezes() {
  std::vector<FreezeWindow> out;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    out = tx.freezes();
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Status Office::set_setting(const Caller& caller, const std::string& key, const std::string& value) {
  if (auto st = require_admin(caller, current_procedure().roles_allowed(&RoleDef::edits_settings)); !st) return st;
  if (key == office_internal::kQuorumSetting && value != "majority" && value != "") {
    int n = 0;
    try {
      n = std::stoi(value);
    } catch (...) {
    }
    if (n <= 0) {
      return make_error(Code::invalid_argument, "setting.bad_quorum", "El quórum debe ser «majority» o un número positivo.",
                        "The quorum must be \"majority\" or a positive number.");
    }
  }
  if (key == kDocumentLangSetting && value != "es" && value != "en") {
    return make_error(Code::invalid_argument, "setting.bad_lang", "El idioma de los documentos debe ser «es» o «en».",
                      "The documents' language must be \"es\" or \"en\".");
  }
  if (key == kTimeZoneSetting) {
    if (auto z = load_time_zone(value); !z) return z.error();
  }
  if (key == kInstitutionSetting && value.size() > 200) {
    return make_error(Code::invalid_argument, "setting.bad_institution", "El nombre de la institución admite hasta 200 caracteres.",
                      "The institution's name takes at most 200 characters.");
  }
  Status st = store_.write([&](WriteTx& tx) -> Status {
    auto old = tx.setting(key);
    if (auto s = tx.put_setting(key, value); !s) return s;
    auto e = tx.append_event(event(caller, clock_.now(), "setting.put", key, old ? json(*old) : json(nullptr), json(value)));
    return e ? ok_status() : Status(e.error());
  });
  return st;
}

Status Office::record_backup(const Caller& caller, const json& archive) {
  if (Status st = require_admin(caller); !st) return st;
  return store_.write([&](WriteTx& tx) -> Status {
    auto e = tx.append_event(event(caller, clock_.now(), "backup.create", "office", nullptr, archive));
    return e ? ok_status() : Status(e.error());
  });
}

std::shared_ptr<const TimeZone> Office::time_zone() {
  std::string name;
  (void)store_.read([&](ReadTx& tx) -> Status {
    name = tx.setting(kTimeZoneSetting).value_or("");
    return ok_status();
  });
  return zone_named(name);
}

std::shared_ptr<const TimeZone> Office::zone_named(const std::string& setting) {
  const std::string name = setting.empty() ? kDefaultTimeZone : setting;
  {
    std::lock_guard lock(zone_mu_);
    if (auto it = zones_.find(name); it != zones_.end()) return it->second;
  }
  auto z = load_time_zone(name);
  auto loaded = std::make_shared<const TimeZone>(z ? std::move(*z) : TimeZone::utc());
  std::lock_guard lock(zone_mu_);
  if (zones_.size() >= 64) zones_.clear();  // names come from an administrator: a few at most
  return zones_.emplace(name, std::move(loaded)).first->second;
}

}  // namespace pasaprod
