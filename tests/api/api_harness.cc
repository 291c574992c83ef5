#include "api_harness.h"
#include "../fixtures/stored_blobs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace apitest {

using Clock = std::chrono::steady_clock;

std::string pasaprod_bin() { return PASAPROD_BIN; }

namespace {

[[noreturn]] void fail_errno(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string quote_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$*?;&|<>()") == std::string::npos;
    out += plain ? a : "'" + a + "'";
  }
  return out;
}

// fork + exec with stdin/stdout/stderr from/to the given files. The child dies with the test
// process (PR_SET_PDEATHSIG), so a crashed test leaves no server behind.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& in, const fs::path& out, const fs::path& err) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const std::string in_s = in.string(), out_s = out.string(), err_s = err.string();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) fail_errno("fork");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::signal(SIGPIPE, SIG_DFL);
    const int i = ::open(in_s.c_str(), O_RDONLY);
    const int o = ::open(out_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (i < 0 || o < 0 || e < 0) ::_exit(125);
    ::dup2(i, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` up to `timeout`: its wait status, or nullopt.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Processes

std::string CliResult::describe() const {
  return "$ " + command + "\nexit " + std::to_string(exit_code) + "\n--- stdout ---\n" + out.substr(0, 4000) + "\n--- stderr ---\n" +
         err.substr(0, 4000);
}

CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text) {
  TempDir io;
  const fs::path in = io.path() / "in", out = io.path() / "out", err = io.path() / "err";
  {
    std::ofstream f(in, std::ios::binary);
    f << stdin_text;
  }
  std::vector<std::string> argv = {pasaprod_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  CliResult r;
  r.command = quote_join(argv);
  const pid_t pid = spawn(argv, in, out, err);
  auto status = wait_for(pid, 120s);
  if (!status) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  } else {
    r.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

CliResult run_cli_ok(const std::vector<std::string>& args, const std::string& stdin_text) {
  CliResult r = run_cli(args, stdin_text);
  if (r.exit_code != 0) throw std::runtime_error("command failed:\n" + r.describe());
  return r;
}

TempDir::TempDir(bool on_disk) {
  fs::path base = fs::temp_directory_path();
  if (!on_disk) {
    if (const char* env = std::getenv("PASAPROD_TEST_TMPDIR"); env && *env) {
      base = env;
    } else if (::access("/dev/shm", W_OK) == 0) {
      base = "/dev/shm";
    }
  }
  std::string pattern = (base / "pasaprod-api-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) fail_errno("mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info && ::testing::Test::HasFailure()) {
    std::fprintf(stderr, "[ keeping ] %s (the test failed)\n", path_.c_str());
    return;
  }
  remove_now();
}

void TempDir::remove_now() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

bool eventually_empty(const fs::path& dir, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!files_under(dir).empty()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::vector<fs::path> files_under(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory()) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> stored_blobs(const fs::path& blobs_dir) { return pasaprod::testing_blobs::stored_blobs(blobs_dir); }

ServerProcess::ServerProcess(fs::path db, ServeOptions options) : db_(std::move(db)), options_(std::move(options)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void ServerProcess::start(std::chrono::milliseconds timeout) {
  const auto t0 = Clock::now();
  std::vector<std::string> argv = {pasaprod_bin(), "--db", db_.string()};
  argv.insert(argv.end(), options_.global.begin(), options_.global.end());
  argv.insert(argv.end(), {"serve", "--listen", "127.0.0.1:0"});
  if (options_.demo) argv.push_back("--demo");
  if (options_.fast_hashing) argv.push_back("--fast-password-hashing");
  if (options_.max_upload_mb) {
    argv.push_back("--max-upload-mb");
    argv.push_back(std::to_string(*options_.max_upload_mb));
  }
  argv.insert(argv.end(), options_.extra.begin(), options_.extra.end());
  const fs::path dir = options_.output_dir.empty() ? db_.parent_path() : options_.output_dir;
  const fs::path out_file = dir / (options_.name + ".out"), err_file = dir / (options_.name + ".err");
  // A restart on the same folder: drop the last run's output first, or the port it printed
  // could be read before the child truncates the file (and the wait would poll a dead port).
  std::error_code ec;
  fs::remove(out_file, ec);
  fs::remove(err_file, ec);
  pid_ = spawn(argv, "/dev/null", out_file, err_file);
  // The port: the server prints "... http://127.0.0.1:PORT ..." once it listens. (No
  // std::regex: GCC 12 warns inside <regex> under -O2 -fsanitize=address, and -Werror.)
  const std::string listening = "http://127.0.0.1:";
  const auto deadline = Clock::now() + timeout;
  while (port_ == 0) {
    const std::string out = read_file(out_file);
    if (const auto at = out.find(listening); at != std::string::npos) {
      const std::size_t digits = at + listening.size();
      const std::size_t end = out.find_first_not_of("0123456789", digits);
      if (end != std::string::npos && end > digits) {
        port_ = static_cast<std::uint16_t>(std::stoi(out.substr(digits, end - digits)));
        break;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("pasaprod serve exited " + std::to_string(exit_code_of(status)) + " before listening:\n" + output());
    }
    if (Clock::now() > deadline) throw std::runtime_error("pasaprod serve did not listen in time:\n" + output());
    std::this_thread::sleep_for(20ms);
  }
  for (;;) {
    Conn c(port_);
    if (c.connected() && c.send_all(make_request("GET", "/healthz"))) {
      Response r = c.read_response(false, 5s);
      if (r.status == 200) break;
    }
    if (Clock::now() > deadline) throw std::runtime_error("GET /healthz did not answer 200 in time:\n" + output());
    std::this_thread::sleep_for(20ms);
  }
  startup_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  return ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

int ServerProcess::stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto status = wait_for(pid_, timeout);
  if (!status) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  return exit_code_of(*status);
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  auto status = wait_for(pid_, timeout);
  if (!status) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  return exit_code_of(*status);
}

std::string ServerProcess::output() const {
  const fs::path dir = options_.output_dir.empty() ? db_.parent_path() : options_.output_dir;
  std::string out = read_file(dir / (options_.name + ".out")), err = read_file(dir / (options_.name + ".err"));
  auto tail = [](const std::string& s) { return s.size() > 6000 ? "…" + s.substr(s.size() - 6000) : s; };
  return "--- " + options_.name + " stdout ---\n" + tail(out) + "\n--- " + options_.name + " stderr ---\n" + tail(err);
}

std::vector<std::string> open_files_under(pid_t pid, const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  const std::string prefix = fs::weakly_canonical(dir, ec).string();
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code ec2;
    const fs::path target = fs::read_symlink(e.path(), ec2);
    if (!ec2 && target.string().rfind(prefix, 0) == 0) out.push_back(target.string());
  }
  return out;
}

long proc_status_kib(pid_t pid, const char* field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(f, line)) {
    if (line.rfind(prefix, 0) == 0) return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// HTTP

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (lower(k) == lower(name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Response::all_headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (lower(k) == lower(name)) out.push_back(v);
  }
  return out;
}

json Response::json() const {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

std::string Response::describe() const {
  std::string s = request_line + " → " + (status ? std::to_string(status) : std::string("no response")) + "\n";
  for (const auto& [k, v] : headers) s += k + ": " + v + "\n";
  s += body.size() > 3000 ? body.substr(0, 3000) + "…" : body;
  return s;
}

const Response& Response::expect(int expected) const {
  if (status != expected) throw std::runtime_error("expected HTTP " + std::to_string(expected) + ", got:\n" + describe());
  return *this;
}

Conn::Conn(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Conn::~Conn() { close(); }

void Conn::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Conn::send_all(std::string_view data) {
  if (fd_ < 0) return false;
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Conn::fill(std::size_t n, Clock::time_point deadline) {
  char tmp[64 * 1024];
  while (buf_.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    const ssize_t got = ::recv(fd_, tmp, sizeof tmp, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(got));
  }
  return true;
}

Response Conn::read_response(bool head, std::chrono::milliseconds timeout) {
  Response r;
  if (fd_ < 0) return r;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(buf_.size() + 1, deadline)) return r;
    }
    const std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    r = Response{};
    const std::size_t eol = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, eol);
    if (status_line.size() < 12) return r;
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = eol == std::string::npos ? head_text.size() : eol + 2;
    while (pos < head_text.size()) {
      std::size_t next = head_text.find("\r\n", pos);
      if (next == std::string::npos) next = head_text.size();
      const std::string line = head_text.substr(pos, next - pos);
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers.emplace_back(line.substr(0, colon), value);
      }
      pos = next + 2;
    }
    if (r.status >= 100 && r.status < 200) continue;
    if (head || r.status == 204 || r.status == 304) return r;
    if (auto cl = r.header("content-length")) {
      const std::size_t n = std::stoull(*cl);
      if (!fill(n, deadline)) {
        r.status = 0;
        return r;
      }
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
    } else if (auto te = r.header("transfer-encoding"); te && lower(*te) == "chunked") {
      for (;;) {
        std::size_t le;
        while ((le = buf_.find("\r\n")) == std::string::npos) {
          if (!fill(buf_.size() + 1, deadline)) {
            r.status = 0;
            return r;
          }
        }
        const std::size_t size = std::stoull(buf_.substr(0, le), nullptr, 16);
        buf_.erase(0, le + 2);
        if (!fill(size + 2, deadline)) {
          r.status = 0;
          return r;
        }
        r.body += buf_.substr(0, size);
        buf_.erase(0, size + 2);
        if (size == 0) break;
      }
    } else {  // until close
      while (fill(buf_.size() + 1, deadline)) {
      }
      r.body = std::move(buf_);
      buf_.clear();
    }
    return r;
  }
}

bool Conn::wait_closed(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return true;
  const auto deadline = Clock::now() + timeout;
  char tmp[4096];
  for (;;) {  // polls at least once, even when the timeout is (nearly) over
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0)));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return false;
    const ssize_t got = ::recv(fd_, tmp, sizeof tmp, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return true;
  }
}

bool Conn::alive() {
  if (fd_ < 0 || !buf_.empty()) return false;
  pollfd p{fd_, POLLIN, 0};
  const int r = ::poll(&p, 1, 0);
  return r == 0;  // readable (EOF, reset, or stray bytes) = not reusable
}

std::string make_request(std::string_view method, std::string_view target, const Headers& headers, std::string_view body,
                         bool force_length) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const auto& [k, v] : headers) out.append(k).append(": ").append(v).append("\r\n");
  if (!body.empty() || force_length) out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

Api::Api(std::uint16_t port, std::string who_) : who(std::move(who_)), port_(port) {}

Headers Api::auth_headers(const std::string& method) const {
  Headers h;
  if (!lang.empty()) h.emplace_back("Accept-Language", lang);
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  if (!cookie.empty()) {
    h.emplace_back("Cookie", "pasaprod_session=" + cookie);
    if (method != "GET" && method != "HEAD" && !csrf.empty()) h.emplace_back("X-CSRF-Token", csrf);
  }
  return h;
}

Response Api::send(const std::string& method, const std::string& path, std::string_view body, const Headers& extra,
                   const std::string& content_type) {
  Headers h = auth_headers(method);
  if (!body.empty() && !content_type.empty()) h.emplace_back("Content-Type", content_type);
  h.insert(h.end(), extra.begin(), extra.end());
  const std::string request = make_request(method, path, h, body, method == "POST" || method == "PUT");
  const std::uint16_t port = rotate.empty() ? port_ : rotate[next_++ % rotate.size()];
  const bool reused = conn_ && conn_port_ == port && conn_->alive();
  if (!reused) {
    conn_ = std::make_unique<Conn>(port);
    conn_port_ = port;
  }
  Response r;
  if (conn_->connected() && conn_->send_all(request)) r = conn_->read_response(method == "HEAD");
  if (r.status == 0 && reused && (method == "GET" || method == "HEAD")) {  // the server closed it just then: once more
    conn_ = std::make_unique<Conn>(port);
    if (conn_->connected() && conn_->send_all(request)) r = conn_->read_response(method == "HEAD");
  }
  r.request_line = method + " " + path + " (as " + who + ")";
  if (r.status == 0) {
    conn_.reset();
  } else if (auto c = r.header("connection"); c && lower(*c) == "close") {
    conn_.reset();
  }
  return r;
}

Response Api::get(const std::string& path, const Headers& extra) { return send("GET", path, {}, extra); }
Response Api::post(const std::string& path, const nlohmann::json& body, const Headers& extra) {
  return send("POST", path, body.dump(), extra);
}
Response Api::put(const std::string& path, std::string_view body, const Headers& extra) {
  return send("PUT", path, body, extra, "application/octet-stream");
}
Response Api::del(const std::string& path, const Headers& extra) { return send("DELETE", path, {}, extra); }

Response Api::sign_in(const std::string& username, const std::string& password) {
  Response r = send("POST", "/api/v1/session", nlohmann::json{{"username", username}, {"password", password}}.dump());
  if (r.status == 200) {
    for (const auto& sc : r.all_headers("set-cookie")) {
      if (sc.rfind("pasaprod_session=", 0) == 0) cookie = sc.substr(17, sc.find(';') - 17);
    }
    csrf = r.json().value("csrf_token", "");
  }
  return r;
}

void Api::sign_in_with_token(const std::string& username, const std::string& password) {
  sign_in(username, password).expect(200);
  Response t = post("/api/v1/tokens", {{"name", "tests"}});
  t.expect(201);
  token = t.json().at("token").get<std::string>();
  cookie.clear();
  csrf.clear();
}

std::string iso_now(long offset_s) {
  const std::time_t t = std::time(nullptr) + offset_s;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<std::string> detail_list(const nlohmann::json& problem, const std::string& key) {
  std::vector<std::string> out;
  if (!problem.is_object() || !problem.contains("details") || !problem["details"].contains(key)) return out;
  const auto& v = problem["details"][key];
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

}  // namespace apitest
