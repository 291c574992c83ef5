// An office on a fresh SQLite database in a temporary folder, with the demo people and
// systems, for the mail tests; and a real SMTP server (Debian's aiosmtpd) on loopback that
// keeps what it receives in a Maildir.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "audit/file_anchor.h"
#include "library/library.h"
#include "service/office.h"
#include "storage/open/open_store.h"
#include "util/system_clock.h"

namespace pasaprod::testing {

class MailOffice {
 public:
  MailOffice();
  ~MailOffice();
  Office& office() { return office_; }
  FixedClock& clock() { return clock_; }
  std::vector<OutboxMail> mails(const std::string& state = "");
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  FixedClock clock_;
  ProcedureSet procedures_;
  audit::FileAnchor anchor_;
  std::unique_ptr<AnchoredStore> store_;
  Library library_;
  Office office_;
};

// One received message: its headers (first value of each) and its decoded text part.
struct Received {
  std::map<std::string, std::string> headers;  // "to", "message-id", "subject" (decoded), ...
  std::string text;
};

class SmtpServer {
 public:
  // Not started. `delay_ms`: how long it keeps each message before accepting it.
  explicit SmtpServer(const std::filesystem::path& maildir, int delay_ms = 0);
  ~SmtpServer();
  void start();  // on the same port every time
  void stop();
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<Received> received() const;

 private:
  std::filesystem::path maildir_;
  int port_ = 0;
  int pid_ = 0;
  int delay_ms_ = 0;
};

}  // namespace pasaprod::testing
