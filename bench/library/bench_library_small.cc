// bench_library_small: what a small add (one deliverable of a few KiB) costs in the local
// library, in its two forms, beside a raw durable SQLite commit on the same file system.
//
//   bench_library_small [--dir DIR] [--kib 4] [--adds 300] [--threads 1,4] [--runs 2]
//
// In DIR/pasaprod-bench-small-PID (DIR: the system temp dir by default; pick the file system the
// library lives on), per run and thread count T: `--adds` adds of distinct `--kib` KiB contents
// split over T threads, each add a full Library add (begin_add, write, commit, writer end) on
//   - files: LibraryOptions::small_blob_max = 0, every blob a file (marker + 4 fsyncs);
//   - rows:  the default options, the blob a row of small.db (one durable SQLite commit,
//            shared by concurrent adds);
// and beside them `--adds` raw SQLite durable commits (a bare connection, WAL,
// synchronous=FULL, one INSERT of the same bytes per BEGIN IMMEDIATE … COMMIT, one thread).
// Prints adds/s, the median and p99 wall time of one add, and the ratio of the median to the
// raw commit's median. Removes everything it created, also when a step fails.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/common/scratch.h"
#include "library/library.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string dir = fs::temp_directory_path().string();
  int kib = 4, adds = 300, runs = 2;
  std::vector<int> threads = {1, 4};
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--dir") {
      a.dir = value;
    } else if (flag == "--kib") {
      a.kib = std::stoi(value);
    } else if (flag == "--adds") {
      a.adds = std::stoi(value);
    } else if (flag == "--runs") {
      a.runs = std::stoi(value);
    } else if (flag == "--threads") {
      a.threads.clear();
      std::stringstream ss(value);
      for (std::string t; std::getline(ss, t, ',');) a.threads.push_back(std::stoi(t));
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  if (a.kib < 1 || a.adds < 1 || a.runs < 1 || a.threads.empty()) throw std::invalid_argument("values must be positive");
  return a;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// Distinct contents: `size` bytes whose first 16 name (run, form, index).
std::string content(std::size_t size, const std::string& tag, int i) {
  std::string s(size, 'x');
  const std::string head = fmt::format("{}-{:08d}", tag, i);
  s.replace(0, std::min(head.size(), size), head.substr(0, size));
  return s;
}

struct Timing {
  double seconds = 0;
  std::vector<double> ms;  // one per add
};

// `adds` adds over `threads` threads to `lib`.
Timing run_adds(pasaprod::Library& lib, int adds, int threads, std::size_t size, const std::string& tag) {
  Timing t;
  t.ms.resize(static_cast<std::size_t>(adds));
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k) {
    pool.emplace_back([&] {
      for (int i; (i = next++) < adds;) {
        const std::string data = content(size, tag, i);
        const auto t0 = Clock::now();
        auto w = lib.begin_add(std::nullopt, pasaprod::BlobStore::kNoLimit);
        if (!w || !(*w)->write(data.data(), data.size()) || !(*w)->commit()) {
          failed = true;
          return;
        }
        w->reset();  // the writer's end (its owner recorded the blob)
        t.ms[static_cast<std::size_t>(i)] = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      }
    });
  }
  for (auto& th : pool) th.join();
  if (failed) throw std::runtime_error("an add failed");
  t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return t;
}

// Raw durable SQLite commits of `size` bytes each, one thread.
Timing run_raw(const fs::path& path, int commits, std::size_t size) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + path.string());
  const auto exec = [&](const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db));
  };
  exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB)");
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?1)", -1, &ins, nullptr);
  const std::string data(size, 'r');
  Timing t;
  const auto start = Clock::now();
  for (int i = 0; i < commits; ++i) {
    const auto t0 = Clock::now();
    exec("BEGIN IMMEDIATE");
    sqlite3_bind_blob(ins, 1, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
    sqlite3_reset(ins);
    exec("COMMIT");
    t.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  sqlite3_finalize(ins);
  sqlite3_close(db);
  return t;
}

int run(const Args& a, const fs::path& dir) {
  const std::size_t size = static_cast<std::size_t>(a.kib) << 10;
  fmt::print("{} adds of {} KiB per form and thread count, {} run(s), in {}\n", a.adds, a.kib, a.runs, dir.string());
  fmt::print("{:<5} {:>7} {:<6} {:>9} {:>10} {:>9} {:>13}\n", "run", "threads", "form", "adds/s", "median ms", "p99 ms",
             "median / raw");
  for (int r = 1; r <= a.runs; ++r) {
    for (int threads : a.threads) {
      const Timing raw = run_raw(dir / "raw.db", a.adds, size);
      const double raw_median = quantile(raw.ms, 0.5);
      fmt::print("{:<5} {:>7} {:<6} {:>9.0f} {:>10.3f} {:>9.3f} {:>13}\n", r, 1, "raw", a.adds / raw.seconds, raw_median,
                 quantile(raw.ms, 0.99), "1.0");
      for (const bool small : {false, true}) {
        pasaprod::LibraryOptions o;
        if (!small) o.small_blob_max = 0;
        const fs::path root = dir / fmt::format("lib-{}-{}-{}", r, threads, small ? "rows" : "files");
        pasaprod::Library lib(root, o);
        const Timing t = run_adds(lib, a.adds, threads, size, fmt::format("{}{}{}", r, threads, small ? 'r' : 'f'));
        fmt::print("{:<5} {:>7} {:<6} {:>9.0f} {:>10.3f} {:>9.3f} {:>13.1f}\n", r, threads, small ? "rows" : "files",
                   a.adds / t.seconds, quantile(t.ms, 0.5), quantile(t.ms, 0.99), quantile(t.ms, 0.5) / raw_median);
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  try {
    args = parse_args(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "usage: bench_library_small [--dir DIR] [--kib 4] [--adds 300] [--threads 1,4] [--runs 2]\n{}\n",
               e.what());
    return 2;
  }
  const std::string dir = pasaprod::bench::scratch_dir(args.dir, "pasaprod-bench-small");
  return pasaprod::bench::run_then_clean(dir, false, [&] {
    fs::create_directories(dir);
    return run(args, dir);
  });
}
