#include "web/page.h"

#include <spdlog/spdlog.h>

#include "auth/credentials.h"
#include "http/header_safety.h"
#include "service/office_reports.h"
#include "util/sha256.h"
#include "web/render.h"

namespace pasaprod::web {

using nlohmann::json;

namespace {

std::shared_ptr<const Catalog> load_catalog(const Assets& assets) {
  auto es = assets.get("i18n/es.json");
  auto en = assets.get("i18n/en.json");
  auto c = Catalog::parse(es.value_or(""), en.value_or(""));
  if (!c) {
    spdlog::error("web: {}", c.error().en);
    return std::make_shared<const Catalog>(*Catalog::parse("{}", "{}"));
  }
  return std::make_shared<const Catalog>(std::move(*c));
}

}  // namespace

Web::Web(api::ApiContext& api, WebOptions options)
    : api_(api),
      options_(std::move(options)),
      assets_(options_.dev_dir),
      flashes_(std::make_unique<FlashStore>(api.office)),
      once_(std::make_unique<OnceStore>(api.office)) {
  if (!assets_.from_disk()) catalog_ = load_catalog(assets_);
}

std::shared_ptr<const Catalog> Web::catalog() const { return catalog_ ? catalog_ : load_catalog(assets_); }

Page::Page(const Web& w, http::Request& r) : web(w), req(r), cat(w.catalog()), zone(w.office().time_zone()) {
  if (auto sid = req.cookie(web.api_options().session_cookie)) {
    auto p = web.access().from_session(*sid);
    if (p) who = std::move(*p);
  }
  if (!who) {
    // 43 characters of URL-safe base64 (32 random bytes); anything else is replaced.
    auto c = req.cookie(kPreSessionCookie);
    const bool well_formed = c && c->size() == 43 &&
                             c->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                                 std::string::npos;
    if (well_formed) {
      pre_csrf = *c;
    } else {
      pre_csrf = auth::random_secret(32);
      pre_csrf_new = true;
    }
  }
  if (who) {
    lang = parse_lang(who->user.lang);
  } else if (auto c = req.cookie("pasaprod_lang")) {
    lang = parse_lang(*c);
  } else {
    lang = req.lang();
  }
}

bool Page::holds(const std::string& role) const {
  if (!who) return false;
  for (const auto* list : {&who->user.grants, &who->user.directory_grants}) {
    for (const auto& g : *list) {
      if (g.role == role) return true;
    }
  }
  return false;
}

std::string Page::when_iso(const std::string& iso) const {
  auto t = parse_iso(iso);
  return t ? when(*t) : iso;
}

std::vector<std::string> Page::form_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : http::parse_query(req.body())) {
    if (k == name) out.push_back(v);
  }
  return out;
}

std::string Page::visitor() const { return who ? who->session_digest : sha256_hex(pre_csrf); }

http::Response Page::redirect_flash(const std::string& location, const json& data, const json& smaller) const {
  const std::string path = location.substr(0, location.find_first_of("?#"));
  const std::string id = web.flashes().put(visitor(), path, data, smaller, office().now());
  http::Response res = redirect(location);
  if (!id.empty()) {
    res.set_cookie({.name = kFlashCookie, .value = id, .max_age = std::chrono::seconds(FlashStore::kLifetimeMs / 1000),
                    .http_only = true, .secure = web.api_options().secure_cookies, .same_site = "Strict"});
  }
  if (pre_csrf_new) {
    res.set_cookie({.name = kPreSessionCookie, .value = pre_csrf, .http_only = true,
                    .secure = web.api_options().secure_cookies, .same_site = "Strict"});
  }
  return res;
}

const json& Page::flash() {
  if (flash_taken_) return flash_;
  flash_taken_ = true;
  auto id = req.cookie(kFlashCookie);
  if (!id) return flash_;
  auto data = web.flashes().take(*id, visitor(), req.path(), office().now());
  if (data) {
    flash_ = std::move(*data);
    clear_flash_cookie_ = true;
  }
  return flash_;
}

http::Response Page::refuse_to(const std::string& location, const Error& e, const json& values) const {
  return redirect_flash(location, {{"error", error_to_json(e)}, {"values", values}}, {{"error", error_to_json(e)}});
}

std::optional<Error> Page::flash_error() {
  const json& f = flash();
  return f.is_object() && f.contains("error") ? error_from_json(f["error"]) : std::nullopt;
}

