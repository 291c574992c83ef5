#include "http/errors.h"

#include <fmt/format.h>

namespace pasaprod::http {

Error err_not_found(const std::string& path) {
  return make_error(Code::not_found, "http.not_found", "No existe ningún recurso en esta ruta.",
                    "There is no resource at this path.")
      .with("path", path);
}

Error err_method_not_allowed(const std::string& method, const std::string& allow) {
  return make_error(Code::invalid_argument, "http.method_not_allowed",
                    fmt::format("El método {} no está permitido en esta ruta; se admite: {}.",
                                method, allow),
                    fmt::format("Method {} is not allowed on this path; allowed: {}.", method, allow))
      .with("method", method)
      .with("allow", allow);
}

Error err_malformed_request(const std::string& what) {
  return make_error(Code::invalid_argument, "http.malformed_request",
                    "La solicitud HTTP está mal formada.", "The HTTP request is malformed.")
      .with("reason", what);
}

Error err_header_too_large(std::uint64_t limit) {
  return make_error(Code::too_large, "http.header_too_large",
                    fmt::format("Las cabeceras de la solicitud superan el límite de {} bytes.", limit),
                    fmt::format("The request headers exceed the limit of {} bytes.", limit))
      .with("limit", std::to_string(limit));
}

Error err_body_too_large(std::uint64_t limit) {
  return make_error(Code::too_large, "http.body_too_large",
                    fmt::format("El cuerpo de la solicitud supera el límite de {} bytes.", limit),
                    fmt::format("The request body exceeds the limit of {} bytes.", limit))
      .with("limit", std::to_string(limit));
}

Error err_body_incomplete() {
  return make_error(Code::invalid_argument, "http.body_incomplete",
                    "La conexión se cerró antes de recibir todo el cuerpo de la solicitud.",
                    "The connection closed before the whole request body arrived.");
}

Error err_body_timeout(std::chrono::milliseconds timeout) {
  return make_error(Code::invalid_argument, "http.body_timeout",
                    fmt::format("No llegaron datos del cuerpo en {} ms; se canceló la subida.",
                                timeout.count()),
                    fmt::format("No body data arrived for {} ms; the upload was cancelled.",
                                timeout.count()))
      .with("timeout_ms", std::to_string(timeout.count()));
}

Error err_server_stopping() {
  return make_error(Code::internal, "http.server_stopping",
                    "El servidor se detuvo antes de completar la solicitud.",
                    "The server stopped before the request completed.");
}

Error err_internal() {
  return make_error(Code::internal, "http.internal",
                    "Error interno del servidor; quedó registrado para su revisión.",
                    "Internal server error; it was logged for review.");
}

Error err_unsafe_header(const std::string& name) {
  return make_error(Code::internal, "http.unsafe_header",
                    "La respuesta llevaba una cabecera con caracteres de control y no se envió; avise al "
                    "administrador (el registro del servidor indica la ruta).",
                    "The response carried a header with control characters and was not sent; tell the "
                    "administrator (the server log names the path).")
      .with("header", name);
}

Error err_too_many_connections(std::size_t limit, bool per_address) {
  return make_error(Code::internal, "http.too_many_connections",
                    per_address
                        ? fmt::format("Esta dirección ya tiene {} conexiones abiertas; cierre alguna y vuelva a intentarlo.", limit)
                        : fmt::format("El servidor ya atiende {} conexiones; vuelva a intentarlo en unos segundos.", limit),
                    per_address
                        ? fmt::format("This address already holds {} open connections; close some and try again.", limit)
                        : fmt::format("The server already serves {} connections; try again in a few seconds.", limit))
      .with("limit", std::to_string(limit))
      .with("scope", per_address ? "address" : "server");
}

}  // namespace pasaprod::http
