#include "cli_harness.h"
#include "../fixtures/stored_blobs.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace clitest {
namespace {

std::string quote_join(const Args& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$*?;&|<>()") == std::string::npos;
    out += plain ? a : "'" + a + "'";
  }
  return out;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

[[noreturn]] void fail_errno(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

}  // namespace

std::string pasaprod_bin() { return PASAPROD_BIN; }

std::string Outcome::describe() const {
  std::string s = "$ " + command + "\n";
  if (timed_out) s += "TIMED OUT\n";
  s += signal ? "killed by signal " + std::to_string(signal) + "\n" : "exit " + std::to_string(exit_code) + "\n";
  s += "--- stdout ---\n" + out.substr(0, 4000) + (out.size() > 4000 ? "…\n" : "");
  s += "--- stderr ---\n" + err.substr(0, 4000) + (err.size() > 4000 ? "…\n" : "");
  return s;
}

// ---------------------------------------------------------------------------------------------
// Gate

Gate::Gate() {
  if (::pipe2(fds_, O_CLOEXEC) != 0) fail_errno("pipe2");
}

Gate::~Gate() {
  close_fd(fds_[0]);
  close_fd(fds_[1]);
}

void Gate::release() { close_fd(fds_[1]); }

// ---------------------------------------------------------------------------------------------
// Child

Child::Child(const Args& argv, Gate* gate) : command_(quote_join(argv)) {
  if (argv.empty()) throw std::invalid_argument("empty argv");
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) fail_errno("pipe2");
  if (::pipe2(err, O_CLOEXEC) != 0) fail_errno("pipe2");
  const int gate_r = gate ? gate->read_fd() : -1;
  const int gate_w = gate ? gate->write_fd() : -1;
  pid_ = ::fork();
  if (pid_ < 0) fail_errno("fork");
  if (pid_ == 0) {
    ::signal(SIGPIPE, SIG_DFL);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (gate_r >= 0) {
      if (gate_w >= 0) ::close(gate_w);  // else EOF would never come
      char c;
      while (::read(gate_r, &c, 1) < 0 && errno == EINTR) {
      }
    }
    ::execvp(cargv[0], cargv.data());
    const char msg[] = "exec failed\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  out_ = out[0];
  err_ = err[0];
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(out_);
  close_fd(err_);
}

void Child::kill(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

Outcome Child::wait(std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  Outcome o;
  o.command = command_;
  if (pid_ <= 0) return o;
  auto deadline = Clock::now() + timeout;
  int fds[2] = {out_, err_};
  std::string* bufs[2] = {&o.out, &o.err};
  char buf[65536];
  while (fds[0] >= 0 || fds[1] >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      if (o.timed_out) break;  // killed and still no EOF (a grandchild holds the pipe): give up
      o.timed_out = true;
      ::kill(pid_, SIGKILL);
      deadline = Clock::now() + std::chrono::seconds(5);
      continue;
    }
    pollfd p[2];
    int idx[2];
    nfds_t n = 0;
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        p[n] = {fds[i], POLLIN, 0};
        idx[n++] = i;
      }
    }
    const int r = ::poll(p, n, static_cast<int>(std::min<long long>(left, 1000)));
    if (r < 0 && errno != EINTR) fail_errno("poll");
    if (r <= 0) continue;
    for (nfds_t k = 0; k < n; ++k) {
      if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = ::read(fds[idx[k]], buf, sizeof buf);
      if (got > 0) {
        bufs[idx[k]]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close_fd(fds[idx[k]]);
      }
    }
  }
  out_ = fds[0];
  err_ = fds[1];
  close_fd(out_);
  close_fd(err_);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) fail_errno("waitpid");
  }
  pid_ = -1;
  if (WIFEXITED(status)) {
    o.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    o.signal = WTERMSIG(status);
  }
  return o;
}

Outcome run(const Args& argv, std::chrono::milliseconds timeout) {
  Child c(argv);
  return c.wait(timeout);
}

// ---------------------------------------------------------------------------------------------
// Workspace

