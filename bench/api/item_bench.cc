// The item benchmark (bench/README.md, "API: one emergency request end to end"): clients drive a
// running `pasaprod serve` through the API, one thread and one keep-alive connection each, each
// on its own system. One item:
//   open    POST /api/v1/releases                       kind emergency, next patch version (201)
//   upload  PUT  …/deliverables/{slot}/{file}           each required slot, --kib KiB each (201)
//   action  POST …/actions/{action}                      the action out of draft (200, new state)
//   list    GET  /api/v1/releases?state={state}          the requests in that state; ours listed (200)
// Every answer is checked (status, and the state or listing it must show): a failed step stops
// the run with exit status 1 and no figures, never a timing.
//
// Beside it, in the same run and on the same file system (--raw-dir: the server's database
// directory), a raw SQLite durable commit: a bare connection, WAL, synchronous=FULL, one UPDATE +
// one INSERT per BEGIN IMMEDIATE … COMMIT; measured before each phase and after the last. A
// phase's item time is divided by the raw commit time of the measurements just before and after
// it (the disk drifts), both as medians and as means (a mean is what a rate reflects). The CPU
// time of a raw commit (this thread's, getrusage) is the baseline of the server's CPU per request.
//
// Usage: pasaprod_item_bench --url http://127.0.0.1:PORT --clients-file FILE --raw-dir DIR
//            [--server-pid PID] [--phases 1,4] [--items 200] [--kib 4] [--raw-commits 300]
//            [--slots source_code,db_scripts,backout_plan,technical_report]
//            [--action request_committee] [--state committee]
// FILE has one "SYSTEM TOKEN" line per client; each phase takes the next lines, so every phase
// starts on systems with no request yet (versions 1.0.1, 1.0.2, … are then the expected ones).
// The defaults are the built-in procedure's (procedures/edition-02.yaml): an emergency that
// changes the database needs those four slots, and `request_committee` (draft → committee) is
// its request to move towards production (the committee's approval then submits it).
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <utility>
// <utility> before Asio (NOTES-http.md).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string host = "127.0.0.1", port, clients_file, raw_dir;
  int server_pid = 0;
  std::vector<int> phases{1, 4};
  int items = 200, kib = 4, raw_commits = 300;
  std::vector<std::string> slots{"source_code", "db_scripts", "backout_plan", "technical_report"};
  std::string action = "request_committee", state = "committee";
};

struct ClientId {
  std::string system, token;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string l;
  std::getline(f, l);
  return l;
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// The q-quantile (0..1) of the values, nearest rank; 0 for none.
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// The server's CPU time so far (user + system, /proc/PID/stat fields 14 and 15), in seconds;
// 0 without --server-pid.
double server_cpu_seconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// One keep-alive HTTP/1.1 connection with a bearer token. request() throws on a transport
// error or on any status other than the expected one (with the answer's body in the message).
class Connection {
 public:
  Connection(const Args& args, std::string token) : args_(args), token_(std::move(token)), stream_(io_) {}

  json request(bhttp::verb method, const std::string& target, const std::string& body, const char* content_type, int expected) {
    if (!open_) {
      tcp::resolver resolver(io_);
      stream_.connect(resolver.resolve(args_.host, args_.port));
      stream_.socket().set_option(tcp::no_delay(true));  // as the server's sockets: no Nagle delay
      open_ = true;
    }
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, args_.host);
    req.set(bhttp::field::authorization, "Bearer " + token_);
    req.keep_alive(true);
    if (content_type) {
      req.set(bhttp::field::content_type, content_type);
      req.body() = body;
    }
    req.prepare_payload();
    bhttp::write(stream_, req);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16u << 20);
    bhttp::read(stream_, buffer_, parser);
    auto res = parser.release();
    if (!res.keep_alive()) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
      open_ = false;
    }
    const int status = static_cast<int>(res.result_int());
    if (status != expected) {
      throw std::runtime_error(std::string(bhttp::to_string(method)) + " " + target + ": HTTP " + std::to_string(status) +
                               " (expected " + std::to_string(expected) + "): " + res.body().substr(0, 400));
    }
    if (res.body().empty()) return nullptr;
    json j = json::parse(res.body(), nullptr, false);
    if (j.is_discarded()) throw std::runtime_error(target + ": the answer is not JSON");
    return j;
  }

 private:
  const Args& args_;
  std::string token_;
  boost::asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool open_ = false;
};

