#include "web/page.h"

#include <spdlog/spdlog.h>

#include "auth/credentials.h"
#include "http/header_safety.h"
#include "service/office_reports.h"
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

Web::Web(api::ApiContext& api, WebOptions options) : api_(api), options_(std::move(options)), assets_(options_.dev_dir) {
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
  data["zone_hint"] = fmt("app.zone_hint", {{"zone", zone->name()}});
  if (auto ok = req.query("ok"); ok && !data.contains("flash") && cat->has(lang, "flash." + *ok)) data["flash"] = t("flash." + *ok);
  if (who) {
    data["me"] = {{"username", who->user.username}, {"name", who->user.name}};
    data["csrf"] = who->csrf_token;
    data["nav_admin"] = holds("admin");
    bool pmo = who->user.holds("admin", "");
    for (const auto& r : adherence_viewer_roles()) pmo = pmo || who->user.holds(r, "");
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
  return res;
}

http::Response Page::error_page(const Error& e) const {
  json data = {{"title", "error"}, {"error", error_view(e)}};
  return render("error", data, http::http_status(e.code));
}

void add_page(http::RouteTable& routes, std::shared_ptr<const Web> web, http::Method method, std::string pattern, std::string summary,
              PageAccess access, PageFn fn) {
  const bool post = method == http::Method::post;
  routes.add({.method = method,
              .pattern = std::move(pattern),
              .auth = http::Auth::none,
              .summary = std::move(summary),
              .description = access == PageAccess::anyone ? "Web page (HTML)."
                                                          : "Web page (HTML); signs in through the session cookie, "
                                                            "redirecting to /login without one.",
              .body = post ? http::BodyKind::form : http::BodyKind::none,
              .responses = {{200, "HTML page", nullptr, "text/html"}},
              .tags = {"web"},
              .handler = [web, access, post, fn](http::Request& req) {
                Page page(*web, req);
                if (access != PageAccess::anyone && !page.who) {
                  if (post) return http::Response::redirect("/login");
                  return http::Response::redirect("/login?next=" + url_part(req.target()));
                }
                const bool csrf_ok = page.who ? csrf_matches(page.form("csrf"), page.who->csrf_token)
                                              : !page.pre_csrf_new && csrf_matches(page.form("csrf"), page.pre_csrf);
                if (post && !csrf_ok) {
                  return page.error_page(make_error(Code::permission_denied, "csrf.invalid", page.cat->text(Lang::es, "error.csrf"),
                                                    page.cat->text(Lang::en, "error.csrf")));
                }
                if (access == PageAccess::admin && !page.user().holds("admin", "")) {
                  return page.error_page(make_error(Code::permission_denied, "role.required", page.cat->text(Lang::es, "error.admin_only"),
                                                    page.cat->text(Lang::en, "error.admin_only")));
                }
                return fn(page);
              }});
}

bool is_local_path(const std::string& path) { return http::is_safe_local_target(path); }

bool csrf_matches(const std::string& sent, const std::string& expected) {
  return !expected.empty() && auth::equal_secrets(sent, expected);
}

std::string url_part(const std::string& text) { return http::percent_encode(text); }

}  // namespace pasaprod::web
