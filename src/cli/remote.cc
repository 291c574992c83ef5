#include "cli/remote.h"

#include <utility>
// <utility> before Asio (NOTES-http.md).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pasaprod {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

Code code_from_name(const std::string& name) {
  for (Code c : {Code::invalid_argument, Code::unauthenticated, Code::permission_denied, Code::not_found, Code::already_exists,
                 Code::failed_precondition, Code::conflict, Code::too_large, Code::data_loss, Code::internal}) {
    if (name == code_name(c)) return c;
  }
  return Code::internal;
}

Error from_problem(int status, const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) {
    return make_error(Code::internal, "remote.http_error", "El servidor respondió " + std::to_string(status) + ".",
                      "The server answered " + std::to_string(status) + ".");
  }
  const std::string detail = j.value("detail", j.value("title", "error"));
  Error e = make_error(code_from_name(j.value("code", "internal")), j.value("id", "remote.error"), detail, detail);
  if (j.contains("details") && j["details"].is_object()) {
    for (auto it = j["details"].begin(); it != j["details"].end(); ++it) {
      e.with(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
    }
  }
  return e;
}

Error unreachable(const std::string& url, const std::string& why) {
  return make_error(Code::internal, "remote.unreachable", "No se pudo hablar con el servidor " + url + ": " + why,
                    "Could not talk to the server " + url + ": " + why);
}

}  // namespace

std::string url_segment(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

RemoteClient::RemoteClient(std::string url, std::string token, Lang lang) : url_(std::move(url)), token_(std::move(token)), lang_(lang) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
}

Result<std::pair<std::string, std::string>> RemoteClient::host_port() const {
  const std::string prefix = "http://";
  if (url_.rfind(prefix, 0) != 0) {
    return make_error(Code::invalid_argument, "remote.bad_url", "--server debe ser una URL http://HOST:PUERTO.",
                      "--server must be an http://HOST:PORT URL.");
  }
  std::string hostport = url_.substr(prefix.size());
  if (hostport.find('/') != std::string::npos) hostport = hostport.substr(0, hostport.find('/'));
  const auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return std::make_pair(hostport, std::string("80"));
  return std::make_pair(hostport.substr(0, colon), hostport.substr(colon + 1));
}

template <class Body>
static Result<nlohmann::json> exchange(const std::string& url, const std::string& host, const std::string& port,
                                       bhttp::request<Body>& req) {
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.connect(resolver.resolve(host, port));
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64ull << 20);
    bhttp::read(stream, buffer, parser);
    auto res = parser.release();
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    const int status = static_cast<int>(res.result_int());
    if (status < 200 || status >= 300) return from_problem(status, res.body());
    if (res.body().empty()) return nlohmann::json(nullptr);
    auto j = nlohmann::json::parse(res.body(), nullptr, false);
    if (j.is_discarded()) return unreachable(url, "respuesta no es JSON / answer is not JSON");
    return j;
  } catch (const std::exception& e) {
    return unreachable(url, e.what());
  }
}

Result<nlohmann::json> RemoteClient::call(const std::string& method, const std::string& target, const nlohmann::json& body) {
  auto hp = host_port();
  if (!hp) return hp.error();
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, hp->first);
  req.set(bhttp::field::authorization, "Bearer " + token_);
  req.set(bhttp::field::accept_language, lang_ == Lang::en ? "en" : "es");
  if (!body.is_null()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body.dump();
  }
  req.prepare_payload();
  return exchange(url_, hp->first, hp->second, req);
}

Result<nlohmann::json> RemoteClient::put_file(const std::string& target, const std::string& path, const std::string& sha256) {
  auto hp = host_port();
  if (!hp) return hp.error();
  bhttp::request<bhttp::file_body> req{bhttp::verb::put, target, 11};
  req.set(bhttp::field::host, hp->first);
  req.set(bhttp::field::authorization, "Bearer " + token_);
  req.set(bhttp::field::accept_language, lang_ == Lang::en ? "en" : "es");
  req.set(bhttp::field::content_type, "application/octet-stream");
  req.set("X-Content-SHA256", sha256);
  beast::error_code ec;
  req.body().open(path.c_str(), beast::file_mode::scan, ec);
  if (ec) {
    return make_error(Code::not_found, "file.unreadable", "No se puede leer el archivo «" + path + "».", "Cannot read the file \"" + path + "\".");
  }
  req.prepare_payload();
  return exchange(url_, hp->first, hp->second, req);
}

}  // namespace pasaprod
