// The web interface: HTML pages rendered on the server, in Spanish (default) or English, for
// every person in the procedure. Pages are plain forms; app.js only adds comforts (drag and
// drop uploads with a progress bar, confirmation dialogs, auto-submitting selects).
//
//   api::ApiContext api{...};
//   api::add_api_routes(routes, api);            // installs the authenticator
//   web::add_web_routes(routes, api, {});        // pages under /, assets under /assets
//
// Pages authenticate by themselves through the session cookie of the API (routes are declared
// Auth::none so that a missing session redirects to /login instead of answering 401 JSON);
// every POST of a signed-in user must carry the session's CSRF token in the form field `csrf`.
#pragma once

#include <cstdint>
#include <string>

#include "api/api.h"
#include "http/route.h"

namespace pasaprod::web {

struct WebOptions {
  // "" = templates, assets and catalogs compiled into the binary; otherwise the web/ folder
  // to read them from at every request (development).
  std::string dev_dir;
  // A mail server is configured (serve --smtp-url): the outbox page says whether mail leaves.
  bool mail_configured = false;
};

// Declares every page route. `api` must outlive the routes (its office, access and options
// are used by the pages: session cookie name, Secure cookies, upload limit).
void add_web_routes(http::RouteTable& routes, api::ApiContext& api, WebOptions options);

}  // namespace pasaprod::web
