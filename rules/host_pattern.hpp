// Domain and host name patterns used to scope rule sets: "gmail.com" matches itself only,
// "*.example.com" matches any name below example.com (not example.com itself).
#pragma once

#include <string_view>

namespace bounced::rules {

bool host_matches(std::string_view pattern, std::string_view host);

}  // namespace bounced::rules
