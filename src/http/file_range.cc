#include "http/file_range.h"

#include <charconv>

#include <fmt/format.h>

namespace pasaprod::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// True when the If-None-Match list contains `etag` (weak comparison) or is "*".
bool none_match_hits(std::string_view list, std::string_view etag) {
  if (trim(list) == "*") return true;
  if (etag.empty()) return false;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view tag = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace

FilePlan plan_file_response(std::uint64_t size, std::string_view etag,
                            std::optional<std::string_view> range,
                            std::optional<std::string_view> if_none_match,
                            std::optional<std::string_view> if_range) {
  FilePlan plan;
  plan.length = size;
  if (if_none_match && none_match_hits(*if_none_match, etag)) {
    plan.status = 304;
    plan.length = 0;
    return plan;
  }
  if (!range) return plan;
  // If-Range: a strong, equal validator is required to honour the Range.
  if (if_range && (etag.empty() || trim(*if_range) != etag)) return plan;
  std::string_view r = trim(*range);
  if (r.substr(0, 6) != "bytes=") return plan;
  r = trim(r.substr(6));
  if (r.find(',') != std::string_view::npos) return plan;  // multiple ranges: whole file
  std::size_t dash = r.find('-');
  if (dash == std::string_view::npos) return plan;
  std::string_view first_text = trim(r.substr(0, dash));
  std::string_view last_text = trim(r.substr(dash + 1));
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (first_text.empty()) {  // suffix: the last N bytes
    std::optional<std::uint64_t> n = parse_u64(last_text);
    if (!n) return plan;
    if (*n == 0 || size == 0) {
      plan.status = 416;
      plan.length = 0;
      plan.content_range = fmt::format("bytes */{}", size);
      return plan;
    }
    first = *n >= size ? 0 : size - *n;
    last = size - 1;
  } else {
    std::optional<std::uint64_t> f = parse_u64(first_text);
    if (!f) return plan;
    std::optional<std::uint64_t> l = last_text.empty() ? std::optional<std::uint64_t>(UINT64_MAX)
                                                       : parse_u64(last_text);
    if (!l || *l < *f) return plan;  // syntactically invalid: ignore the Range
    if (*f >= size) {
      plan.status = 416;
      plan.length = 0;
      plan.content_range = fmt::format("bytes */{}", size);
      return plan;
    }
    first = *f;
    last = *l >= size ? size - 1 : *l;
  }
  plan.status = 206;
  plan.offset = first;
  plan.length = last - first + 1;
  plan.content_range = fmt::format("bytes {}-{}/{}", first, last, size);
  return plan;
}

}  // namespace pasaprod::http
