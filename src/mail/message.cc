// Mail text and the RFC 5322 message (message.h).
#include "mail/message.h"

#include <sodium.h>

#include <ctime>

#include "core/engine.h"
#include "core/ics.h"
#include "http/route.h"

namespace pasaprod::mail {

namespace {

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\r' || c == '\n' || c == '\t' || c == '\0') c = ' ';
  }
  return s;
}

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Base64 in lines of 76 characters, each ended by CRLF.
std::string base64_lines(std::string_view bytes) {
  const std::string b = base64(bytes);
  std::string out;
  for (std::size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

bool ascii_printable(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// RFC 2047 encoded words (UTF-8, B), each at most 75 characters, never splitting a character.
std::string encode_words(const std::string& s) {
  if (ascii_printable(s)) return s;
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = std::min(s.size(), i + 45);  // 45 bytes → 60 base64 characters
    while (end < s.size() && end > i && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    out += (out.empty() ? "" : "\r\n ") + std::string("=?UTF-8?B?") + base64(std::string_view(s).substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string rfc5322_date(Timestamp now) {
  const std::time_t t = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace

namespace {

// "turn:A1,A2" (R, A) → the actions' names; "consult:X" (C) → X's name; else the step's.
std::string what_of(const OutboxMail& m, const Procedure& proc, Lang lang) {
  std::string what;
  if (m.step.rfind("turn:", 0) == 0) {
    std::string_view rest = std::string_view(m.step).substr(5);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      what += (what.empty() ? "" : "; ") + step_label(proc, std::string(rest.substr(0, comma)), lang);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  } else if (m.raci == 'C') {
    what = step_label(proc, m.step.substr(m.step.find(':') + 1), lang);
  } else {
    what = step_label(proc, m.step, lang);
  }
  return what;
}

std::string release_url(const std::string& public_url, const std::string& number) {
  return public_url.empty() ? "" : public_url + "/releases/" + number;
}

// A paragraph with a link: `text` in the plain part, an anchor with `label` in the HTML part.
struct Linked {
  std::string text, url, label;
};

// The mail: `before` as paragraphs, then `links`, then `after` in small print (a Linked
// without url is plain text), then the footer.
MailText assemble(const std::string& subject, Lang lang, const std::vector<std::string>& before, const std::vector<Linked>& links,
                  const std::vector<Linked>& after, const std::string& footer) {
  MailText t;
  t.subject = one_line(subject);
  t.html = "<!doctype html>\n<html lang=\"" + std::string(lang == Lang::en ? "en" : "es") + "\"><head><meta charset=\"utf-8\"><title>" +
           html_escape(t.subject) + "</title></head>\n<body>\n";
  for (const auto& p : before) {
    t.text += p + "\n\n";
    t.html += "<p>" + html_escape(p) + "</p>\n";
  }
  for (const auto& l : links) {
    t.text += l.text + "\n\n";
    t.html += "<p><a href=\"" + html_escape(l.url) + "\">" + html_escape(l.label) + "</a></p>\n";
  }
  for (const auto& l : after) {
    t.text += l.text + "\n\n";
    t.html += "<p style=\"color:#555;font-size:smaller\">" +
              (l.url.empty() ? html_escape(l.text) : "<a href=\"" + html_escape(l.url) + "\">" + html_escape(l.label) + "</a>") + "</p>\n";
  }
  t.text += "-- \n" + footer + "\n";
  t.html += "<p style=\"color:#555;font-size:smaller\">" + html_escape(footer) + "</p>\n</body></html>\n";
  return t;
}

}  // namespace

MailText compose(const OutboxMail& m, const Procedure& proc, const web::Catalog& catalog, const TimeZone& zone,
                 const std::string& public_url, const Preference& preference) {
  const Lang lang = m.lang == "en" ? Lang::en : Lang::es;
  const auto when = [&](Timestamp t) { return catalog.datetime(lang, t, zone); };
  const std::string name = m.name.empty() ? m.username : m.name;
  std::vector<std::string> paragraphs;
  std::vector<Linked> links;
  std::vector<Linked> after;
  const auto preference_link = [&] {
    if (preference.switch_url.empty()) return;
    const std::string key = preference.digest ? "mail.to_each" : "mail.to_digest";
    after.push_back({catalog.format(lang, key, {{"url", preference.switch_url}}), preference.switch_url, catalog.text(lang, key + "_link")});
  };

  if (m.step == kDigestStep) {
    paragraphs = {catalog.format(lang, "mail.greeting", {{"name", name}}), catalog.text(lang, "mail.digest_greeting_intro")};
    for (const auto& item : m.items) {
      const std::vector<std::pair<std::string, std::string>> args = {
          {"release", item.release}, {"title", item.title},  {"system", item.system},
          {"actor", item.actor},     {"what", what_of(item, proc, lang)}, {"when", when(item.at) + " (" + zone.name() + ")"}};
      const std::string line = catalog.format(lang, "mail.digest_item", args);
      const std::string url = release_url(public_url, item.release);
      if (url.empty()) paragraphs.push_back(line);
      else links.push_back({line + "\n" + url, url, line});
    }
    after.push_back({catalog.text(lang, "mail.digest_why"), "", ""});
    preference_link();
    const std::string subject =
        catalog.format(lang, "mail.digest_subject", {{"count", std::to_string(m.items.size())}});
    return assemble(subject, lang, paragraphs, links, after, catalog.text(lang, "mail.footer"));
  }

  const std::string letter(1, m.raci);
  const std::string what = what_of(m, proc, lang);
  const std::string role = m.role.empty() ? catalog.text(lang, "mail.role_requester") : proc.role_name(m.role, lang);
  const std::string url = release_url(public_url, m.release);
  const std::vector<std::pair<std::string, std::string>> args = {
      {"name", name},         {"actor", m.actor}, {"what", what},     {"when", when(m.at) + " (" + zone.name() + ")"},
      {"release", m.release}, {"title", m.title}, {"system", m.system}, {"role", role}, {"url", url}};
  paragraphs = {catalog.format(lang, "mail.greeting", args), catalog.format(lang, m.raci == 'I' ? "mail.happened" : "mail.changed", args),
                catalog.format(lang, "mail.ask_" + letter, args)};
  if (m.due_to > 0) {
    paragraphs.push_back(
        catalog.format(lang, "mail.due", {{"from", when(m.due_from)}, {"to", when(m.due_to)}, {"zone", zone.name()}}));
  }
  paragraphs.push_back(catalog.format(lang, "mail.why_" + letter, args));
  if (!m.calendar.empty()) paragraphs.push_back(catalog.text(lang, "mail.invitation"));
  if (!url.empty()) links.push_back({catalog.format(lang, "mail.open", args), url, catalog.format(lang, "mail.open_link", args)});
  preference_link();
  const std::string subject =
      "[" + m.release + "] " + m.system + ": " + catalog.format(lang, "mail.subject_" + letter, {{"what", what}, {"actor", m.actor}});
  return assemble(subject, lang, paragraphs, links, after, catalog.text(lang, "mail.footer"));
}

std::string preference_url(const std::string& public_url, const std::string& username, bool digest, const std::string& token) {
  if (public_url.empty()) return "";
  return public_url + "/mail/preference?user=" + http::percent_encode(username) + "&digest=" + (digest ? "1" : "0") + "&token=" + http::percent_encode(token);
}

std::string bare_address(const std::string& from) {
  const auto lt = from.find('<');
  const auto gt = from.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos) return from.substr(lt + 1, gt - lt - 1);
  return from;
}

std::string message_id(const OutboxMail& m, const std::string& from) {
  const std::string address = bare_address(from);
  const auto at = address.find('@');
  const std::string domain = at == std::string::npos ? "pasaprod.invalid" : address.substr(at + 1);
  return "<pasaprod." + std::to_string(m.id) + "." + std::to_string(m.event_seq) + "@" + one_line(domain) + ">";
}

std::string rfc5322(const OutboxMail& m, const MailText& text, const Envelope& envelope, Timestamp now) {
  const std::string boundary = "=_pasaprod_" + std::to_string(m.id) + "_" + std::to_string(m.event_seq);
  std::string out;
  out += "From: " + one_line(envelope.from) + "\r\n";
  out += "To: " + one_line(m.address) + "\r\n";
  if (!envelope.reply_to.empty()) out += "Reply-To: " + one_line(envelope.reply_to) + "\r\n";
  out += "Subject: " + encode_words(one_line(text.subject)) + "\r\n";
  out += "Date: " + rfc5322_date(now) + "\r\n";
  out += "Message-ID: " + message_id(m, envelope.from) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "Content-Language: " + std::string(m.lang == "en" ? "en" : "es") + "\r\n";
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(crlf(text.text));
  out += "--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(crlf(text.html));
  if (!m.calendar.empty()) {
    // The invitation as a third alternative (RFC 6047): the organizer is the sender.
    const std::string invitation = ics::add_to_events(m.calendar, "ORGANIZER;CN=pasaprod:mailto:" + bare_address(envelope.from));
    out += "--" + boundary + "\r\nContent-Type: text/calendar; charset=UTF-8; method=REQUEST\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(invitation);
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace pasaprod::mail
