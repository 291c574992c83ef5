// Harness for the CLI integration tests: runs the real `pasaprod` binary (and sqlite3,
// sha256sum) as child processes, each test in its own temporary folder.
//
//   Workspace ws;                                   // fresh folder: ws.db() = <dir>/p.db
//   ws.ok({"init"});                                // expects exit 0, else a test failure
//   auto j = ws.json({"release", "show", number});  // runs with --json, parses stdout
//   Outcome o = ws.cli({"act", number, "approve", "--as", "chief"});
//   EXPECT_EQ(o.exit_code, 6) << o.describe();
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <source_location>
#include <string>
#include <vector>

namespace clitest {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;

// Path of the pasaprod binary under test (from the PASAPROD_BIN compile definition).
std::string pasaprod_bin();

// How a child process ended, and what it printed.
struct Outcome {
  int exit_code = -1;  // the exit status; -1 when a signal ended it
  int signal = 0;      // the signal that ended it, or 0
  bool timed_out = false;
  std::string out, err;
  std::string command;  // for messages

  // One paragraph for failure messages: command, exit, stdout, stderr.
  std::string describe() const;
};

// A pipe whose read end children block on before exec; release() lets them all go at once.
class Gate {
 public:
  Gate();
  ~Gate();
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  void release();  // closes the write end: every gated child reads EOF and execs
  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }

 private:
  int fds_[2] = {-1, -1};
};

// A running child process whose stdout and stderr are piped back.
class Child {
 public:
  // Starts argv (argv[0] is the program path). With a gate, the child waits for gate->release()
  // between fork and exec. stdin is /dev/null.
  explicit Child(const Args& argv, Gate* gate = nullptr);
  ~Child();  // SIGKILLs and reaps the child if still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Sends a signal to the child.
  void kill(int sig);
  // Reads its output until EOF and reaps it; SIGKILLs it after `timeout`. Call once.
  Outcome wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  std::string command_;
};

// Runs argv to completion.
Outcome run(const Args& argv, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A temporary folder holding one pasaprod office: <dir>/p.db (+ .anchor, .anchor.key) and
// <dir>/library. Removed on destruction unless the test failed (then its path is printed).
class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const fs::path& dir() const { return dir_; }
  fs::path db() const { return dir_ / "p.db"; }
  fs::path blobs_dir() const { return dir_ / "library" / "blobs"; }
  fs::path library_tmp_dir() const { return dir_ / "library" / "tmp"; }

  // pasaprod --db <db> args...
  Args argv(const Args& args) const;
  // Runs pasaprod on this office.
  Outcome cli(const Args& args) const;
  // Runs pasaprod and records a test failure (at the caller) unless it exits 0.
  Outcome ok(const Args& args, std::source_location loc = std::source_location::current()) const;
  // Runs pasaprod, expects exit `code`, a "pasaprod: ..." message on stderr and nothing on
  // stdout; records a failure at the caller otherwise.
  Outcome fails(int code, const Args& args, std::source_location loc = std::source_location::current()) const;
  // Runs `pasaprod --json args...`, expects exit `code` and exactly one JSON document on
  // stdout, and returns it (null on failure).
  nlohmann::json json(const Args& args, int code = 0, std::source_location loc = std::source_location::current()) const;
  // Like json(), but returns every JSON document printed on stdout (a failure when none).
  std::vector<nlohmann::json> json_documents(const Args& args, int code, std::source_location loc = std::source_location::current()) const;

  // Runs `sqlite3 <db> sql` and returns stdout; records a failure when sqlite3 fails.
  std::string sql(const std::string& sql, std::source_location loc = std::source_location::current()) const;
  // Runs `sqlite3 <db> sql` without checking the result.
  Outcome sql_raw(const std::string& sql) const;
  // The whole database as SQL text (`sqlite3 <db> .dump`).
  std::string dump() const;

  // The library's blobs (files under library/blobs, rows of library/small.db: see
  // tests/fixtures/stored_blobs.h) and the regular files under library/tmp.
  std::vector<fs::path> blob_files() const;
  std::vector<fs::path> library_tmp_files() const;
  // Writes a file in the workspace (under files/) and returns its path.
  std::string write_file(const std::string& name, const std::string& content) const;
  // Replaces this workspace's office with a copy of the office in folder `dir` (database,
  // anchor, library; not the files/ folder nor files named template-*).
  void copy_office_from(const fs::path& dir) const;

 private:
  fs::path dir_;
};

// The JSON documents in `text`, one after another (throws on malformed text).
std::vector<nlohmann::json> parse_json_documents(const std::string& text);

// Lines of `text`, without the trailing newline.
std::vector<std::string> lines(const std::string& text);

}  // namespace clitest