json Page::flash_values(json otherwise) {
  const json& f = flash();
  return f.is_object() && f.contains("values") && f["values"].is_object() ? f["values"] : otherwise;
}

json Page::error_view(const Error& e) const {
  return {{"message", e.message(lang)}, {"error_id", e.id}, {"field", e.detail("field")}};
}

http::Response Page::render(const std::string& name, json data, int status) const {
  auto body_tmpl = web.assets().get("templates/" + name + ".mustache");
  auto layout_tmpl = web.assets().get("templates/layout.mustache");
  if (!body_tmpl || !layout_tmpl) return http::Response::text("template missing: " + name, 500);
  data["t"] = cat->tree(lang);
  data["lang"] = lang == Lang::en ? "en" : "es";
  data["lang_es"] = lang == Lang::es;
  data["lang_en"] = lang == Lang::en;
  data["here"] = req.target();
  const Timestamp now = office().now();
  data["zone_note"] = fmt("app.zone_note", {{"zone", zone->name()}, {"abbr", zone->abbreviation(now)}});
  data["footer"] = fmt("app.footer", {{"edition", proc().edition}});  // the edition new requests are opened under
  data["zone_hint"] = fmt("app.zone_hint", {{"zone", zone->name()}});
  if (auto ok = req.query("ok"); ok && !data.contains("flash") && cat->has(lang, "flash." + *ok)) data["flash"] = t("flash." + *ok);
  // A refusal the page has no place of its own for (add_page's default for refused inputs).
  if (!data.contains("alert") && flash_.is_object() && flash_.contains("alert")) data["alert"] = flash_["alert"];
  if (who) {
    data["me"] = {{"username", who->user.username}, {"name", who->user.name}};
    data["csrf"] = who->csrf_token;
    data["nav_admin"] = holds(proc().administering_role());
    bool pmo = false;
    for (const auto& r : adherence_viewer_roles(proc())) pmo = pmo || who->user.holds(r, "");
    data["nav_pmo"] = pmo;
  } else {
    data["csrf"] = pre_csrf;
  }
  auto body = render_template(*body_tmpl, data);
  if (!body) {
    spdlog::error("web: {}: {}", name, body.error().en);
    return http::Response::text(body.error().en, 500);
  }
  data["content"] = std::move(*body);
  if (!data.contains("title")) data["title"] = "";
  data["page_title"] = data["title"].is_string() && !data["title"].get<std::string>().empty()
                           ? t("title." + data["title"].get<std::string>())
                           : t("app.name");
  if (data.contains("heading") && data["heading"].is_string()) data["page_title"] = data["heading"];
  auto page = render_template(*layout_tmpl, data);
  if (!page) return http::Response::text(page.error().en, 500);
  http::Response res = http::Response::html(std::move(*page), status);
  res.set_header("Content-Language", lang == Lang::en ? "en" : "es");
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
                 "base-uri 'none'; frame-ancestors 'none'");
  if (pre_csrf_new) {
    res.set_cookie({.name = kPreSessionCookie, .value = pre_csrf, .http_only = true,
                    .secure = web.api_options().secure_cookies, .same_site = "Strict"});
  }
  if (clear_flash_cookie_) {
    res.set_cookie({.name = kFlashCookie, .value = "", .max_age = std::chrono::seconds(0), .http_only = true,
                    .secure = web.api_options().secure_cookies, .same_site = "Strict"});
  }
  return res;
}

http::Response Page::error_page(const Error& e) const {
  json data = {{"title", "error"}, {"error", error_view(e)}};
  return render("error", data, http::http_status(e.code));
}

