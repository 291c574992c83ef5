#include "audit/tsa_witness.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "audit/timestamp.h"
#include "audit/witness.h"

namespace pasaprod::audit {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxReply = 1 << 20;  // a reply is a few KiB; more is not a TSA

bool is_hash(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

[[noreturn]] void io_failure(const std::string& what, const std::string& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path);
}

// Writes `data` to `path` atomically and durably: a temporary beside it, fsync, rename, fsync of
// the folder.
void write_atomic(const fs::path& path, const std::string& data) {
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_failure("create", tmp);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      io_failure("write", tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    io_failure("write", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) io_failure("rename", tmp);
  const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * n > kMaxReply) return 0;  // ends the transfer with an error
  body->append(data, size * n);
  return size * n;
}

// POSTs the TimeStampReq `request` to `url`; the reply's body.
std::string post_request(const std::string& url, const std::string& request, std::chrono::seconds timeout) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  for (const char* h : {"Content-Type: application/timestamp-query", "Accept: application/timestamp-reply"}) {
    headers.reset(curl_slist_append(headers.release(), h));
  }
  std::string body;
  char error[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) throw std::runtime_error(url + ": " + (error[0] ? error : curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) throw std::runtime_error(url + " answered HTTP " + std::to_string(status));
  return body;
}

}  // namespace

std::optional<StampedHead> newest_stamp(const std::string& dir) {
  std::optional<StampedHead> newest;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() != ".tsr") continue;
    const std::string stem = p.stem().string();  // <seq>-<hash>
    const auto dash = stem.find('-');
    if (dash == std::string::npos || dash == 0 || dash > 18 || !is_hash(stem.substr(dash + 1))) continue;
    std::int64_t seq = 0;
    bool digits = true;
    for (char c : stem.substr(0, dash)) {
      if (c < '0' || c > '9') digits = false;
      else seq = seq * 10 + (c - '0');
    }
    if (!digits || (newest && newest->head.seq >= seq)) continue;
    newest = StampedHead{{seq, stem.substr(dash + 1)}, p.string(), (p.parent_path() / (stem + ".txt")).string()};
  }
  return newest;
}

StampedHead stamp_head(const TsaOptions& options, const AnchorHead& head) {
  if (head.seq <= 0 || !is_hash(head.hash)) throw std::runtime_error("invalid audit head");
  const std::string statement = witness_line(options.db_name, head);
  std::uint64_t nonce = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&nonce), sizeof nonce) != 1) throw std::runtime_error("no random nonce");
  const std::string request = timestamp_request(statement, nonce);
  const std::string reply = post_request(options.url, request, options.timeout);
  check_timestamp_reply(reply, request);
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) throw std::runtime_error("create " + options.dir + ": " + ec.message());
  const fs::path base = fs::path(options.dir) / (std::to_string(head.seq) + "-" + head.hash);
  StampedHead out{head, base.string() + ".tsr", base.string() + ".txt"};
  write_atomic(out.statement_path, statement);  // first: a kept reply always has its statement
  write_atomic(out.reply_path, reply);
  return out;
}

std::int64_t verify_stamp(const StampedHead& stamped, const std::string& db_name, const std::string& ca_file) {
  std::ifstream in(stamped.reply_path, std::ios::binary);
  std::ostringstream reply;
  reply << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read " + stamped.reply_path);
  return verify_timestamp(reply.str(), witness_line(db_name, stamped.head), ca_file);
}

TsaWitness::TsaWitness(TsaOptions options, std::function<std::optional<AnchorHead>()> head)
    : options_(std::move(options)), head_(std::move(head)) {
  if (auto newest = newest_stamp(options_.dir)) status_.stamped_seq = newest->head.seq;
}

TsaWitness::~TsaWitness() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  (void)stamp_if_moved();  // the head the last writes left, once
}

void TsaWitness::start() { thread_ = std::thread([this] { run(); }); }

void TsaWitness::notify() {
  {
    std::lock_guard lock(mu_);
    hinted_ = true;
  }
  cv_.notify_all();
}

TsaWitness::Status TsaWitness::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void TsaWitness::run() {
  using clock = std::chrono::steady_clock;
  auto due = clock::now();  // at start: stamp the head if it moved since the newest reply
  std::unique_lock lock(mu_);
  for (;;) {
    (void)cv_.wait_until(lock, due, [&] { return stop_ || (hinted_ && clock::now() >= due); });
    if (stop_) return;
    hinted_ = false;
    lock.unlock();
    const bool ok = stamp_if_moved();
    lock.lock();
    due = clock::now() + (ok ? options_.interval : std::min(options_.retry, options_.interval));
  }
}

bool TsaWitness::stamp_if_moved() {
  std::int64_t seq = 0;
  try {
    const std::optional<AnchorHead> head = head_();
    if (!head || head->seq <= status().stamped_seq) return true;
    seq = head->seq;
    const StampedHead stamped = stamp_head(options_, *head);
    std::lock_guard lock(mu_);
    status_.stamped_seq = stamped.head.seq;
    status_.last_success = static_cast<std::int64_t>(std::time(nullptr));
    status_.failing = false;
    status_.last_error.clear();
    return true;
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mu_);
      ++status_.failures;
      status_.failing = true;
      status_.last_error = e.what();
    }
    std::cerr << "pasaprod: la cabeza de auditoría " << seq << " no se pudo sellar en el tiempo (se reintentará) / the audit head "
              << seq << " could not be time-stamped (will retry): " << e.what() << "\n";
    return false;
  }
}

}  // namespace pasaprod::audit
