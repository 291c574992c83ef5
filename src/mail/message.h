// One outbox mail as a person reads it, and as SMTP carries it (RFC 5322, MIME).
//
// The text is rendered when the mail is sent, in the recipient's language, from the message
// catalogs of the web interface (section "mail"): what happened, what is asked of the person
// and why (their RACI letter and role), and the link to the request.
//
//   MailText t = compose(mail, proc, catalog, zone, "https://pasaprod.minedu.gob.pe");
//   std::string bytes = rfc5322(mail, t, {"pasaprod@minedu.gob.pe", ""}, now);
#pragma once

#include <string>

#include "core/model.h"
#include "core/procedure.h"
#include "core/time_zone.h"
#include "web/catalog.h"

namespace pasaprod::mail {

struct MailText {
  std::string subject;  // "[PP-2026-0001] SIGA: …" (one line)
  std::string text;     // plain text, LF line ends
  std::string html;     // the same as an HTML document
};

struct Envelope {
  std::string from;      // "pasaprod@minedu.gob.pe" (or "Name <addr>")
  std::string reply_to;  // "" = none
};

// How the person takes informed mail now, and the link that switches it ("" = none).
struct Preference {
  bool digest = false;
  std::string switch_url;
};

// `public_url`: the server's address as people reach it ("" = the links are left out). A
// digest (step kDigestStep) lists its items; another mail says by when its step is due when it
// has a deadline. Every mail ends with the preference link when there is one.
MailText compose(const OutboxMail& mail, const Procedure& proc, const web::Catalog& catalog, const TimeZone& zone,
                 const std::string& public_url, const Preference& preference = {});

// The link that sets `username`'s mail to a daily digest (`digest`) or to every mail at once,
// with the token Office::mail_preference_token gives.
std::string preference_url(const std::string& public_url, const std::string& username, bool digest, const std::string& token);

// "<pasaprod.42.1234@minedu.gob.pe>": the same for every attempt to send one mail (so a
// receiver can drop a copy sent again after a sender died), unique per mail and From domain.
std::string message_id(const OutboxMail& mail, const std::string& from);

// The whole message: headers (non-ASCII subject as RFC 2047 UTF-8 words) and a
// multipart/alternative body (text, then HTML, then the mail's iCalendar invitation when it has
// one, with the From address as its ORGANIZER), CRLF line ends, base64 parts. Header values
// never carry CR or LF: any in the inputs become spaces.
std::string rfc5322(const OutboxMail& mail, const MailText& text, const Envelope& envelope, Timestamp now);

// The bare address of "Name <addr>" or "addr".
std::string bare_address(const std::string& from);

}  // namespace pasaprod::mail