namespace {

// The path (and query) of the page of this server a form was posted from (Referer, same
// Host), or "/inbox".
std::string referring_page(const http::Request& req) {
  const std::string ref(req.header("Referer").value_or(""));
  const auto scheme = ref.find("://");
  if (scheme == std::string::npos) return "/inbox";
  const auto path = ref.find('/', scheme + 3);
  if (path == std::string::npos || ref.substr(scheme + 3, path - scheme - 3) != req.header("Host").value_or("")) return "/inbox";
  const auto anchor = ref.find('#', path);
  const std::string local = ref.substr(path, anchor == std::string::npos ? std::string::npos : anchor - path);
  return is_local_path(local) ? local : "/inbox";
}

// A field over its limit named by its label (field.KEY of the catalog; record fields are
// f_KEY) when the catalog has one; other errors as they are.
Error for_people(const Page& page, const Error& e) {
  if (e.id != "input.too_long") return e;
  std::string key = e.detail("field");
  if (key.rfind("f_", 0) == 0) key = key.substr(2);
  auto message = [&](Lang lang) {
    const std::string label = page.cat->has(lang, "field." + key) ? page.cat->text(lang, "field." + key) : key;
    return page.cat->format(lang, "error.too_long", {{"label", label}, {"limit", e.detail("limit")}});
  };
  Error out = make_error(e.code, e.id, message(Lang::es), message(Lang::en));
  out.details = e.details;
  return out;
}

// The checks every page makes before its handler: a session (unless `access` is anyone), the
// CSRF token on a POST, the admin role. Answers the refusal, or nullopt to go on.
std::optional<http::Response> refuse_early(Page& page, PageAccess access, bool post) {
  if (access != PageAccess::anyone && !page.who) {
    if (post) return http::Response::redirect("/login");
    return http::Response::redirect("/login?next=" + url_part(page.req.target()));
  }
  const bool csrf_ok = page.who ? csrf_matches(page.form("csrf"), page.who->csrf_token)
                                : !page.pre_csrf_new && csrf_matches(page.form("csrf"), page.pre_csrf);
  if (post && !csrf_ok) {
    return page.error_page(make_error(Code::permission_denied, "csrf.invalid", page.cat->text(Lang::es, "error.csrf"),
                                      page.cat->text(Lang::en, "error.csrf")));
  }
  if (access == PageAccess::admin && !page.user().holds(page.proc().administering_role(), "")) {
    return page.error_page(make_error(Code::permission_denied, "role.required", page.cat->text(Lang::es, "error.admin_only"),
                                      page.cat->text(Lang::en, "error.admin_only")));
  }
  return std::nullopt;
}

}  // namespace

void add_page(http::RouteTable& routes, std::shared_ptr<const Web> web, http::Method method, std::string pattern, std::string summary,
              PageAccess access, PageFn fn, PageFn on_bad_input) {
  const bool post = method == http::Method::post;
  http::StreamRefusal form_refusal;
  if (post) {
    form_refusal = [web, access, on_bad_input](http::Request& req, const Error& why) {
      Page page(*web, req);
      if (auto refused = refuse_early(page, access, true)) return std::move(*refused);
      page.input_error = for_people(page, why);
      if (on_bad_input) return on_bad_input(page);
      return page.redirect_flash(referring_page(req), {{"alert", page.input_error->message(page.lang)}});
    };
  }
  routes.add({.method = method,
              .pattern = std::move(pattern),
              .auth = http::Auth::none,
              .summary = std::move(summary),
              .description = access == PageAccess::anyone ? "Web page (HTML)."
                                                          : "Web page (HTML); signs in through the session cookie, "
                                                            "redirecting to /login without one.",
              .body = post ? http::BodyKind::form : http::BodyKind::none,
              .responses = {{post ? 303 : 200, post ? "To the page the form belongs to" : "HTML page", nullptr, "text/html"}},
              .tags = {"web"},
              .handler = [web, access, post, fn](http::Request& req) {
                Page page(*web, req);
                if (auto refused = refuse_early(page, access, post)) return std::move(*refused);
                if (!post) (void)page.flash();
                return fn(page);
              },
              .form_refusal = std::move(form_refusal)});
}

json error_to_json(const Error& e) {
  json details = json::array();
  for (const auto& d : e.details) details.push_back({d.key, d.value});
  return {{"code", static_cast<int>(e.code)}, {"id", e.id}, {"es", e.es}, {"en", e.en}, {"details", details}};
}

std::optional<Error> error_from_json(const json& j) {
  if (!j.is_object() || !j.contains("id")) return std::nullopt;
  const int code = j.value("code", static_cast<int>(Code::internal));
  Error e = make_error(code >= 0 && code <= static_cast<int>(Code::internal) ? static_cast<Code>(code) : Code::internal,
                       j.value("id", ""), j.value("es", ""), j.value("en", ""));
  for (const auto& d : j.value("details", json::array())) {
    if (d.is_array() && d.size() == 2 && d[0].is_string() && d[1].is_string()) e.with(d[0].get<std::string>(), d[1].get<std::string>());
  }
  return e;
}

bool is_local_path(const std::string& path) { return http::is_safe_local_target(path); }

bool csrf_matches(const std::string& sent, const std::string& expected) {
  return !expected.empty() && auth::equal_secrets(sent, expected);
}

std::string url_part(const std::string& text) { return http::percent_encode(text); }

}  // namespace pasaprod::web
