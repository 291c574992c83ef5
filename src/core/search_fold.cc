#include "core/search_fold.h"

namespace pasaprod {
namespace {

// Appends `utf8` for one code point in U+0080..U+00FF.
void put_latin1(std::string& out, unsigned code) {
  out += static_cast<char>(0xC0 | (code >> 6));
  out += static_cast<char>(0x80 | (code & 0x3F));
}

}  // namespace

std::string fold_search(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (c == 0xC3 && i + 1 < text.size() &&
               (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
      unsigned code = 0xC0 + (static_cast<unsigned char>(text[++i]) - 0x80);
      if (code >= 0xC0 && code <= 0xDE && code != 0xD7) code += 0x20;  // to lower case
      if (code >= 0xE0 && code <= 0xE5) {
        out += 'a';
      } else if (code >= 0xE8 && code <= 0xEB) {
        out += 'e';
      } else if (code >= 0xEC && code <= 0xEF) {
        out += 'i';
      } else if (code >= 0xF2 && code <= 0xF6) {
        out += 'o';
      } else if (code >= 0xF9 && code <= 0xFC) {
        out += 'u';
      } else {
        put_latin1(out, code);
      }
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace pasaprod
