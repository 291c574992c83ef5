#include "web/multipart.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace pasaprod::web {

namespace {

Error malformed(const std::string& what) {
  return make_error(Code::invalid_argument, "multipart.malformed", "Cuerpo multipart/form-data mal formado: " + what + ".",
                    "Malformed multipart/form-data body: " + what + ".");
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Param {
  std::string name;  // lower case
  std::string value;
};

// "type; a=b; c="d \"e\"" → type and params. nullopt on an unterminated quoted string.
std::optional<std::vector<Param>> parse_params(std::string_view value, std::string& type) {
  std::size_t i = value.find(';');
  type = lower(trim(value.substr(0, i)));
  std::vector<Param> out;
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    std::size_t name_end = i;
    while (name_end < value.size() && value[name_end] != '=' && value[name_end] != ';') ++name_end;
    Param p{lower(trim(value.substr(i, name_end - i))), ""};
    i = name_end;
    if (i < value.size() && value[i] == '=') {
      ++i;
      while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
      if (i < value.size() && value[i] == '"') {
        ++i;
        bool closed = false;
        while (i < value.size()) {
          const char c = value[i];
          if (c == '\\' && i + 1 < value.size() && (value[i + 1] == '"' || value[i + 1] == '\\')) {
            p.value += value[i + 1];  // quoted-pair; any other backslash is literal (as browsers send it)
            i += 2;
          } else if (c == '"') {
            closed = true;
            ++i;
            break;
          } else {
            p.value += c;
            ++i;
          }
        }
        if (!closed) return std::nullopt;
        while (i < value.size() && value[i] != ';') ++i;  // ignore anything up to the next parameter
      } else {
        std::size_t end = value.find(';', i);
        p.value = std::string(trim(value.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i)));
        i = end;
      }
    } else if (i >= value.size()) {
      i = std::string_view::npos;
    }
    if (!p.name.empty()) out.push_back(std::move(p));
  }
  return out;
}

// RFC 5987 ext-value: charset'language'pct-encoded, UTF-8 or ISO-8859-1.
std::optional<std::string> decode_ext_value(std::string_view v) {
  const std::size_t q1 = v.find('\'');
  if (q1 == std::string_view::npos) return std::nullopt;
  const std::size_t q2 = v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  const std::string charset = lower(v.substr(0, q1));
  if (charset != "utf-8" && charset != "iso-8859-1") return std::nullopt;
  std::string bytes;
  for (std::size_t i = q2 + 1; i < v.size(); ++i) {
    if (v[i] != '%') {
      bytes += v[i];
      continue;
    }
    if (i + 2 >= v.size() || hex_value(v[i + 1]) < 0 || hex_value(v[i + 2]) < 0) return std::nullopt;
    bytes += static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
    i += 2;
  }
  if (charset == "utf-8") return bytes;
  std::string utf8;
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      utf8 += static_cast<char>(c);
    } else {
      utf8 += static_cast<char>(0xC0 | (c >> 6));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return utf8;
}

std::string decode_quotes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 3, "%22") == 0) {
      out += '"';
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
  std::string type;
  auto params = parse_params(content_type, type);
  Error bad = make_error(Code::invalid_argument, "multipart.not_form_data", "Se esperaba un cuerpo multipart/form-data con su boundary.",
                         "A multipart/form-data body with its boundary was expected.");
  if (!params || type != "multipart/form-data") return bad;
  for (const auto& p : *params) {
    if (p.name != "boundary") continue;
    if (p.value.empty() || p.value.size() > 70 || p.value.find_first_of("\r\n") != std::string::npos) return bad;
    return p.value;
  }
  return bad;
}

Result<PartHeaders> parse_part_headers(std::string_view block) {
  // Unfold: a line starting with a space or tab continues the previous one.
  std::vector<std::string> lines;
  while (!block.empty()) {
    std::size_t end = block.find("\r\n");
    std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view() : block.substr(end + 2);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !lines.empty()) {
      lines.back() += ' ';
      lines.back() += trim(line);
    } else if (!line.empty()) {
      lines.emplace_back(line);
    }
  }
  PartHeaders h;
  bool disposition = false;
  for (const auto& line : lines) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) return malformed("part header without ':'");
    const std::string name = lower(trim(std::string_view(line).substr(0, colon)));
    const std::string_view value = trim(std::string_view(line).substr(colon + 1));
    if (name == "content-type") {
      h.content_type = std::string(value);
    } else if (name == "content-disposition" && !disposition) {
      std::string type;
      auto params = parse_params(value, type);
      if (!params) return malformed("unterminated quoted string in Content-Disposition");
      if (type != "form-data") return malformed("Content-Disposition is not form-data");
      disposition = true;
      bool has_name = false, has_ext = false;
      for (const auto& p : *params) {
        if (p.name == "name" && !has_name) {
          h.name = p.value;
          has_name = true;
        } else if (p.name == "filename*" && !has_ext) {
          auto v = decode_ext_value(p.value);
          if (!v) return malformed("bad filename* value");
          h.filename = *v;
          has_ext = true;
        } else if (p.name == "filename" && !has_ext && !h.filename) {
          h.filename = decode_quotes(p.value);
        }
      }
      if (!has_name || h.name.empty()) return malformed("part without a name");
    }
  }
  if (!disposition) return malformed("part without Content-Disposition");
  return h;
}