Workspace::Workspace() {
  std::string pattern = (fs::temp_directory_path() / "pasaprod-cli-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) fail_errno("mkdtemp");
  dir_ = pattern;
}

Workspace::~Workspace() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info && ::testing::Test::HasFailure()) {
    std::fprintf(stderr, "[ keeping ] %s (the test failed)\n", dir_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Args Workspace::argv(const Args& args) const {
  Args a = {pasaprod_bin(), "--db", db().string()};
  a.insert(a.end(), args.begin(), args.end());
  return a;
}

Outcome Workspace::cli(const Args& args) const { return run(argv(args)); }

Outcome Workspace::ok(const Args& args, std::source_location loc) const {
  Outcome o = cli(args);
  if (o.exit_code != 0) ADD_FAILURE_AT(loc.file_name(), loc.line()) << "expected success\n" << o.describe();
  return o;
}

Outcome Workspace::fails(int code, const Args& args, std::source_location loc) const {
  Outcome o = cli(args);
  if (o.exit_code != code) {
    ADD_FAILURE_AT(loc.file_name(), loc.line()) << "expected exit " << code << "\n" << o.describe();
  } else if (o.err.rfind("pasaprod: ", 0) != 0 || o.err.size() < 20) {
    ADD_FAILURE_AT(loc.file_name(), loc.line()) << "expected a \"pasaprod: <message>\" on stderr\n" << o.describe();
  } else if (!o.out.empty()) {
    ADD_FAILURE_AT(loc.file_name(), loc.line()) << "a refusal printed on stdout\n" << o.describe();
  }
  return o;
}

std::vector<nlohmann::json> Workspace::json_documents(const Args& args, int code, std::source_location loc) const {
  Args a = {"--json"};
  a.insert(a.end(), args.begin(), args.end());
  Outcome o = cli(a);
  if (o.exit_code != code) {
    ADD_FAILURE_AT(loc.file_name(), loc.line()) << "expected exit " << code << "\n" << o.describe();
    return {};
  }
  std::vector<nlohmann::json> docs;
  try {
    docs = parse_json_documents(o.out);
  } catch (const std::exception& e) {
    ADD_FAILURE_AT(loc.file_name(), loc.line()) << "stdout is not JSON: " << e.what() << "\n" << o.describe();
    return {};
  }
  if (docs.empty()) ADD_FAILURE_AT(loc.file_name(), loc.line()) << "no JSON on stdout\n" << o.describe();
  return docs;
}

nlohmann::json Workspace::json(const Args& args, int code, std::source_location loc) const {
  std::vector<nlohmann::json> docs = json_documents(args, code, loc);
  if (docs.empty()) return nullptr;
  if (docs.size() > 1) {
    ADD_FAILURE_AT(loc.file_name(), loc.line()) << "stdout holds " << docs.size() << " JSON documents, not one:\n"
                                                << docs[0].dump(2) << "\n"
                                                << docs[1].dump(2);
  }
  return docs[0];
}

Outcome Workspace::sql_raw(const std::string& sql) const { return run({"sqlite3", "-bail", db().string(), sql}); }

std::string Workspace::sql(const std::string& sql, std::source_location loc) const {
  Outcome o = sql_raw(sql);
  if (o.exit_code != 0 || !o.err.empty()) ADD_FAILURE_AT(loc.file_name(), loc.line()) << "sqlite3 failed\n" << o.describe();
  return o.out;
}

std::string Workspace::dump() const {
  Outcome o = run({"sqlite3", db().string(), ".dump"});
  EXPECT_EQ(o.exit_code, 0) << o.describe();
  EXPECT_GT(o.out.size(), 1000u) << o.describe();
  return o.out;
}

namespace {
std::vector<fs::path> regular_files_under(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory()) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

std::vector<fs::path> Workspace::blob_files() const { return pasaprod::testing_blobs::stored_blobs(blobs_dir()); }
std::vector<fs::path> Workspace::library_tmp_files() const { return regular_files_under(library_tmp_dir()); }

std::string Workspace::write_file(const std::string& name, const std::string& content) const {
  const fs::path p = dir_ / "files" / name;
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!f) throw std::runtime_error("cannot write " + p.string());
  return p.string();
}

void Workspace::copy_office_from(const fs::path& from) const {
  // The whole office: the database (no process has it open, so there is no -wal/-shm to worry
  // about; a -wal would be copied, a -shm is rebuilt), the anchor files and the library.
  for (const auto& e : fs::directory_iterator(from)) {
    const std::string name = e.path().filename().string();
    if (name == "files" || name.ends_with("-shm") || name.starts_with("template-")) continue;
    fs::copy(e.path(), dir_ / name, fs::copy_options::recursive | fs::copy_options::overwrite_existing | fs::copy_options::copy_symlinks);
  }
}

std::vector<nlohmann::json> parse_json_documents(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (;;) {
    in >> std::ws;
    if (in.peek() == std::char_traits<char>::eof()) break;
    nlohmann::json j;
    in >> j;  // reads one value and stops after it
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace clitest
