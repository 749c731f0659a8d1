// What a deployment may tune about reading mail: which headers of the returned original to keep,
// how VERP addresses are spelled, and and what one message may cost (its size, structure and
// recipients).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "message_limits.hpp"
#include "verp.hpp"

namespace bounced::classifiers {

struct ParserOptions {
  // Headers of the returned original to keep for joining, besides Message-ID/From/To/Subject.
  std::vector<std::string> original_headers = {"X-Bounced-Send-Id", "X-Campaign-Id",
                                               "X-Mailer-Send-Id", "List-Id"};
  VerpOptions verp;
  // Size, MIME structure, header, recipient and diagnostic limits (message_limits.hpp).
  MessageLimits limits;
};

}  // namespace bounced::classifiers
