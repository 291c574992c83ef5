// Administration of the mail outbox: how many mails are queued, sent, failed and dropped,
// whether a mail server is configured, the mails of one state with their last error, and
// retrying or dropping one. The office checks the caller is an administrator; each retry and
// drop is an audit event.
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

constexpr int kMailsPerPage = 100;

std::string state_filter(const Page& page) {
  const std::string s = page.query("estado");
  return s == "queued" || s == "sent" || s == "failed" || s == "dropped" ? s : "";
}

Response mail_page(Page& page, const std::string& state, const std::optional<Error>& error) {
  auto counts = page.office().mail_counts(page.caller());
  if (!counts) return page.error_page(counts.error());
  auto mails = page.office().mails(page.caller(), state, kMailsPerPage, 0);
  if (!mails) return page.error_page(mails.error());
  json rows = json::array();
  for (const auto& m : *mails) {
    rows.push_back({{"id", std::to_string(m.id)},
                    {"row_id", "mail-" + std::to_string(m.id)},
                    {"to", m.username},
                    {"address", m.address},
                    {"release", m.release},
                    {"release_url", m.release.empty() ? "" : "/releases/" + url_part(m.release)},
                    {"what", m.step == kDigestStep ? page.t("admin_mail.digest")
                                                   : step_label(page.proc(), m.step.rfind("turn:", 0) == 0 ? m.step.substr(5) : m.step, page.lang)},
                    {"raci", std::string(1, m.raci)},
                    {"state", page.t("admin_mail.state_" + m.state)},
                    {"queued", page.when(m.at)},
                    {"sent", m.sent_at ? page.when(m.sent_at) : ""},
                    {"attempts", m.attempts},
                    {"last_error", m.last_error},
                    {"can_retry", m.state == "failed" || m.state == "dropped"},
                    {"can_drop", m.state == "queued" || m.state == "failed"}});
  }
  json filters = json::array();
  for (const std::string s : {"", "queued", "failed", "sent", "dropped"}) {
    filters.push_back({{"url", s.empty() ? "/admin/mail" : "/admin/mail?estado=" + s},
                       {"label", page.t(s.empty() ? "admin_mail.all" : "admin_mail.state_" + s)},
                       {"current", s == state}});
  }
  json data = {{"title", "admin_mail"},
               {"nav_admin", true},
               {"rows", rows},
               {"empty", rows.empty()},
               {"filters", filters},
               {"state_filter", state},
               {"sending", page.web.options().mail_configured},
               {"queued", page.cat->integer(page.lang, counts->queued)},
               {"sent", page.cat->integer(page.lang, counts->sent)},
               {"failed", page.cat->integer(page.lang, counts->failed)},
               {"dropped", page.cat->integer(page.lang, counts->dropped)},
               {"held", page.cat->integer(page.lang, counts->held)},
               {"oldest", counts->oldest_queued_at ? page.when(counts->oldest_queued_at) : ""}};
  if (error) data["error"] = page.error_view(*error);
  return page.render("admin_mail", data);
}

}  // namespace

void add_mail_admin_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/admin/mail", "The mail outbox: counts, and the mails of one state (query estado=)", PageAccess::admin,
           [](Page& page) { return mail_page(page, state_filter(page), page.flash_error()); });
  add_page(routes, web, Method::post, "/admin/mail/{id}", "Retry or drop a mail (form: op = retry | drop, estado)", PageAccess::admin,
           [](Page& page) {
             const std::string state = page.form("estado");
             std::int64_t id = 0;
             const std::string text = page.req.param("id");
             if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
               return page.refuse_to("/admin/mail", make_error(Code::not_found, "mail.not_found", "No existe ese correo.", "No such mail."));
             }
             id = std::stoll(text);
             const std::string op = page.form("op");
             auto r = op == "retry" ? page.office().retry_mail(page.caller(), id) : page.office().drop_mail(page.caller(), id);
             const std::string keep = state == "queued" || state == "sent" || state == "failed" || state == "dropped" ? state : "";
             if (!r) return page.refuse_to("/admin/mail" + (keep.empty() ? "" : "?estado=" + keep), r.error());
             return page.redirect(std::string("/admin/mail?ok=") + (op == "retry" ? "mail_retried" : "mail_dropped") +
                                  (keep.empty() ? "" : "&estado=" + keep));
           });
}

}  // namespace pasaprod::web
