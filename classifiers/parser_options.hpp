// What a deployment may tune about reading mail: which headers of the returned original to keep,
// how VERP addresses are spelled, and how large a message is read at all.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "verp.hpp"

namespace bounced::classifiers {

struct ParserOptions {
  // Headers of the returned original to keep for joining, besides Message-ID/From/To/Subject.
  std::vector<std::string> original_headers = {"X-Bounced-Send-Id", "X-Campaign-Id",
                                               "X-Mailer-Send-Id", "List-Id"};
  VerpOptions verp;
  // Larger mail is refused unread (quarantined by the daemon): bounces are small, and a huge
  // one is either a returned attachment or abuse.
  size_t max_message_size = 32 * 1024 * 1024;
};

}  // namespace bounced::classifiers
