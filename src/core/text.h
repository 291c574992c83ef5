// Checks on text received from outside: valid UTF-8 and a bounded length.
#pragma once

#include <cstddef>
#include <string_view>

namespace pasaprod {

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// The number of code points of `text`, which must be valid UTF-8.
std::size_t utf8_length(std::string_view text);

}  // namespace pasaprod