// Wall times (ms) of each step of every item of a phase.
struct Timings {
  std::vector<double> open, upload, each_upload, action, list, item;
  void add(const Timings& o) {
    for (auto [to, from] : {std::pair{&open, &o.open}, {&upload, &o.upload}, {&each_upload, &o.each_upload}, {&action, &o.action},
                            {&list, &o.list}, {&item, &o.item}}) {
      to->insert(to->end(), from->begin(), from->end());
    }
  }
};

// One client: --items items on its system, one after the other. Stops early when `stop` is set
// (another client failed); a failure sets it and is returned as the message.
std::string run_client(const Args& args, const ClientId& id, Timings& t, std::atomic<bool>& stop) {
  try {
    Connection c(args, id.token);
    std::string content(static_cast<std::size_t>(args.kib) * 1024, '.');
    for (std::size_t k = 0; k < content.size(); ++k) content[k] = static_cast<char>('a' + (k * 7) % 26);
    for (int i = 1; i <= args.items && !stop; ++i) {
      const auto t_item = Clock::now();
      const std::string version = "1.0." + std::to_string(i);
      auto t0 = Clock::now();
      json opened = c.request(bhttp::verb::post, "/api/v1/releases",
                              json{{"system", id.system}, {"kind", "emergency"}, {"version", version},
                                   {"title", "Emergencia " + id.system + " " + version}}.dump(),
                              "application/json", 201);
      t.open.push_back(ms_since(t0));
      const std::string number = opened.value("number", "");
      if (number.empty() || opened.value("state", "") != "draft") throw std::runtime_error("open: no number or not a draft: " + opened.dump().substr(0, 300));
      const std::string base = "/api/v1/releases/" + number;

      t0 = Clock::now();
      for (const auto& slot : args.slots) {
        // The request number and slot open the file: every file is a new blob in the library.
        const std::string head = number + " " + slot + "\n";
        content.replace(0, std::min(content.size(), head.size()), head.substr(0, content.size()));
        const auto t_one = Clock::now();
        c.request(bhttp::verb::put, base + "/deliverables/" + slot + "/" + slot + ".txt", content, "application/octet-stream", 201);
        t.each_upload.push_back(ms_since(t_one));
      }
      t.upload.push_back(ms_since(t0));

      t0 = Clock::now();
      json acted = c.request(bhttp::verb::post, base + "/actions/" + args.action, "{}", "application/json", 200);
      t.action.push_back(ms_since(t0));
      if (acted.value("state", "") != args.state) {
        throw std::runtime_error(args.action + " on " + number + " left it in state \"" + acted.value("state", "") + "\", not \"" + args.state + "\"");
      }

      t0 = Clock::now();
      json page = c.request(bhttp::verb::get, "/api/v1/releases?state=" + args.state, "", nullptr, 200);
      t.list.push_back(ms_since(t0));
      bool listed = false;
      for (const auto& r : page.value("items", json::array())) listed = listed || (r.value("number", "") == number && r.value("state", "") == args.state);
      if (!listed) throw std::runtime_error("GET /api/v1/releases?state=" + args.state + " does not list " + number + " on its first page");

      t.item.push_back(ms_since(t_item));
    }
    return "";
  } catch (const std::exception& e) {
    stop = true;
    return id.system + ": " + e.what();
  }
}

// A bare SQLite database in DIR with WAL and synchronous=FULL; commit() is one durable
// transaction of one UPDATE and one INSERT.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("sqlite3_open " + path);
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
         "CREATE TABLE IF NOT EXISTS counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
         "INSERT OR IGNORE INTO counter VALUES (1, 0);"
         "CREATE TABLE IF NOT EXISTS log(id INTEGER PRIMARY KEY, v TEXT NOT NULL);");
  }
  ~RawSqlite() { sqlite3_close(db_); }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  void commit() {
    exec("BEGIN IMMEDIATE; UPDATE counter SET n = n + 1 WHERE id = 1;"
         "INSERT INTO log(v) VALUES ('a small row of about forty bytes of text'); COMMIT;");
  }

  // Wall ms of each of `n` commits, and the CPU time (user + system) this thread spent on all
  // of them, in seconds: what the kernel and SQLite spend on a durable commit and nothing else.
  struct Measured {
    std::vector<double> ms;
    double cpu_seconds = 0;
  };
  Measured measure(int n) {
    Measured m;
    const double cpu0 = thread_cpu_seconds();
    for (int i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      commit();
      m.ms.push_back(ms_since(t0));
    }
    m.cpu_seconds = thread_cpu_seconds() - cpu0;
    return m;
  }

 private:
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error("sqlite: " + m);
    }
  }
  static double thread_cpu_seconds() {
    rusage u{};
    if (getrusage(RUSAGE_THREAD, &u) != 0) throw std::runtime_error("getrusage(RUSAGE_THREAD) failed");
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  }
  sqlite3* db_ = nullptr;
};

