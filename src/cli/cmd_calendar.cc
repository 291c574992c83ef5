// calendar commands: a user's secret calendar addresses (iCalendar feeds, issue 15): list them,
// make or rotate one, remove one. Local with --as USER, or remote with --server and the token
// of that user. A key is printed once, on standard output, to the user it belongs to; an admin
// may remove another user's address but never sees it.
#include "cli/context.h"
#include "cli/remote.h"
#include "service/json_view.h"

namespace pasaprod {
namespace {

std::string key_line(const nlohmann::json& k) {
  const nlohmann::json& rotated = k["rotated_at"];
  return k.value("scope", "") + "\t" + k.value("created_at", "") + "\t" + (rotated.is_string() ? rotated.get<std::string>() : "-");
}

constexpr const char* kScopeHelp = "office (toda la oficina / the whole office), mine (mis solicitudes / my requests) o/or system:CÓDIGO";

}  // namespace

void register_calendar(CLI::App& app, CliContext& ctx) {
  auto* cal = app.add_subcommand("calendar", "Direcciones secretas de calendario / secret calendar (iCalendar) addresses");
  cal->require_subcommand(1);
  struct Args {
    std::string scope, as, user, public_url;
  };
  auto a = std::make_shared<Args>();

  auto* list = cal->add_subcommand("list", "Mis direcciones: alcance, creada, renovada / my addresses: scope, made, rotated");
  list->add_option("--as", a->as, "Usuario (local) / user (local)");
  list->callback([&ctx, a] {
    nlohmann::json items = nlohmann::json::array();
    if (!ctx.server.empty()) {
      items = ctx.take(remote(ctx).call("GET", "/api/v1/calendar/keys")).value("items", nlohmann::json::array());
    } else {
      for (const auto& k : ctx.take(ctx.office().calendar_keys(Caller{acting_user(ctx, a->as)}))) items.push_back(calendar_key_json(k));
    }
    std::string text;
    for (const auto& k : items) text += key_line(k) + "\n";
    if (items.empty()) text = ctx.t("Sin direcciones de calendario; cree una con «calendar rotate office».",
                                    "No calendar addresses; make one with \"calendar rotate office\".");
    ctx.print(items, text);
  });

  auto* rotate = cal->add_subcommand("rotate",
                                     "Crea o renueva una dirección e imprímela una vez (la anterior deja de funcionar) / make or "
                                     "rotate an address and print it once (the old one stops working)");
  rotate->add_option("SCOPE", a->scope, kScopeHelp)->required();
  rotate->add_option("--as", a->as, "Usuario dueño (local) / owner (local)");
  rotate->add_option("--public-url", a->public_url,
                     "Dirección pública del servidor (local), p. ej. https://pasaprod.minedu.gob.pe / the server's public address");
  rotate->callback([&ctx, a] {
    nlohmann::json j;
    if (!ctx.server.empty()) {
      j = ctx.take(remote(ctx).call("POST", "/api/v1/calendar/keys", {{"scope", a->scope}}));
    } else {
      const NewCalendarKey k = ctx.take(ctx.office().issue_calendar_key(Caller{acting_user(ctx, a->as)}, a->scope));
      std::string base = a->public_url;
      while (!base.empty() && base.back() == '/') base.pop_back();
      j = calendar_key_json(k.record);
      j["url"] = base + "/calendar/" + k.key + ".ics";
    }
    ctx.print(j, ctx.t("Dirección del calendario «", "Calendar address \"") + j.value("scope", "") +
                     ctx.t("» (cópiela ahora: no se volverá a mostrar):\n", "\" (copy it now: it is not shown again):\n") +
                     j.value("url", ""));
  });

  auto* revoke = cal->add_subcommand("revoke", "Elimina una dirección: deja de funcionar / remove an address: it stops working");
  revoke->add_option("SCOPE", a->scope, kScopeHelp)->required();
  revoke->add_option("--as", a->as, "Usuario que actúa (local) / acting user (local)");
  revoke->add_option("--user", a->user, "De quién (solo un administrador) / whose address (an admin only; default: mine)");
  revoke->callback([&ctx, a] {
    if (!ctx.server.empty()) {
      std::string target = "/api/v1/calendar/keys/" + url_segment(a->scope);
      if (!a->user.empty()) target += "?user=" + url_segment(a->user);
      ctx.take(remote(ctx).call("DELETE", target));
    } else {
      ctx.check(ctx.office().remove_calendar_key(Caller{acting_user(ctx, a->as)}, a->scope, a->user));
    }
    ctx.print({{"removed", a->scope}, {"user", a->user}},
              ctx.t("Dirección de calendario eliminada: ", "Calendar address removed: ") + a->scope + (a->user.empty() ? "" : " (" + a->user + ")"));
  });
}

}  // namespace pasaprod
