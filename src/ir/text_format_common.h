// Pieces shared by the IR text printer and parser (internal to src/ir).
#pragma once

#include <string>

#include "tessera/ir/data_type.h"

namespace tessera {

/// Words that cannot be printed as plain identifiers (statement keywords,
/// expression functions, type names, built-in intrinsic names).
bool is_text_format_keyword(const std::string& word);

std::string quote_string(const std::string& s);
std::string format_float_literal(double value, DataType dtype);
std::string format_int_literal(int64_t value, DataType dtype);

}  // namespace tessera
