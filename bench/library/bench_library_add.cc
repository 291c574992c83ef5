// bench_library_add: how fast Library::add_file stores a large deliverable, against the
// shell baseline `sha256sum FILE; cp FILE DEST; sync`, and how much memory it needs.
//
//   bench_library_add [--size-mib N] [--dir DIR] [--buffers-kib 1024,4096,8192] [--runs R]
//                     [--writeback-mib M]
//
// Creates DIR/pasaprod-bench-XXXXXX (DIR defaults to the system temp dir; pick one on the
// filesystem you care about), writes an N MiB file of pseudo-random bytes there (default
// 1024), then R times (default 2): runs the baseline, then adds the file to a fresh library
// once per buffer size. Prints MB/s (1 MB = 10^6 bytes) of each, the ratio library/baseline
// (target >= 70%) and the peak RSS of this process (target < 32 MiB). Removes everything it
// created, also when a step fails.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "library/library.h"

namespace {

namespace fs = std::filesystem;

struct Args {
  std::int64_t size_mib = 1024;
  fs::path dir = fs::temp_directory_path();
  std::vector<std::size_t> buffers_kib = {1024, 4096, 8192};
  int runs = 2;
  std::int64_t writeback_mib = 8;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    std::string value = argv[++i];
    if (flag == "--size-mib") {
      a.size_mib = std::stoll(value);
    } else if (flag == "--dir") {
      a.dir = value;
    } else if (flag == "--runs") {
      a.runs = std::stoi(value);
    } else if (flag == "--writeback-mib") {
      a.writeback_mib = std::stoll(value);
    } else if (flag == "--buffers-kib") {
      a.buffers_kib.clear();
      std::stringstream ss(value);
      for (std::string item; std::getline(ss, item, ',');) a.buffers_kib.push_back(std::stoul(item));
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  return a;
}

// A scratch directory removed with everything in it when the object goes away.
class ScratchDir {
 public:
  explicit ScratchDir(const fs::path& parent) {
    std::string tmpl = (parent / "pasaprod-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create " + tmpl);
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Writes `mib` MiB of xorshift bytes to `path` and fsyncs it (so the baseline's `sync` does
// not pay for it).
void make_source(const fs::path& path, std::int64_t mib) {
  std::vector<std::uint64_t> block((1 << 20) / 8);
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error("cannot create " + path.string());
  for (std::int64_t i = 0; i < mib; ++i) {
    for (auto& v : block) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      v = x;
    }
    std::fwrite(block.data(), 1, 1 << 20, f);
  }
  std::fflush(f);
  ::fsync(fileno(f));
  std::fclose(f);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int run(const Args& args) {
  ScratchDir scratch(args.dir);
  const fs::path source = scratch.path() / "deliverable.bin";
  const fs::path dest = scratch.path() / "copy.bin";
  const fs::path sum = scratch.path() / "sum.txt";
  const double mb = static_cast<double>(args.size_mib) * 1048576.0 / 1e6;
  std::printf("source: %s, %lld MiB; writeback every %lld MiB\n", source.c_str(),
              static_cast<long long>(args.size_mib), static_cast<long long>(args.writeback_mib));
  make_source(source, args.size_mib);

  std::vector<double> baseline;
  std::map<std::size_t, std::vector<double>> library;
  std::string expected;
  for (int r = 0; r < args.runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::string cmd = "sha256sum " + quoted(source) + " > " + quoted(sum) + " && cp " +
                      quoted(source) + " " + quoted(dest) + " && sync";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("baseline failed: " + cmd);
    baseline.push_back(mb / seconds_since(t0));
    std::printf("run %d  baseline sha256sum+cp+sync  %8.1f MB/s\n", r + 1, baseline.back());
    fs::remove(dest);
    std::ifstream(sum) >> expected;

    for (std::size_t kib : args.buffers_kib) {
      pasaprod::LibraryOptions options;
      options.buffer_size = kib * 1024;
      options.writeback_every = args.writeback_mib << 20;
      const fs::path root = scratch.path() / "library";
      pasaprod::Library lib(root, options);
      t0 = std::chrono::steady_clock::now();
      auto blob = lib.add_file(source, expected, pasaprod::Library::kNoLimit);
      double secs = seconds_since(t0);
      if (!blob) throw std::runtime_error("add_file failed: " + blob.error().en);
      library[kib].push_back(mb / secs);
      std::printf("run %d  library add_file %5zu KiB buffer  %8.1f MB/s  (%.0f%% of baseline)\n",
                  r + 1, kib, library[kib].back(), 100 * library[kib].back() / baseline.back());
      fs::remove_all(root);
    }
  }

  struct rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  const double base = median(baseline);
  std::printf("\nmedian of %d runs, %lld MiB:\n  baseline  %8.1f MB/s\n", args.runs,
              static_cast<long long>(args.size_mib), base);
  for (const auto& [kib, v] : library) {
    std::printf("  library %5zu KiB buffer  %8.1f MB/s  ratio %.0f%% (target >= 70%%)\n", kib,
                median(v), 100 * median(v) / base);
  }
  std::printf("peak RSS %.1f MiB (target < 32 MiB)\n", static_cast<double>(ru.ru_maxrss) / 1024);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_library_add: %s\n", e.what());
    return 1;
  }
}
