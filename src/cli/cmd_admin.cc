// init, user, system and freeze commands.
#include <sstream>

#include "cli/context.h"
#include "core/version.h"
#include "service/json_view.h"

namespace pasaprod {
namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Roles given by hand, then those from the directory's groups (marked).
std::string roles_text(CliContext& ctx, const User& u) {
  std::string out;
  for (const auto& g : u.grants) out += (out.empty() ? "" : ", ") + g.role + (g.system.empty() ? "" : "@" + g.system);
  for (const auto& g : u.directory_grants) {
    out += (out.empty() ? "" : ", ") + g.role + (g.system.empty() ? "" : "@" + g.system) + ctx.t(" (directorio)", " (directory)");
  }
  return out;
}

}  // namespace

void register_init(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("init", "Crea la base de datos (si no existe) / create the database if missing");
  cmd->callback([&ctx] {
    LocalOffice& lo = ctx.local();
    int schema = 0;
    ctx.check(lo.store().read([&schema](ReadTx& tx) {
      schema = tx.schema_version();
      return ok_status();
    }));
    ctx.print({{"db", lo.db_path()}, {"schema_version", schema}, {"edition", lo.office().current_procedure().edition}},
              ctx.t("Base de datos lista: ", "Database ready: ") + lo.db_path() + " (" + ctx.t("edición ", "edition ") +
                  lo.office().current_procedure().edition + ")");
  });
}

void register_user(CLI::App& app, CliContext& ctx) {
  auto* user = app.add_subcommand("user", "Usuarios y roles / users and roles");
  user->require_subcommand(1);

  struct AddArgs {
    std::string username, name, roles, system, email;
  };
  auto args = std::make_shared<AddArgs>();
  auto* add = user->add_subcommand("add", "Crea un usuario / add a user");
  add->add_option("USERNAME", args->username, "Nombre de usuario")->required();
  add->add_option("--name", args->name, "Nombre completo / full name")->required();
  add->add_option("--role", args->roles, "Roles separados por comas / comma-separated roles")->required();
  add->add_option("--system", args->system, "Sistema para roles por sistema / system for per-system roles");
  add->add_option("--email", args->email, "Correo / e-mail");
  add->callback([&ctx, args] {
    User u;
    u.username = args->username;
    u.name = args->name;
    u.email = args->email;
    for (const auto& r : split_commas(args->roles)) u.grants.push_back({r, args->system});
    User created = ctx.take(ctx.office().add_user(local_caller(), u));
    ctx.print(user_json(created), ctx.t("Usuario creado: ", "User added: ") + created.username + " (" + roles_text(ctx, created) + ")");
  });

  auto gargs = std::make_shared<AddArgs>();
  auto* grant = user->add_subcommand("grant", "Asigna un rol / grant a role");
  grant->add_option("USERNAME", gargs->username, "Usuario")->required();
  grant->add_option("ROLE", gargs->roles, "Rol / role")->required();
  grant->add_option("--system", gargs->system, "Sistema (roles por sistema) / system (per-system roles)");
  grant->callback([&ctx, gargs] {
    User u = ctx.take(ctx.office().grant(local_caller(), gargs->username, {gargs->roles, gargs->system}));
    ctx.print(user_json(u), u.username + ": " + roles_text(ctx, u));
  });

  auto* list = user->add_subcommand("list", "Lista los usuarios / list users");
  list->callback([&ctx] {
    auto users = ctx.take(ctx.office().users());
    nlohmann::json j = nlohmann::json::array();
    std::string text;
    for (const auto& u : users) {
      j.push_back(user_json(u));
      text += u.username + "\t" + u.name + "\t" + roles_text(ctx, u) + (u.active ? "" : ctx.t("\t(inactivo)", "\t(inactive)")) + "\n";
    }
    ctx.print(j, text);
  });
}

void register_system(CLI::App& app, CliContext& ctx) {
  auto* sys = app.add_subcommand("system", "Inventario de sistemas / information systems");
  sys->require_subcommand(1);
  auto s = std::make_shared<System>();
  auto* add = sys->add_subcommand("add", "Registra un sistema / register a system");
  add->add_option("CODE", s->code, "Código / code")->required();
  add->add_option("--name", s->name, "Nombre / name")->required();
  add->add_option("--unit", s->unit, "Unidad dueña / owning unit");
  add->add_option("--origin", s->origin, "inhouse|outsourcing")->check(CLI::IsMember({"inhouse", "outsourcing"}));
  add->add_option("--version", s->initial_version, "Versión en producción / version in production (X.Y[.Z])");
  add->add_option("--description", s->description, "Descripción / description");
  add->add_option("--technology", s->technology, "Tecnología / technology notes");
  add->callback([&ctx, s] {
    System created = ctx.take(ctx.office().add_system(local_caller(), *s));
    ctx.print(system_json(created), ctx.t("Sistema registrado: ", "System registered: ") + created.code + " — " + created.name);
  });

  auto* list = sys->add_subcommand("list", "Lista los sistemas / list systems");
  list->callback([&ctx] {
    auto systems = ctx.take(ctx.office().systems());
    nlohmann::json j = nlohmann::json::array();
    std::string text;
    for (const auto& x : systems) {
      SystemView v = ctx.take(ctx.office().system_view(x.code));
      j.push_back(system_view_json(v));
      text += x.code + "\t" + (v.production_version.empty() ? "-" : v.production_version) + "\t" + x.status + "\t" + x.name + "\n";
    }
    ctx.print(j, text);
  });

  auto code = std::make_shared<std::string>();
  auto* show = sys->add_subcommand("show", "Muestra un sistema y su versión en producción / show a system");
  show->add_option("CODE", *code, "Código / code")->required();
  show->callback([&ctx, code] {
    SystemView v = ctx.take(ctx.office().system_view(*code));
    std::string text = v.system.code + " — " + v.system.name + "\n";
    text += ctx.t("Versión en producción: ", "Version in production: ") + (v.production_version.empty() ? "-" : v.production_version) + "\n";
    text += ctx.t("Estado: ", "Status: ") + v.system.status + "\n";
    text += ctx.t("Unidad: ", "Unit: ") + v.system.unit + "\n";
    text += ctx.t("Origen: ", "Origin: ") + v.system.origin + "\n";
    if (!v.system.indecopi.file_number.empty()) text += "INDECOPI: " + v.system.indecopi.file_number + " (" + v.system.indecopi.requested_on + ")\n";
    if (!v.releases.empty()) text += ctx.t("Pases:\n", "Releases:\n");
    for (const auto& r : v.releases) text += "  " + r.number + "\t" + r.kind + "\t" + r.version + "\t" + r.state + "\t" + r.title + "\n";
    ctx.print(system_view_json(v), text);
  });
}

