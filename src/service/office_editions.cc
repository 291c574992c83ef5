// Editions of the procedure at run time: listing, checking and loading an edition file, and
// learning the editions another process loaded.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "service/office_internal.h"
#include "util/sha256.h"

namespace pasaprod {
namespace {

using nlohmann::json;

// The accounts' roles the candidate does not declare, and whether an active account holds its
// administering role office-wide: an edition must keep every role someone holds (it judges
// their requests beside the other editions) and must not lock out the office's administrators
// (when someone administers under `in_force`, someone must under the candidate).
Status roles_fit(const Procedure& candidate, const Procedure& in_force, const std::vector<User>& users) {
  std::map<std::string, std::set<std::string>> missing;  // role → usernames
  bool administered = false;
  bool administered_now = false;
  for (const User& u : users) {
    if (!u.active) continue;
    for (const auto* grants : {&u.grants, &u.directory_grants}) {
      for (const RoleGrant& g : *grants) {
        if (!candidate.role(g.role)) missing[g.role].insert(u.username);
      }
    }
    if (u.holds(candidate.administering_role(), "")) administered = true;
    if (u.holds(in_force.administering_role(), "")) administered_now = true;
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& [role, names] : missing) {
      std::string who;
      for (const auto& n : names) who += (who.empty() ? "" : ", ") + n;
      list += (list.empty() ? "" : "; ") + role + " (" + who + ")";
    }
    Error e = make_error(Code::failed_precondition, "procedure.roles_in_use",
                         "La edición " + candidate.edition + " no declara roles que tienen cuentas activas: " + list +
                             ". Declárelos en la edición o retírelos de esas cuentas antes de cargarla.",
                         "Edition " + candidate.edition + " does not declare roles active accounts hold: " + list +
                             ". Declare them in the edition or revoke them from those accounts before loading it.");
    for (const auto& [role, names] : missing) e.with("role", role);
    return e;
  }
  if (administered_now && !administered) {
    const std::string role = candidate.administering_role();
    return make_error(Code::failed_precondition, "procedure.no_administrator",
                      "Ninguna cuenta activa tiene el rol «" + role + "», que administra la edición " + candidate.edition +
                          ": asígnelo a alguien antes de cargarla.",
                      "No active account holds the role \"" + role + "\", which administers edition " + candidate.edition +
                          ": grant it to someone before loading it.")
        .with("role", role);
  }
  return ok_status();
}

Error edition_taken(const std::string& code) {
  return make_error(Code::already_exists, "procedure.duplicate_edition",
                    "La edición " + code + " ya está cargada: una edición nueva necesita un código nuevo (campo «edition»).",
                    "Edition " + code + " is already loaded: a new edition needs a new code (the \"edition\" field).")
      .with("edition", code);
}

}  // namespace

Status Office::learn_editions(ReadTx& tx) {
  bool unknown = false;
  for (const auto& e : tx.editions(false)) unknown = unknown || !procedures_.knows(e.code);
  if (!unknown) return ok_status();
  for (auto& e : tx.editions(true)) {
    if (procedures_.knows(e.code)) continue;
    if (sha256_hex(e.yaml) != e.sha256) {
      return make_error(Code::data_loss, "procedure.stored_altered",
                        "El archivo guardado de la edición " + e.code +
                            " no coincide con su huella SHA-256: fue alterado en la base de datos; restaure una copia de "
                            "respaldo y ejecute «pasaprod audit verify».",
                        "The stored file of edition " + e.code +
                            " does not match its SHA-256: it was altered in the database; restore a backup and run "
                            "\"pasaprod audit verify\".")
          .with("edition", e.code);
    }
    auto p = load_procedure(e.yaml, "edition " + e.code);
    if (!p) return p.error();
    // Another thread may have learned it meanwhile: that is the same edition.
    if (auto added = procedures_.add(std::move(*p), e.effective_from); !added && procedures_.knows(e.code)) continue;
    else if (!added) return added;
  }
  return ok_status();
}

Status Office::refresh_editions() {
  return store_.read([&](ReadTx& tx) { return learn_editions(tx); });
}

Result<std::vector<EditionInfo>> Office::editions() {
  std::vector<StoredEdition> stored;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    if (auto learned = learn_editions(tx); !learned) return learned;
    stored = tx.editions(false);
    return ok_status();
  });
  if (!st) return st.error();
  const std::string in_force = current_procedure().edition;
  std::vector<EditionInfo> out;
  for (const auto& entry : procedures_.schedule()) {
    const Procedure* p = procedures_.edition(entry.code);
    EditionInfo info;
    info.code = entry.code;
    info.title = p->title;
    info.approved_on = p->approved_on;
    info.builtin = entry.builtin;
    info.in_force = entry.code == in_force;
    info.effective_from = entry.effective_from;
    for (const auto& s : stored) {
      if (s.code != entry.code) continue;
      info.effective_date = s.effective_date;
      info.sha256 = s.sha256;
      info.loaded_at = s.loaded_at;
      info.loaded_by = s.loaded_by;
    }
    out.push_back(std::move(info));
  }
  return out;
}

