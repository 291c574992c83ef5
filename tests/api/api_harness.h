// Harness for the API integration tests: starts the real `pasaprod serve` process on a free
// port with a fresh database, and talks HTTP/1.1 to it over plain POSIX sockets.
//
//   TempDir dir;                                          // fresh folder, removed unless a test failed
//   ServerProcess server(dir.path() / "p.db", {.demo = true});
//   server.start();                                       // waits for the port and GET /healthz
//   Api api(server.port());
//   api.set_token(token);                                 // or api.sign_in("ana", "secret")
//   Response r = api.get("/api/v1/me");
//   EXPECT_EQ(r.status, 200) << r.describe();
//   EXPECT_EQ(server.stop(), 0);                          // SIGTERM → graceful exit 0
//
// Helpers that cannot go on after an unexpected answer throw std::runtime_error (GoogleTest
// reports it as a failure of the test with the message).
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apitest {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;
using namespace std::chrono_literals;

// Path of the pasaprod binary under test (PASAPROD_BIN compile definition).
std::string pasaprod_bin();

// ---------------------------------------------------------------------------------------------
// Processes

struct CliResult {
  int exit_code = -1;  // -1: killed by a signal or could not run
  std::string out, err, command;
  std::string describe() const;
};

// Runs `pasaprod args...` to completion with `stdin_text` as its standard input.
CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text = "");
// Same, and throws unless it exits 0.
CliResult run_cli_ok(const std::vector<std::string>& args, const std::string& stdin_text = "");

// A fresh temporary folder, removed on destruction unless the current test failed (then its
// path is printed and it is kept for a look).
class TempDir {
 public:
  // In memory (/dev/shm, or $PASAPROD_TEST_TMPDIR) unless `on_disk`: the office's SQLite
  // database commits with fsync (synchronous=FULL), which costs ~25 ms a write on this
  // machine's disk and nothing on tmpfs. On disk: fs::temp_directory_path().
  explicit TempDir(bool on_disk = false);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  // Removes the folder whatever happened (for folders holding huge files).
  void remove_now();

 private:
  fs::path path_;
};

// Regular files under `root` (recursively), sorted; empty when root does not exist.
std::vector<fs::path> files_under(const fs::path& root);
// The blobs of the library whose blobs/ folder is `blobs_dir`, files and small.db rows
// (tests/fixtures/stored_blobs.h), sorted.
std::vector<fs::path> stored_blobs(const fs::path& blobs_dir);
// Waits until `dir` holds no regular file (the server drops partial uploads asynchronously);
// false when it still holds some after `timeout`.
bool eventually_empty(const fs::path& dir, std::chrono::milliseconds timeout = std::chrono::seconds(10));

struct ServeOptions {
  bool demo = false;
  bool fast_hashing = true;
  std::optional<int> max_upload_mb;
  std::vector<std::string> extra;  // more arguments for `serve`
  std::vector<std::string> global;  // more arguments before `serve` (--data-dir, --library, ...)
  // Where its output files go ("" = the database's folder) and their name: several servers
  // on one database each take a name of their own.
  fs::path output_dir;
  std::string name = "serve";
};

// A `pasaprod --db DB serve --listen 127.0.0.1:0 ...` child process. Its stdout and stderr go to
// files beside the database (serve.out / serve.err).
class ServerProcess {
 public:
  ServerProcess(fs::path db, ServeOptions options = {});
  ~ServerProcess();  // SIGKILLs the server if it is still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts it, reads the port it prints, and waits until GET /healthz answers 200. Throws on
  // failure (with the server's output).
  void start(std::chrono::milliseconds timeout = 120s);
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running();
  // Sends SIGTERM and waits for the exit: the exit status, 128 + signal when a signal ended it,
  // -1 when it did not end within `timeout` (then it is SIGKILLed).
  int stop(std::chrono::milliseconds timeout = 30s);
  // Waits for the server to exit by itself (e.g. after a signal sent with ::kill): as stop().
  int wait_exit(std::chrono::milliseconds timeout = 30s);
  // What the server printed so far (stdout, then stderr).
  std::string output() const;
  // How long start() took.
  std::chrono::milliseconds startup_time() const { return startup_; }

 private:
  fs::path db_;
  ServeOptions options_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::chrono::milliseconds startup_{0};
};

