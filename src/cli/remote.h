// A small HTTP client for `pasaprod --server URL`: the CLI's release commands against a
// running pasaprod server, authenticated with an API token. Plain http:// only (put TLS in
// front of the server with a reverse proxy and use it from the same network).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace pasaprod {

class RemoteClient {
 public:
  // url: "http://host:port" (a trailing "/" is ignored). Errors on use when malformed.
  RemoteClient(std::string url, std::string token, Lang lang);

  // A JSON request; `body` null = no body. 2xx → the parsed JSON (null for 204); otherwise the
  // server's problem turned back into an Error.
  Result<nlohmann::json> call(const std::string& method, const std::string& target, const nlohmann::json& body = nullptr);
  // PUTs a file as the raw body (streamed from disk) with X-Content-SHA256.
  Result<nlohmann::json> put_file(const std::string& target, const std::string& path, const std::string& sha256);

 private:
  Result<std::pair<std::string, std::string>> host_port() const;
  std::string url_;
  std::string token_;
  Lang lang_;
};

// Percent-encodes a path segment.
std::string url_segment(const std::string& text);

}  // namespace pasaprod