Result<EditionCheck> Office::check_edition(const std::string& yaml, const std::string& name) {
  auto candidate = parse_edition(yaml, name);
  if (!candidate) return candidate.error();
  std::vector<User> users;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    if (auto learned = learn_editions(tx); !learned) return learned;
    users = tx.users();
    return ok_status();
  });
  if (!st) return st.error();
  if (procedures_.knows(candidate->edition)) return edition_taken(candidate->edition);
  if (auto fit = roles_fit(*candidate, current_procedure(), users); !fit) return fit.error();
  const Procedure& in_force = current_procedure();
  return EditionCheck{candidate->edition, candidate->title, in_force.edition, procedure_diff(in_force, *candidate)};
}

Result<EditionInfo> Office::load_edition(const Caller& caller, const std::string& yaml, const std::string& name,
                                         const std::string& effective_date) {
  if (auto st = require_admin(caller); !st) return st.error();
  auto candidate = parse_edition(yaml, name);
  if (!candidate) return candidate.error();
  auto zone = time_zone();
  const Timestamp now = clock_.now();
  const std::string today = format_local(now, *zone).substr(0, 10);
  std::optional<Timestamp> start;
  if (effective_date.size() == 10 && effective_date[4] == '-' && effective_date[7] == '-') {
    if (auto t = parse_local(effective_date + "T00:00", *zone)) start = *t;
  }
  if (!start) {
    return make_error(Code::invalid_argument, "procedure.bad_date",
                      "La fecha de vigencia «" + effective_date + "» no es válida: escríbala como AAAA-MM-DD (por ejemplo " +
                          today + ").",
                      "The effective date \"" + effective_date + "\" is not valid: write it as YYYY-MM-DD (for example " +
                          today + ").")
        .with("field", "effective");
  }
  if (effective_date < today) {
    return make_error(Code::invalid_argument, "procedure.effective_past",
                      "La fecha de vigencia " + effective_date + " ya pasó (hoy es " + today + " en " + zone->name() +
                          "): indique hoy o una fecha posterior; las solicitudes ya abiertas conservan su edición.",
                      "The effective date " + effective_date + " has passed (today is " + today + " in " + zone->name() +
                          "): give today or a later date; requests already open keep their edition.")
        .with("field", "effective");
  }
  const StoredEdition row{candidate->edition, candidate->title.es, yaml,           sha256_hex(yaml), std::max(*start, now),
                          effective_date,     now,                 caller.username};
  Status st = store_.write([&](WriteTx& tx) -> Status {
    if (auto learned = learn_editions(tx); !learned) return learned;
    if (procedures_.knows(row.code)) return edition_taken(row.code);
    if (auto fit = roles_fit(*candidate, current_procedure(), tx.users()); !fit) return fit;
    if (auto s = tx.insert_edition(row); !s) {
      return make_error(Code::already_exists, "procedure.same_instant",
                        "Otra edición ya entra en vigencia en ese mismo momento: elija otra fecha (vea «pasaprod procedure list»).",
                        "Another edition already comes into force at that same moment: choose another date (see \"pasaprod "
                        "procedure list\").")
          .with("field", "effective");
    }
    const json after = {{"edition", row.code},
                        {"title", row.title},
                        {"sha256", row.sha256},
                        {"bytes", row.yaml.size()},
                        {"effective_date", row.effective_date},
                        {"effective_from", format_iso(row.effective_from)},
                        {"time_zone", zone->name()}};
    auto e = tx.append_event(office_internal::event(caller, now, "procedure.load", "procedure:" + row.code, nullptr, after));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  EditionInfo info{row.code, candidate->title, candidate->approved_on, false, false, row.effective_from, row.effective_date,
                   row.sha256, row.loaded_at, row.loaded_by};
  if (auto added = procedures_.add(std::move(*candidate), row.effective_from); !added && !procedures_.knows(row.code)) {
    return added.error();
  }
  info.in_force = current_procedure().edition == row.code;
  return info;
}

Result<Procedure> Office::parse_edition(const std::string& yaml, const std::string& name) const {
  if (yaml.size() > kMaxEditionBytes) {
    return make_error(Code::invalid_argument, "procedure.too_large", "El archivo de edición supera 512 KB: una edición es texto de unas decenas de KB.",
                      "The edition file is over 512 KB: an edition is a few tens of KB of text.");
  }
  auto candidate = load_procedure(yaml, name);
  if (!candidate) return candidate.error();
  if (!office_internal::valid_code(candidate->edition, 32)) {
    return make_error(Code::invalid_argument, "procedure.bad_edition_code",
                      "El código de edición «" + candidate->edition +
                          "» debe tener de 1 a 32 letras, dígitos, «.», «-» o «_» (por ejemplo \"03\").",
                      "The edition code \"" + candidate->edition +
                          "\" must have 1 to 32 letters, digits, \".\", \"-\" or \"_\" (for example \"03\").");
  }
  return candidate;
}

}  // namespace pasaprod
