// Sending one message over SMTP with libcurl: smtp:// (STARTTLS required, tried or off) or
// smtps://, AUTH with a user and password, a CA file, a timeout. One connection is kept
// between messages while the server allows.
#pragma once

#include <memory>
#include <string>

namespace pasaprod::mail {

struct SmtpConfig {
  std::string url;       // "smtp://mail.minedu.gob.pe:587" or "smtps://…:465"
  std::string starttls = "require";  // for smtp://: require | try | off
  std::string username;  // "" = no AUTH
  std::string password;  // from a file or the environment; never logged
  std::string ca_file;   // "" = the system's CAs
  long timeout_seconds = 30;  // connect and whole-exchange bound per message
};

// What became of one message.
struct SendResult {
  enum class Outcome {
    sent,
    refused,       // the server refused this message for good (5xx): do not retry it
    retry_later,   // this message could not go now (4xx): retry it later
    server_down,   // nothing can be sent now (no connection, TLS, AUTH, timeout): pause, retry in order
  };
  Outcome outcome = Outcome::sent;
  std::string error;  // what the server or the library said (no password)
};

class Transport {
 public:
  virtual ~Transport() = default;
  // `from` and `to` are bare addresses; `message` the whole RFC 5322 text.
  virtual SendResult send(const std::string& from, const std::string& to, const std::string& message) = 0;
};

// libcurl's SMTP. Not thread-safe: one per sender thread.
std::unique_ptr<Transport> make_smtp_transport(const SmtpConfig& config);

}  // namespace pasaprod::mail
