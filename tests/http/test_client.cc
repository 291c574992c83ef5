#include "test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "http/request.h"

namespace pasaprod::http::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::string> ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

nlohmann::json ClientResponse::json() const {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

TestConnection::TestConnection(std::uint16_t port) {
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

TestConnection::~TestConnection() { close(); }

void TestConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool TestConnection::send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool TestConnection::fill(std::size_t n, Clock::time_point deadline) {
  char tmp[64 * 1024];
  while (buf_.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t got = ::recv(fd_, tmp, sizeof tmp, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(got));
  }
  return true;
}

std::optional<ClientResponse> TestConnection::read_response(bool head,
                                                            std::chrono::milliseconds timeout,
                                                            bool stop_at_continue) {
  if (fd_ < 0) return std::nullopt;
  Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(buf_.size() + 1, deadline)) return std::nullopt;
    }
    std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    ClientResponse r;
    std::size_t eol = head_text.find("\r\n");
    std::string status_line = head_text.substr(0, eol);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = eol == std::string::npos ? head_text.size() : eol + 2;
    while (pos < head_text.size()) {
      std::size_t next = head_text.find("\r\n", pos);
      if (next == std::string::npos) next = head_text.size();
      std::string line = head_text.substr(pos, next - pos);
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers.emplace_back(line.substr(0, colon), value);
      }
      pos = next + 2;
    }
    if (r.status == 100 && !stop_at_continue) continue;
    if (head || r.status == 100 || r.status == 204 || r.status == 304) return r;
    std::optional<std::string> cl = r.header("content-length");
    if (cl) {
      std::size_t n = std::stoull(*cl);
      if (!fill(n, deadline)) return std::nullopt;
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
    } else if (r.header("transfer-encoding") && lower(*r.header("transfer-encoding")) == "chunked") {
      for (;;) {
        std::size_t le;
        while ((le = buf_.find("\r\n")) == std::string::npos) {
          if (!fill(buf_.size() + 1, deadline)) return std::nullopt;
        }
        std::size_t size = std::stoull(buf_.substr(0, le), nullptr, 16);
        buf_.erase(0, le + 2);
        if (!fill(size + 2, deadline)) return std::nullopt;
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

bool TestConnection::wait_closed(std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  char tmp[4096];
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 1)));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return false;
    ssize_t got = ::recv(fd_, tmp, sizeof tmp, 0);
    if (got <= 0) return true;
  }
  return false;
}

std::string make_request(std::string_view method, std::string_view target, const Headers& headers,
                         std::string_view body) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: test\r\n");
  for (const auto& [k, v] : headers) out.append(k).append(": ").append(v).append("\r\n");
  if (!body.empty()) out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

std::optional<ClientResponse> fetch(std::uint16_t port, std::string_view method,
                                    std::string_view target, const Headers& headers,
                                    std::string_view body) {
  TestConnection c(port);
  if (!c.connected() || !c.send(make_request(method, target, headers, body))) return std::nullopt;
  return c.read_response(method == "HEAD");
}

void LogCapture::add(const RequestLogEntry& e) {
  std::lock_guard lock(mu_);
  entries_.push_back(e);
  cv_.notify_all();
}

std::vector<RequestLogEntry> LogCapture::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

std::optional<RequestLogEntry> LogCapture::wait_for(std::string_view path,
                                                    std::chrono::milliseconds timeout) const {
  return wait_until([&](const RequestLogEntry& e) { return e.path == path; }, timeout);
}

std::optional<RequestLogEntry> LogCapture::wait_until(
    const std::function<bool(const RequestLogEntry&)>& pred, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  std::optional<RequestLogEntry> found;
  cv_.wait_for(lock, timeout, [&] {
    for (const auto& e : entries_) {
      if (pred(e)) {
        found = e;
        return true;
      }
    }
    return false;
  });
  return found;
}

ServerConfig test_config(LogCapture* log) {
  ServerConfig c;
  c.host = "127.0.0.1";
  c.port = 0;
  c.threads = 2;
  c.header_timeout = std::chrono::milliseconds(2000);
  c.idle_timeout = std::chrono::milliseconds(5000);
  c.body_timeout = std::chrono::milliseconds(2000);
  c.write_timeout = std::chrono::milliseconds(5000);
  c.shutdown_grace = std::chrono::milliseconds(3000);
  if (log) {
    c.request_logger = [log](const RequestLogEntry& e) { log->add(e); };
  } else {
    c.request_logger = [](const RequestLogEntry&) {};
  }
  return c;
}

}  // namespace pasaprod::http::testing