Args parse_args(int argc, char** argv) {
  Args a;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) throw std::runtime_error("missing value for " + k);
    const std::string v = argv[++i];
    if (k == "--url") url = v;
    else if (k == "--clients-file") a.clients_file = v;
    else if (k == "--raw-dir") a.raw_dir = v;
    else if (k == "--server-pid") a.server_pid = std::stoi(v);
    else if (k == "--items") a.items = std::stoi(v);
    else if (k == "--kib") a.kib = std::stoi(v);
    else if (k == "--raw-commits") a.raw_commits = std::stoi(v);
    else if (k == "--slots") a.slots = split(v, ',');
    else if (k == "--action") a.action = v;
    else if (k == "--state") a.state = v;
    else if (k == "--phases") {
      a.phases.clear();
      for (const auto& p : split(v, ',')) a.phases.push_back(std::stoi(p));
    } else throw std::runtime_error("unknown option " + k);
  }
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0 || url.find(':', prefix.size()) == std::string::npos) throw std::runtime_error("--url http://HOST:PORT is required");
  a.host = url.substr(prefix.size(), url.find(':', prefix.size()) - prefix.size());
  a.port = url.substr(url.find(':', prefix.size()) + 1);
  while (!a.port.empty() && a.port.back() == '/') a.port.pop_back();
  if (a.clients_file.empty() || a.raw_dir.empty()) throw std::runtime_error("--clients-file and --raw-dir are required");
  if (a.items < 1 || a.kib < 1 || a.raw_commits < 1 || a.phases.empty()) throw std::runtime_error("--items, --kib, --raw-commits and --phases must be positive");
  return a;
}

struct PhaseResult {
  int clients = 0;
  std::string load;
  Timings t;
  double seconds = 0, cpu_seconds = 0, raw_median_ms = 0, raw_mean_ms = 0, raw_cpu_ms = 0;
  long requests = 0;
  double items_per_second() const { return static_cast<double>(t.item.size()) / seconds; }
};