// Targets of the process's open file descriptors that lie under `dir` (from /proc/PID/fd;
// a deleted or O_TMPFILE file shows as "<dir>/... (deleted)" or "<dir>/#123 (deleted)").
std::vector<std::string> open_files_under(pid_t pid, const fs::path& dir);

// A "Name: <n> kB" field of /proc/PID/status in KiB (VmRSS, VmHWM, ...); -1 when unreadable.
long proc_status_kib(pid_t pid, const char* field);

// ---------------------------------------------------------------------------------------------
// HTTP

struct Response {
  int status = 0;  // 0: no (complete) response
  Headers headers;
  std::string body;
  std::string request_line;  // "METHOD target" that produced it, for messages

  std::optional<std::string> header(std::string_view name) const;
  std::vector<std::string> all_headers(std::string_view name) const;
  // The body as JSON (null when it is not JSON).
  nlohmann::json json() const;
  // One paragraph for failure messages.
  std::string describe() const;
  // Throws (with describe()) unless status == expected; returns *this.
  const Response& expect(int expected) const;
};

// One TCP connection to 127.0.0.1:port.
class Conn {
 public:
  explicit Conn(std::uint16_t port);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Sends everything; false when the connection failed.
  bool send_all(std::string_view data);
  // Reads one response (interim 1xx skipped); status 0 when none arrived complete in time.
  Response read_response(bool head = false, std::chrono::milliseconds timeout = 60s);
  // True when the peer closed the connection (EOF or reset) within `timeout`; data received in
  // the meantime is discarded.
  bool wait_closed(std::chrono::milliseconds timeout);
  // True when the connection looks reusable (not closed by the peer, nothing unexpected to read).
  bool alive();
  void close();

 private:
  bool fill(std::size_t n, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buf_;
};

// "METHOD target HTTP/1.1" with Host, the headers, Content-Length when the body is not empty
// (or `force_length`), then the body.
std::string make_request(std::string_view method, std::string_view target, const Headers& headers = {},
                         std::string_view body = {}, bool force_length = false);

// A client acting for one caller: anonymous, a session (cookie + CSRF token) or a bearer
// token. Keeps one keep-alive connection (reconnects when the server closed it). Sends
// Accept-Language: en unless `lang` is changed. Not thread-safe: one per thread.
class Api {
 public:
  explicit Api(std::uint16_t port, std::string who = "anonymous");
  std::uint16_t port() const { return port_; }

  std::string who;
  std::string lang = "en";
  std::string token;    // Authorization: Bearer
  std::string cookie;   // pasaprod_session value
  std::string csrf;     // X-CSRF-Token on state changes (when cookie is set)

  // POST /api/v1/session; on 200 keeps the cookie and the CSRF token. Returns the answer.
  Response sign_in(const std::string& username, const std::string& password);
  // Signs in (throws unless 200), then creates a personal token and switches to it.
  void sign_in_with_token(const std::string& username, const std::string& password);

  Response get(const std::string& path, const Headers& extra = {});
  Response post(const std::string& path, const json& body = json::object(), const Headers& extra = {});
  Response put(const std::string& path, std::string_view body, const Headers& extra = {});
  Response del(const std::string& path, const Headers& extra = {});
  // Any request with the caller's credentials. `content_type` is added when the body is not empty.
  Response send(const std::string& method, const std::string& path, std::string_view body, const Headers& extra = {},
                const std::string& content_type = "application/json");
  // The headers send() would add for this method (credentials, language).
  Headers auth_headers(const std::string& method) const;
  // Requests go to these ports in turn, one after another (several servers on one database);
  // empty = always port().
  std::vector<std::uint16_t> rotate;

 private:
  std::uint16_t port_;
  std::unique_ptr<Conn> conn_;
  std::uint16_t conn_port_ = 0;  // the port conn_ is connected to
  std::size_t next_ = 0;         // rotate: the next index
};

// Current UTC time plus `offset_s`, ISO 8601 ("2026-03-01T10:00:00Z").
std::string iso_now(long offset_s = 0);

// details.<key> of a problem as a list of strings (a string or an array of strings).
std::vector<std::string> detail_list(const json& problem, const std::string& key);

}  // namespace apitest
