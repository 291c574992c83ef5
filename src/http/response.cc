#include "http/response.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "http/request.h"

namespace pasaprod::http {

namespace {

struct Title {
  int status;
  const char* es;
  const char* en;
};

constexpr Title kTitles[] = {
    {400, "Solicitud incorrecta", "Bad request"},
    {401, "No autenticado", "Unauthenticated"},
    {403, "Permiso denegado", "Permission denied"},
    {404, "No encontrado", "Not found"},
    {405, "Método no permitido", "Method not allowed"},
    {408, "Tiempo de espera agotado", "Request timeout"},
    {409, "Conflicto", "Conflict"},
    {413, "Contenido demasiado grande", "Content too large"},
    {416, "Rango no satisfacible", "Range not satisfiable"},
    {422, "Acción rechazada por el procedimiento", "Refused by the procedure"},
    {431, "Cabeceras demasiado grandes", "Request header fields too large"},
    {500, "Error interno", "Internal error"},
    {503, "Servicio no disponible", "Service unavailable"},
};

}  // namespace

int http_status(Code code) {
  switch (code) {
    case Code::invalid_argument: return 400;
    case Code::unauthenticated: return 401;
    case Code::permission_denied: return 403;
    case Code::not_found: return 404;
    case Code::already_exists: return 409;
    case Code::conflict: return 409;
    case Code::too_large: return 413;
    case Code::failed_precondition: return 422;
    case Code::unavailable: return 503;
    case Code::ok:
    case Code::data_loss:
    case Code::internal: return 500;
  }
  return 500;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "";
}

nlohmann::json problem_json(const Error& error, Lang lang, int status) {
  if (status == 0) status = http_status(error.code);
  const char* title = "Error";
  for (const Title& t : kTitles) {
    if (t.status == status) title = lang == Lang::en ? t.en : t.es;
  }
  const char* code = code_name(error.code);
  nlohmann::json body = {
      {"type", fmt::format("urn:pasaprod:problem:{}", error.id.empty() ? code : error.id)},
      {"title", title},
      {"status", status},
      {"detail", error.message(lang)},
      {"code", code},
  };
  if (!error.id.empty()) body["id"] = error.id;
  nlohmann::json details = nlohmann::json::object();
  for (const Detail& d : error.details) {
    // A repeated key (e.g. several missing deliverables) becomes an array of its values.
    if (!details.contains(d.key)) {
      details[d.key] = d.value;
    } else {
      if (!details[d.key].is_array()) details[d.key] = nlohmann::json::array({details[d.key]});
      details[d.key].push_back(d.value);
    }
  }
  body["details"] = std::move(details);
  return body;
}

std::string format_set_cookie(const Cookie& c) {
  std::string out = c.name + "=" + c.value;
  if (!c.path.empty()) out += "; Path=" + c.path;
  if (c.max_age) out += fmt::format("; Max-Age={}", c.max_age->count());
  if (c.http_only) out += "; HttpOnly";
  if (c.secure) out += "; Secure";
  if (!c.same_site.empty()) out += "; SameSite=" + c.same_site;
  return out;
}

Result<FileSource> FileSource::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return make_error(Code::not_found, "http.file_not_found", "El archivo no existe.",
                        "The file does not exist.")
          .with("path", path);
    }
    return make_error(Code::internal, "http.file_open",
                      fmt::format("No se pudo abrir el archivo: {}.", std::strerror(err)),
                      fmt::format("Could not open the file: {}.", std::strerror(err)))
        .with("path", path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(Code::internal, "http.file_open", "La ruta no es un archivo regular.",
                      "The path is not a regular file.")
        .with("path", path);
  }
  return FileSource(fd, static_cast<std::uint64_t>(st.st_size));
}

FileSource::FileSource(FileSource&& other) noexcept : fd_(other.fd_), size_(other.size_) {
  other.fd_ = -1;
}

FileSource& FileSource::operator=(FileSource&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    size_ = other.size_;
    other.fd_ = -1;
  }
  return *this;
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

Response Response::json(const nlohmann::json& body, int status) {
  Response r;
  r.status_ = status;
  r.body_ = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers_.emplace_back("Content-Type", "application/json");
  return r;
}

Response Response::problem(const Error& error, Lang lang, int status) {
  nlohmann::json body = problem_json(error, lang, status);
  Response r;
  r.status_ = body["status"].get<int>();
  r.body_ = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers_.emplace_back("Content-Type", "application/problem+json");
  r.headers_.emplace_back("Content-Language", lang == Lang::en ? "en" : "es");
  return r;
}

Response Response::text(std::string body, int status) {
  Response r;
  r.status_ = status;
  r.body_ = std::move(body);
  r.headers_.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return r;
}

Response Response::html(std::string body, int status) {
  Response r;
  r.status_ = status;
  r.body_ = std::move(body);
  r.headers_.emplace_back("Content-Type", "text/html; charset=utf-8");
  return r;
}

Response Response::redirect(std::string location, int status) {
  Response r;
  r.status_ = status;
  r.headers_.emplace_back("Location", std::move(location));
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status_ = status;
  return r;
}

Response Response::file(FileSource source, std::string content_type, std::string etag) {
  Response r;
  r.status_ = 200;
  r.file_ = std::make_shared<FileSource>(std::move(source));
  if (!etag.empty() && etag.front() != '"') etag = "\"" + etag + "\"";
  r.etag_ = std::move(etag);
  r.headers_.emplace_back("Content-Type", std::move(content_type));
  return r;
}

Response Response::stream(std::shared_ptr<BodySource> source, std::string content_type, std::string etag) {
  Response r;
  r.status_ = 200;
  r.stream_ = std::move(source);
  if (!etag.empty() && etag.front() != '"') etag = "\"" + etag + "\"";
  r.etag_ = std::move(etag);
  r.headers_.emplace_back("Content-Type", std::move(content_type));
  return r;
}

Response& Response::set_header(std::string name, std::string value) {
  std::erase_if(headers_, [&](const auto& h) { return iequals(h.first, name); });
  headers_.emplace_back(std::move(name), std::move(value));
  return *this;
}

Response& Response::add_header(std::string name, std::string value) {
  headers_.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers_) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

}  // namespace pasaprod::http
