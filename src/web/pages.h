// Page groups of the web interface (one file each). Internal to src/web.
#pragma once

#include <memory>

#include "http/route.h"
#include "web/page.h"

namespace pasaprod::web {

using WebPtr = std::shared_ptr<const Web>;

void add_session_pages(http::RouteTable& routes, const WebPtr& web);   // /login, /logout, /lang, /account
void add_inbox_pages(http::RouteTable& routes, const WebPtr& web);     // /, /inbox
void add_release_list_pages(http::RouteTable& routes, const WebPtr& web);  // /releases, /releases/new
void add_release_pages(http::RouteTable& routes, const WebPtr& web);   // /releases/{number}
void add_release_post_pages(http::RouteTable& routes, const WebPtr& web);  // POSTs on a release
void add_upload_pages(http::RouteTable& routes, const WebPtr& web);    // POST /releases/{number}/files (multipart)
void add_system_pages(http::RouteTable& routes, const WebPtr& web);    // /systems, /systems/{code}/library
void add_system_edit_pages(http::RouteTable& routes, const WebPtr& web);  // /systems/{code}/edit
void add_admin_pages(http::RouteTable& routes, const WebPtr& web);     // /admin
void add_edition_pages(http::RouteTable& routes, const WebPtr& web);   // /admin/editions
void add_token_admin_pages(http::RouteTable& routes, const WebPtr& web);  // /admin/tokens
void add_mail_admin_pages(http::RouteTable& routes, const WebPtr& web);   // /admin/mail
void add_report_pages(http::RouteTable& routes, const WebPtr& web);    // /adherence
void add_calendar_pages(http::RouteTable& routes, const WebPtr& web);  // /calendar
void add_dashboard_pages(http::RouteTable& routes, const WebPtr& web);  // /dashboard

// A token's expiry as shown in lists: its date, "expired" (expired = true) or "never".
struct TokenExpiry {
  std::string text;
  bool expired = false;
};
TokenExpiry token_expiry(const Page& page, const ApiToken& token);

// Whether the signed-in user may edit systems (to offer the link; the office decides).
bool may_edit_systems(const Page& page);

// A refused form of the release page: 303 to the form's anchor there ("action:X" → #act-X,
// "record:T" → #record-T, "review:S" and "file:S" → #slot-S) with a flash {"failed": {form,
// error, and `typed` merged: "note" or "values"}} that the page shows once.
http::Response refused_form(Page& page, const std::string& number, const std::string& form, const Error& e,
                            const nlohmann::json& typed = nlohmann::json::object());

}  // namespace pasaprod::web
