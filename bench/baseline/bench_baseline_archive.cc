// Baseline archive download throughput beside `tar` of the same files, measured in the same run.
//
//   bench_baseline_archive [--files N] [--mib M] [--runs R] [--dir DIR]
//
// Fills a library with N files of M MiB (random bytes), then, R times each, alternating:
//   ours-http:  GET of a TarStream served by the real HTTP server (Response::stream), read over
//               loopback by a plain socket client that discards the bytes (the blobs' SHA-256 is
//               rechecked while streaming, as the API does);
//   ours-local: TarStream read into a buffer and discarded (what `library baseline --out` does
//               minus the write);
//   tar:        `tar -cf - <the same blob files> | cat > /dev/null` (GNU tar; the pipe keeps tar
//               from skipping the reads, as it does when writing to /dev/null directly).
// Prints the median MiB/s of each and the ratios ours/tar.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "http/server.h"
#include "library/archive.h"

using namespace pasaprod;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// GET `target` with Connection: close; returns the bytes received (headers included).
std::uint64_t http_get(std::uint16_t port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) std::abort();
  std::vector<char> buf(1 << 20);
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) break;
    total += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  return total;
}

class TarBody : public http::BodySource {
 public:
  explicit TarBody(std::unique_ptr<TarStream> t) : t_(std::move(t)) {}
  std::uint64_t size() const override { return t_->size(); }
  Result<std::size_t> read(char* b, std::size_t c) override { return t_->read(b, c); }

 private:
  std::unique_ptr<TarStream> t_;
};

}  // namespace

int main(int argc, char** argv) {
  int files = 8, mib = 32, runs = 3;
  fs::path dir = fs::temp_directory_path() / ("pasaprod-bench-baseline-" + std::to_string(::getpid()));
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--files") files = std::atoi(argv[i + 1]);
    else if (k == "--mib") mib = std::atoi(argv[i + 1]);
    else if (k == "--runs") runs = std::atoi(argv[i + 1]);
    else if (k == "--dir") dir = argv[i + 1];
  }
  fs::remove_all(dir);
  Library lib(dir / "library");
  std::vector<TarEntry> entries;
  std::vector<std::string> paths;
  std::mt19937_64 rng(7);
  std::string data(static_cast<std::size_t>(mib) << 20, '\0');
  for (int f = 0; f < files; ++f) {
    for (std::size_t i = 0; i + 8 <= data.size(); i += 8) {
      const std::uint64_t r = rng();
      std::memcpy(&data[i], &r, 8);
    }
    auto b = lib.add_bytes(data);
    if (!b) return 1;
    entries.push_back(TarEntry::blob("SIS-1.0/deliverables/source_code/file" + std::to_string(f) + ".bin", b->sha256, b->size));
    paths.push_back(lib.path_of(b->sha256).string());
  }
  const double total_mib = static_cast<double>(files) * mib;

  http::RouteTable routes;
  routes.add({.method = http::Method::get, .pattern = "/archive", .auth = http::Auth::none, .handler = [&](http::Request&) {
                return http::Response::stream(std::make_shared<TarBody>(std::make_unique<TarStream>(lib, entries, 0)), "application/x-tar", "");
              }});
  http::ServerConfig cfg;
  cfg.port = 0;
  cfg.threads = 1;
  http::HttpServer server(cfg, std::move(routes));
  if (!server.start().ok()) return 1;

  std::string tar_cmd = "tar -cf - -P";
  for (const auto& p : paths) tar_cmd += " '" + p + "'";
  tar_cmd += " | cat > /dev/null";

  std::vector<double> http_mibs, local_mibs, tar_mibs;
  std::vector<char> buf(256 << 10);
  for (int r = 0; r < runs; ++r) {
    auto t0 = Clock::now();
    const std::uint64_t got = http_get(server.port(), "/archive");
    http_mibs.push_back(total_mib / seconds_since(t0));
    if (got < tar_size(entries)) std::fprintf(stderr, "short download: %llu\n", static_cast<unsigned long long>(got));

    t0 = Clock::now();
    TarStream local(lib, entries, 0);
    for (;;) {
      auto n = local.read(buf.data(), buf.size());
      if (!n) return 1;
      if (*n == 0) break;
    }
    local_mibs.push_back(total_mib / seconds_since(t0));

    t0 = Clock::now();
    if (std::system(tar_cmd.c_str()) != 0) return 1;
    tar_mibs.push_back(total_mib / seconds_since(t0));
  }
  server.stop();
  fs::remove_all(dir);
  const double h = median(http_mibs), l = median(local_mibs), t = median(tar_mibs);
  std::printf("files=%d x %d MiB (%.0f MiB), runs=%d, medians:\n", files, mib, total_mib, runs);
  std::printf("  ours-http  %8.1f MiB/s  (ratio to tar %.2f)\n", h, h / t);
  std::printf("  ours-local %8.1f MiB/s  (ratio to tar %.2f)\n", l, l / t);
  std::printf("  tar        %8.1f MiB/s\n", t);
  return 0;
}