MultipartParser::MultipartParser(std::string boundary, MultipartLimits limits)
    : delimiter_("\r\n--" + boundary), limits_(limits), buf_("\r\n") {}  // "\r\n": the first delimiter may open the body

Status MultipartParser::fail(Error e) {
  state_ = State::failed;
  error_ = e;
  return e;
}

Status MultipartParser::feed(const char* data, std::size_t size, MultipartHandler& handler) {
  if (state_ == State::failed) return *error_;
  if (state_ == State::epilogue) return ok_status();
  buf_.append(data, size);
  for (;;) {
    Result<bool> more = step(handler);
    if (!more) return fail(more.error());
    if (!*more) break;
  }
  buf_.erase(0, pos_);
  pos_ = 0;
  return ok_status();
}

Status MultipartParser::finish() {
  if (state_ == State::failed) return *error_;
  if (state_ == State::epilogue) return ok_status();
  if (state_ == State::preamble) return fail(malformed("no boundary at all"));
  return fail(make_error(Code::invalid_argument, "multipart.truncated", "El cuerpo multipart terminó antes de su boundary final.",
                         "The multipart body ended before its closing boundary."));
}

Result<bool> MultipartParser::step(MultipartHandler& handler) {
  const std::string_view buf(buf_);
  const std::size_t avail = buf.size() - pos_;
  switch (state_) {
    case State::preamble: {
      // buf_ starts with the "\r\n" the constructor put there: a delimiter at `at` >= 2 leaves
      // at - 2 bytes of preamble. Over max_header_bytes of it is refused, whether the delimiter
      // is already here or cannot start early enough any more, so chunk edges change nothing.
      const std::size_t max_at = limits_.max_header_bytes + 2;
      const std::size_t at = buf.find(delimiter_, pos_);
      if (at != std::string_view::npos) {
        if (at > max_at) return malformed("no boundary at the start");
        pos_ = at + delimiter_.size();
        state_ = State::after_delimiter;
        return true;
      }
      if (buf.size() + 1 > max_at + delimiter_.size()) return malformed("no boundary at the start");
      return false;  // the preamble is short: keep it whole until the boundary shows
    }
    case State::after_delimiter: {
      while (pos_ < buf.size() && (buf[pos_] == ' ' || buf[pos_] == '\t')) ++pos_;  // transport padding
      if (buf.size() - pos_ < 2) return false;
      if (buf.compare(pos_, 2, "--") == 0) {
        state_ = State::epilogue;
        pos_ = buf.size();
        return false;
      }
      if (buf.compare(pos_, 2, "\r\n") != 0) return malformed("unexpected bytes after a boundary");
      pos_ += 2;
      state_ = State::headers;
      return true;
    }
    case State::headers: {
      if (avail < 2) return false;
      std::size_t end;
      std::size_t next;
      if (buf.compare(pos_, 2, "\r\n") == 0) {  // no headers at all
        end = pos_;
        next = pos_ + 2;
      } else {
        end = buf.find("\r\n\r\n", pos_);
        if (end == std::string_view::npos) {
          // Up to 3 bytes of the blank line may be here already: only past those is the block
          // surely too large (as it is found to be once whole: chunk edges change nothing).
          if (avail > limits_.max_header_bytes + 3) {
            return make_error(Code::invalid_argument, "multipart.header_too_large", "Los encabezados de una parte son demasiado grandes.",
                              "A part's headers are too large.");
          }
          return false;
        }
        next = end + 4;
      }
      if (end - pos_ > limits_.max_header_bytes) {
        return make_error(Code::invalid_argument, "multipart.header_too_large", "Los encabezados de una parte son demasiado grandes.",
                          "A part's headers are too large.");
      }
      if (++parts_ > limits_.max_parts) {
        return make_error(Code::invalid_argument, "multipart.too_many_parts", "El formulario tiene demasiadas partes.",
                          "The form has too many parts.");
      }
      auto headers = parse_part_headers(buf.substr(pos_, end - pos_));
      if (!headers) return headers.error();
      pos_ = next;
      state_ = State::body;
      if (Status s = handler.on_part_begin(*headers); !s) return s.error();
      return true;
    }
    case State::body: {
      const std::size_t at = buf.find(delimiter_, pos_);
      if (at != std::string_view::npos) {
        if (at > pos_) {
          if (Status s = handler.on_part_data(buf.data() + pos_, at - pos_); !s) return s.error();
        }
        pos_ = at + delimiter_.size();
        state_ = State::after_delimiter;
        if (Status s = handler.on_part_end(); !s) return s.error();
        return true;
      }
      // Hold back the longest tail that could begin the delimiter.
      std::size_t keep_from = buf.size();
      for (std::size_t k = std::max(pos_, buf.size() - std::min(buf.size(), delimiter_.size() - 1)); k < buf.size(); ++k) {
        if (delimiter_.compare(0, buf.size() - k, buf, k, buf.size() - k) == 0) {
          keep_from = k;
          break;
        }
      }
      if (keep_from > pos_) {
        if (Status s = handler.on_part_data(buf.data() + pos_, keep_from - pos_); !s) return s.error();
        pos_ = keep_from;
      }
      return false;
    }
    case State::epilogue:
      pos_ = buf.size();
      return false;
    case State::failed:
      return *error_;
  }
  return false;
}

}  // namespace pasaprod::web
