// SMTP options (mail_options.h).
#include "cli/mail_options.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pasaprod {

namespace {

Error config_error(const std::string& es, const std::string& en) { return make_error(Code::invalid_argument, "mail.config", es, en); }

bool plain_header_value(const std::string& s) {
  return s.size() <= 320 && s.find_first_of("\r\n\t") == std::string::npos && s.find('\0') == std::string::npos;
}

}  // namespace

void add_mail_options(CLI::App* cmd, MailArgs& a) {
  cmd->add_option("--smtp-url", a.smtp_url,
                  "Servidor de correo: smtp://HOST:587 o smtps://HOST:465; sin él, el correo espera en la bandeja de salida / "
                  "mail server: smtp://HOST:587 or smtps://HOST:465; without it mail waits in the outbox");
  cmd->add_option("--smtp-starttls", a.smtp_starttls, "Con smtp://: require (por defecto / default), try u off / or off")
      ->check(CLI::IsMember({"require", "try", "off"}));
  cmd->add_option("--smtp-user", a.smtp_user, "Usuario SMTP (AUTH) / SMTP user (AUTH)");
  cmd->add_option("--smtp-password-file", a.smtp_password_file,
                  "Archivo con la contraseña SMTP (si no, la variable PASAPROD_SMTP_PASSWORD) / file holding the SMTP password "
                  "(else the variable PASAPROD_SMTP_PASSWORD)");
  cmd->add_option("--smtp-ca-file", a.smtp_ca_file, "Certificados de CA para el TLS del servidor de correo / CA certificates for its TLS");
  cmd->add_option("--smtp-timeout", a.smtp_timeout, "Segundos por mensaje (30) / seconds per message (30)")->check(CLI::Range(1, 600));
  cmd->add_option("--mail-from", a.mail_from, "Remitente: pasaprod@oficina.gob.pe o «Nombre <dir>» / sender address");
  cmd->add_option("--mail-reply-to", a.mail_reply_to, "Dirección de respuesta / Reply-To address");
  cmd->add_option("--public-url", a.public_url,
                  "Dirección del servidor para los enlaces de los correos: https://pasaprod.oficina.gob.pe / the server's address "
                  "for links in mail and calendar events");
  cmd->add_option("--mail-claim-hold", a.claim_hold,
                  "Segundos que un envío retiene un correo (300): si el servidor muere enviando, ese correo se envía de nuevo "
                  "después, con el mismo Message-ID / seconds a sender holds a mail (300): if the server dies while sending, "
                  "that mail is sent again after this, with the same Message-ID")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--mail-digest-at", a.digest_at,
                  "Hora local del resumen diario de avisos (08:00) / local time of the daily digest of notices (08:00)");
}

Result<std::optional<MailSetup>> mail_setup(const MailArgs& a) {
  if (a.smtp_url.empty()) return std::optional<MailSetup>{};
  MailSetup s;
  if (a.smtp_url.rfind("smtp://", 0) != 0 && a.smtp_url.rfind("smtps://", 0) != 0) {
    return config_error("--smtp-url debe empezar con smtp:// o smtps://.", "--smtp-url must start with smtp:// or smtps://.");
  }
  if (!plain_header_value(a.smtp_url)) return config_error("--smtp-url no es válido.", "--smtp-url is not valid.");
  s.smtp.url = a.smtp_url;
  s.smtp.starttls = a.smtp_starttls;
  s.smtp.username = a.smtp_user;
  s.smtp.ca_file = a.smtp_ca_file;
  s.smtp.timeout_seconds = a.smtp_timeout;
  if (!a.smtp_password_file.empty()) {
    std::ifstream in(a.smtp_password_file);
    if (!in) {
      return config_error("No se puede leer --smtp-password-file " + a.smtp_password_file + ": revise la ruta y los permisos.",
                          "Cannot read --smtp-password-file " + a.smtp_password_file + ": check the path and permissions.");
    }
    std::getline(in, s.smtp.password);
    while (!s.smtp.password.empty() && (s.smtp.password.back() == '\r' || s.smtp.password.back() == '\n')) s.smtp.password.pop_back();
  } else if (const char* env = std::getenv("PASAPROD_SMTP_PASSWORD")) {
    s.smtp.password = env;
  }
  const std::string from = mail::bare_address(a.mail_from);
  if (a.mail_from.empty() || from.find('@') == std::string::npos || !plain_header_value(a.mail_from)) {
    return config_error("Indique el remitente con --mail-from, por ejemplo pasaprod@oficina.gob.pe.",
                        "Give the sender with --mail-from, e.g. pasaprod@office.gob.pe.");
  }
  if (!plain_header_value(a.mail_reply_to)) return config_error("--mail-reply-to no es válido.", "--mail-reply-to is not valid.");
  auto url = public_url(a);
  if (!url) return url.error();
  s.sender.envelope = {a.mail_from, a.mail_reply_to};
  s.sender.public_url = *url;
  int hour = -1, minute = -1;
  char colon = 0, extra = 0;
  if (std::sscanf(a.digest_at.c_str(), "%2d%c%2d%c", &hour, &colon, &minute, &extra) != 3 || colon != ':' || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || a.digest_at.size() != 5) {
    return config_error("--mail-digest-at debe ser una hora HH:MM (por ejemplo 08:00).", "--mail-digest-at must be a time HH:MM (e.g. 08:00).");
  }
  s.sender.digest_minute = hour * 60 + minute;
  s.sender.hold_ms = static_cast<Timestamp>(a.claim_hold) * 1000;
  return std::optional<MailSetup>{std::move(s)};
}

Result<std::string> public_url(const MailArgs& a) {
  if (!a.public_url.empty() && ((a.public_url.rfind("http://", 0) != 0 && a.public_url.rfind("https://", 0) != 0) ||
                                !plain_header_value(a.public_url) || a.public_url.find_first_of(" \"<>") != std::string::npos)) {
    return config_error("--public-url debe ser una dirección http:// o https://.", "--public-url must be an http:// or https:// address.");
  }
  std::string url = a.public_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace pasaprod
