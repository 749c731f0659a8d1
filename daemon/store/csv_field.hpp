// One CSV field as RFC 4180 writes it: quoted (with quotes doubled) when it holds a comma, a
// quote or a line break, else as is. The only CSV writer in bounced: none of the Debian
// packages bounced is allowed to depend on writes CSV, and this is all it takes.
#pragma once

#include <string>
#include <string_view>

namespace bounced::store {

std::string csv_field(std::string_view value);

}  // namespace bounced::store