void register_freeze(CLI::App& app, CliContext& ctx) {
  auto* freeze = app.add_subcommand("freeze", "Periodos de congelamiento / freeze windows");
  freeze->require_subcommand(1);
  struct Args {
    std::string from, to, reason, as;
  };
  auto a = std::make_shared<Args>();
  auto* add = freeze->add_subcommand("add", "Registra un congelamiento / add a freeze window");
  add->add_option("FROM", a->from, "Inicio ISO 8601 / start")->required();
  add->add_option("TO", a->to, "Fin ISO 8601 / end")->required();
  add->add_option("--reason", a->reason, "Motivo / reason")->required();
  add->add_option("--as", a->as, "Usuario que actúa / acting user")->required();
  add->callback([&ctx, a] {
    Timestamp from = ctx.take(parse_iso(a->from));
    Timestamp to = ctx.take(parse_iso(a->to));
    FreezeWindow f = ctx.take(ctx.office().add_freeze(Caller{a->as}, from, to, a->reason));
    ctx.print(freeze_json(f), ctx.t("Congelamiento registrado: ", "Freeze added: ") + format_iso(f.from) + " – " + format_iso(f.to));
  });
  struct ChangeArgs {
    std::int64_t id = 0;
    std::string from, to, reason, note, as;
  };
  auto c = std::make_shared<ChangeArgs>();
  auto* end = freeze->add_subcommand("end", "Termina ahora un congelamiento / end a freeze window now");
  end->add_option("ID", c->id, "Id del congelamiento (freeze list) / freeze id")->required();
  end->add_option("--note", c->note, "Por qué / why (required, audited)")->required();
  end->add_option("--as", c->as, "Usuario que actúa / acting user")->required();
  end->callback([&ctx, c] {
    FreezeWindow f = ctx.take(ctx.office().end_freeze(Caller{c->as}, c->id, c->note));
    ctx.print(freeze_json(f), ctx.t("Congelamiento terminado: ", "Freeze ended: ") + format_iso(f.from) + " – " + format_iso(f.to));
  });
  auto* edit = freeze->add_subcommand("edit", "Cambia un congelamiento / change a freeze window");
  edit->add_option("ID", c->id, "Id del congelamiento / freeze id")->required();
  edit->add_option("FROM", c->from, "Inicio ISO 8601 / start")->required();
  edit->add_option("TO", c->to, "Fin ISO 8601 / end")->required();
  edit->add_option("--reason", c->reason, "Motivo / reason")->required();
  edit->add_option("--note", c->note, "Por qué cambia / why it changes (required, audited)")->required();
  edit->add_option("--as", c->as, "Usuario que actúa / acting user")->required();
  edit->callback([&ctx, c] {
    Timestamp from = ctx.take(parse_iso(c->from));
    Timestamp to = ctx.take(parse_iso(c->to));
    FreezeWindow f = ctx.take(ctx.office().edit_freeze(Caller{c->as}, c->id, from, to, c->reason, c->note));
    ctx.print(freeze_json(f), ctx.t("Congelamiento cambiado: ", "Freeze changed: ") + format_iso(f.from) + " – " + format_iso(f.to));
  });
  auto* remove = freeze->add_subcommand("remove", "Elimina un congelamiento / remove a freeze window");
  remove->add_option("ID", c->id, "Id del congelamiento / freeze id")->required();
  remove->add_option("--note", c->note, "Por qué / why (required, audited)")->required();
  remove->add_option("--as", c->as, "Usuario que actúa / acting user")->required();
  remove->callback([&ctx, c] {
    ctx.check(ctx.office().remove_freeze(Caller{c->as}, c->id, c->note));
    ctx.print({{"removed", c->id}}, ctx.t("Congelamiento eliminado.", "Freeze removed."));
  });
  auto* list = freeze->add_subcommand("list", "Lista los congelamientos / list freeze windows");
  list->callback([&ctx] {
    auto all = ctx.take(ctx.office().freezes());
    nlohmann::json j = nlohmann::json::array();
    std::string text;
    for (const auto& f : all) {
      j.push_back(freeze_json(f));
      text += std::to_string(f.id) + "\t" + format_iso(f.from) + " – " + format_iso(f.to) + "\t" + f.reason + "\n";
    }
    ctx.print(j, text);
  });
}

}  // namespace pasaprod
