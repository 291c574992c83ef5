# Turns a text file into a C++ function returning its content:
#   cmake -DIN=file -DOUT=file.cc -DSYMBOL=name -P embed.cmake
# defines `std::string_view pasaprod::<SYMBOL>()`.
file(READ "${IN}" content HEX)
string(LENGTH "${content}" hex_len)
math(EXPR byte_len "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUT}" "// Generated from ${IN}; do not edit.\n#include <string_view>\nnamespace pasaprod {\nnamespace {\nconstexpr char kData[] = {${bytes} 0};\n}\nstd::string_view ${SYMBOL}() { return std::string_view(kData, ${byte_len}); }\n}  // namespace pasaprod\n")
