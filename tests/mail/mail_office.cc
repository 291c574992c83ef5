// Test office and SMTP server for the mail tests (mail_office.h).
#include "mail_office.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "service/demo.h"

extern char** environ;

namespace pasaprod::testing {

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
  return tmpl;
}

int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

bool accepts(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

std::string base64_decode(const std::string& in) {
  std::string out(in.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(), in.size(), " \r\n", &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return {};
  }
  out.resize(len);
  return out;
}

// "=?UTF-8?B?...?=" words (possibly folded) to UTF-8; other text as is.
std::string decode_words(const std::string& v) {
  std::string out;
  std::size_t i = 0;
  while (i < v.size()) {
    const auto start = v.find("=?UTF-8?B?", i);
    if (start == std::string::npos) {
      out += v.substr(i);
      break;
    }
    std::string between = v.substr(i, start - i);
    if (between.find_first_not_of(" \t\r\n") != std::string::npos) out += between;
    const auto end = v.find("?=", start + 10);
    out += base64_decode(v.substr(start + 10, end - start - 10));
    i = end + 2;
  }
  return out;
}

Received parse_message(const std::string& raw) {
  Received r;
  std::istringstream in(raw);
  std::string line, name, value;
  const auto flush = [&] {
    if (name.empty()) return;
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace(name, name == "subject" ? decode_words(value) : value);
    name.clear();
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      value += line;
      continue;
    }
    flush();
    const auto colon = line.find(':');
    name = line.substr(0, colon);
    value = colon == std::string::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value[0] == ' ') value.erase(0, 1);
  }
  flush();
  // The text/plain part: the base64 lines after its part headers, up to the next boundary.
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto part = body.find("Content-Type: text/plain");
  if (part != std::string::npos) {
    const auto start = body.find("\n\n", part) != std::string::npos && body.find("\n\n", part) < body.find("\r\n\r\n", part)
                           ? body.find("\n\n", part) + 2
                           : body.find("\r\n\r\n", part) + 4;
    const auto end = body.find("--", start);
    r.text = base64_decode(body.substr(start, end - start));
  }
  return r;
}

}  // namespace

MailOffice::MailOffice()
    : dir_(fresh_dir("pasaprod-mail-")),
      clock_(parse_iso("2026-11-02T09:00:00Z").value()),
      procedures_(ProcedureSet::builtin()),
      anchor_((dir_ / "p.db.anchor").string()),
      store_(std::move(open_store((dir_ / "p.db").string(), &anchor_).value())),
      library_(dir_ / "library"),
      office_(*store_, library_, clock_, procedures_) {
  office_.set_document_key("mail-test-document-key");  // the emergency committee's record is generated
  if (auto st = seed_demo_people_and_systems(office_, nullptr); !st) throw std::runtime_error(st.error().en);
}

MailOffice::~MailOffice() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::vector<OutboxMail> MailOffice::mails(const std::string& state) {
  auto all = office_.mails(Caller{"test", true}, state, 500, 0);
  if (!all) throw std::runtime_error(all.error().en);
  return *all;
}

SmtpServer::SmtpServer(const fs::path& maildir, int delay_ms) : maildir_(maildir), port_(free_port()), delay_ms_(delay_ms) {}

SmtpServer::~SmtpServer() { stop(); }

void SmtpServer::start() {
  if (pid_) return;
  const std::string listen = "127.0.0.1:" + std::to_string(port_);
  const std::string dir = maildir_.string();
  std::vector<std::string> args = {"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", listen, "-c", "refusing_mailbox.RefusingMailbox", dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"PYTHONPATH=" + std::string(PASAPROD_MAIL_TEST_DIR), "PATH=/usr/bin:/bin",
                                          "PASAPROD_TEST_SMTP_DELAY_MS=" + std::to_string(delay_ms_)};
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), env.data()) != 0) throw std::runtime_error("cannot start aiosmtpd");
  pid_ = pid;
  for (int i = 0; i < 200 && !accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  if (!accepts(port_)) throw std::runtime_error("aiosmtpd did not start on " + listen);
}

void SmtpServer::stop() {
  if (!pid_) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
  for (int i = 0; i < 100 && accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::vector<Received> SmtpServer::received() const {
  std::vector<Received> out;
  const fs::path fresh = maildir_ / "new";
  if (!fs::exists(fresh)) return out;
  for (const auto& e : fs::directory_iterator(fresh)) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    out.push_back(parse_message(raw));
  }
  return out;
}

}  // namespace pasaprod::testing
