// The SMTP options of `serve` and `mail send`, and the configuration they make.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "core/status.h"
#include "mail/sender.h"
#include "mail/smtp.h"

namespace pasaprod {

struct MailArgs {
  std::string smtp_url;            // "" = no SMTP: mail stays in the outbox
  std::string smtp_starttls = "require";
  std::string smtp_user;
  std::string smtp_password_file;  // else PASAPROD_SMTP_PASSWORD
  std::string smtp_ca_file;
  long smtp_timeout = 30;
  std::string mail_from;
  std::string mail_reply_to;
  std::string public_url;
  std::string digest_at = "08:00";  // local time of the daily digest
  int claim_hold = 300;             // seconds a sender's claim on a mail lasts
};

void add_mail_options(CLI::App* cmd, MailArgs& args);

// The transport configuration and the sender's envelope; nullopt when --smtp-url is not given.
// invalid_argument ("mail.config") for an unreadable password file, a URL that is not
// smtp:// or smtps://, a missing or invalid --mail-from, or a --public-url that is not http(s).
struct MailSetup {
  mail::SmtpConfig smtp;
  mail::SenderOptions sender;
};
Result<std::optional<MailSetup>> mail_setup(const MailArgs& args);
// --public-url without its trailing slashes ("" when not given); invalid_argument ("mail.config")
// when it is not an http:// or https:// address.
Result<std::string> public_url(const MailArgs& args);

}  // namespace pasaprod