void print_phase(const Args& args, const PhaseResult& p) {
  std::printf("\n== %d client(s) x %d items (load average at the start: %s)\n", p.clients, args.items, p.load.c_str());
  std::printf("%-28s %10s %10s\n", "step", "median ms", "p99 ms");
  const std::string upload = "upload (" + std::to_string(args.slots.size()) + " x " + std::to_string(args.kib) + " KiB)";
  for (auto [name, v] : {std::pair{std::string("open"), &p.t.open}, {upload, &p.t.upload}, {std::string("  each upload"), &p.t.each_upload},
                         {"action " + args.action, &p.t.action}, {"list state=" + args.state, &p.t.list}, {std::string("item"), &p.t.item}}) {
    std::printf("%-28s %10.2f %10.2f\n", name.c_str(), quantile(*v, 0.5), quantile(*v, 0.99));
  }
  // The p99 bound is per request: the highest p99 of the four requests of an item.
  double worst = 0;
  for (const auto* v : {&p.t.open, &p.t.each_upload, &p.t.action, &p.t.list}) worst = std::max(worst, quantile(*v, 0.99));
  std::printf("highest p99 of one request (open, an upload, the action, the list): %.2f ms\n", worst);
  std::printf("items/s %.1f; item / raw durable commit: medians %.1f (raw %.3f ms), means %.1f (item %.2f ms, raw %.3f ms)\n",
              p.items_per_second(), quantile(p.t.item, 0.5) / p.raw_median_ms, p.raw_median_ms, mean(p.t.item) / p.raw_mean_ms,
              mean(p.t.item), p.raw_mean_ms);
  if (args.server_pid > 0) {
    const double per_request_ms = 1e3 * p.cpu_seconds / static_cast<double>(p.requests);
    std::printf("server CPU: %.0f µs per request (%ld requests), %.2f ms per item; per request / CPU of one raw durable "
                "commit (%.0f µs) = %.1f\n",
                1e3 * per_request_ms, p.requests, 1e3 * p.cpu_seconds / static_cast<double>(p.t.item.size()), 1e3 * p.raw_cpu_ms,
                per_request_ms / p.raw_cpu_ms);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args args = parse_args(argc, argv);
    std::vector<ClientId> ids;
    std::ifstream in(args.clients_file);
    for (ClientId id; in >> id.system >> id.token;) ids.push_back(id);
    std::size_t needed = 0;
    for (int c : args.phases) needed += static_cast<std::size_t>(c);
    if (ids.size() < needed) throw std::runtime_error(args.clients_file + " has " + std::to_string(ids.size()) + " clients; the phases need " + std::to_string(needed));

    RawSqlite raw(args.raw_dir + "/raw-durable-commit.db");
    raw.measure(20);  // the file and its WAL exist before the first timed commit
    std::vector<double> raw_medians, raw_means, raw_cpu_ms;
    const auto measure_raw = [&] {
      auto m = raw.measure(args.raw_commits);
      const auto& ms = m.ms;
      raw_medians.push_back(quantile(ms, 0.5));
      raw_means.push_back(mean(ms));
      raw_cpu_ms.push_back(1e3 * m.cpu_seconds / args.raw_commits);
      std::printf("raw SQLite durable commit (UPDATE + INSERT, WAL, synchronous=FULL) in %s: median %.3f ms, mean %.3f ms, "
                  "p99 %.3f ms, CPU %.0f µs each, %d commits\n",
                  args.raw_dir.c_str(), quantile(ms, 0.5), mean(ms), quantile(ms, 0.99), 1e6 * m.cpu_seconds / args.raw_commits,
                  args.raw_commits);
      std::fflush(stdout);
    };
    std::printf("item: open emergency, upload %zu x %d KiB, %s, list state=%s\n", args.slots.size(), args.kib, args.action.c_str(),
                args.state.c_str());

    std::vector<PhaseResult> results;
    std::size_t next = 0;
    for (int clients : args.phases) {
      measure_raw();
      PhaseResult p;
      p.clients = clients;
      p.load = load_average();
      std::vector<Timings> per(static_cast<std::size_t>(clients));
      std::vector<std::string> errors(static_cast<std::size_t>(clients));
      std::atomic<bool> stop{false};
      const double cpu0 = server_cpu_seconds(args.server_pid);
      const auto t0 = Clock::now();
      std::vector<std::thread> threads;
      for (std::size_t k = 0; k < per.size(); ++k) {
        threads.emplace_back([&, k, id = ids[next + k]] { errors[k] = run_client(args, id, per[k], stop); });
      }
      for (auto& th : threads) th.join();
      p.seconds = ms_since(t0) / 1e3;
      p.cpu_seconds = server_cpu_seconds(args.server_pid) - cpu0;
      next += per.size();
      bool failed = false;
      for (const auto& e : errors) {
        if (!e.empty()) std::fprintf(stderr, "item bench: %s\n", e.c_str());
        failed = failed || !e.empty();
      }
      if (failed) return 1;
      for (const auto& t : per) p.t.add(t);
      p.requests = static_cast<long>(p.t.item.size()) * static_cast<long>(args.slots.size() + 3);
      results.push_back(std::move(p));
    }
    measure_raw();
    for (std::size_t k = 0; k < results.size(); ++k) {
      // The raw measurements just before and after the phase.
      results[k].raw_median_ms = (raw_medians[k] + raw_medians[k + 1]) / 2;
      results[k].raw_mean_ms = (raw_means[k] + raw_means[k + 1]) / 2;
      results[k].raw_cpu_ms = (raw_cpu_ms[k] + raw_cpu_ms[k + 1]) / 2;
      print_phase(args, results[k]);
    }
    if (results.size() >= 2) {
      std::printf("\n%d-client items/s / %d-client items/s = %.2f\n", results.back().clients, results.front().clients,
                  results.back().items_per_second() / results.front().items_per_second());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "item bench: %s\n", e.what());
    return 2;
  }
}
