#include "web/web.h"

#include "web/pages.h"

namespace pasaprod::web {

void add_web_routes(http::RouteTable& routes, api::ApiContext& api, WebOptions options) {
  auto web = std::make_shared<const Web>(api, std::move(options));
  routes.add({.method = http::Method::get,
              .pattern = "/assets/{name}",
              .auth = http::Auth::none,
              .summary = "Web asset (CSS, JavaScript)",
              .description = "Files of web/assets, compiled into the binary.",
              .responses = {{200, "The file", nullptr, "text/css"}, {404, "No such asset"}},
              .tags = {"web"},
              .handler = [web](http::Request& req) {
                auto body = web->assets().get("assets/" + req.param("name"));
                if (!body) return http::Response::text("not found", 404);
                http::Response res = http::Response::text(std::move(*body));
                res.set_header("Content-Type", asset_content_type(req.param("name")));
                res.set_header("Cache-Control", web->assets().from_disk() ? "no-cache" : "public, max-age=3600");
                return res;
              }});
  add_session_pages(routes, web);
  add_inbox_pages(routes, web);
  add_release_list_pages(routes, web);
  add_release_pages(routes, web);
  add_release_post_pages(routes, web);
  add_upload_pages(routes, web);
  add_system_pages(routes, web);
  add_system_edit_pages(routes, web);
  add_admin_pages(routes, web);
  add_edition_pages(routes, web);
  add_token_admin_pages(routes, web);
  add_mail_admin_pages(routes, web);
  add_report_pages(routes, web);
  add_calendar_pages(routes, web);
  add_dashboard_pages(routes, web);
}

}  // namespace pasaprod::web
