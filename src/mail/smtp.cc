// SMTP through libcurl (smtp.h).
#include "mail/smtp.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

namespace pasaprod::mail {

namespace {

struct ReadState {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* st = static_cast<ReadState*>(user);
  const std::size_t n = std::min(size * count, st->data->size() - st->offset);
  std::memcpy(buffer, st->data->data() + st->offset, n);
  st->offset += n;
  return n;
}

class CurlSmtp final : public Transport {
 public:
  explicit CurlSmtp(SmtpConfig config) : config_(std::move(config)) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_ = curl_easy_init();
  }
  ~CurlSmtp() override {
    if (curl_) curl_easy_cleanup(curl_);
  }
  CurlSmtp(const CurlSmtp&) = delete;
  CurlSmtp& operator=(const CurlSmtp&) = delete;

  SendResult send(const std::string& from, const std::string& to, const std::string& message) override {
    if (!curl_) return {SendResult::Outcome::server_down, "libcurl could not start"};
    curl_easy_reset(curl_);  // keeps the open connection
    char errbuf[CURL_ERROR_SIZE] = {0};
    ReadState body{&message};
    const std::string from_angle = "<" + from + ">";
    curl_slist* rcpt = curl_slist_append(nullptr, ("<" + to + ">").c_str());
    curl_easy_setopt(curl_, CURLOPT_URL, config_.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (config_.starttls == "require") curl_easy_setopt(curl_, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (config_.starttls == "try") curl_easy_setopt(curl_, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    if (!config_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, config_.ca_file.c_str());
    if (!config_.username.empty()) {
      curl_easy_setopt(curl_, CURLOPT_USERNAME, config_.username.c_str());
      curl_easy_setopt(curl_, CURLOPT_PASSWORD, config_.password.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_MAIL_FROM, from_angle.c_str());
    curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl_, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(curl_, CURLOPT_READDATA, &body);
    curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, config_.timeout_seconds);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, config_.timeout_seconds);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(curl_);
    long code = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK) return {SendResult::Outcome::sent, ""};
    std::string error = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
    if (code > 0) error += " (SMTP " + std::to_string(code) + ")";
    switch (rc) {
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_OPERATION_TIMEDOUT:
      case CURLE_LOGIN_DENIED:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_USE_SSL_FAILED:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
        if (code < 400) return {SendResult::Outcome::server_down, error};
        break;
      default:
        break;
    }
    if (code >= 500 && code < 600) return {SendResult::Outcome::refused, error};
    if (code >= 400 && code < 500) return {SendResult::Outcome::retry_later, error};
    return {SendResult::Outcome::server_down, error};
  }

 private:
  SmtpConfig config_;
  CURL* curl_ = nullptr;
};

}  // namespace

std::unique_ptr<Transport> make_smtp_transport(const SmtpConfig& config) { return std::make_unique<CurlSmtp>(config); }

}  // namespace pasaprod::mail
