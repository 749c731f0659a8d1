#include "verp.hpp"

#include <catch2/catch.hpp>

#include "text_util.hpp"

using bounced::classifiers::decode_verp;
using bounced::classifiers::normalize_address;
using bounced::classifiers::VerpOptions;

TEST_CASE("VERP addresses decode to the failed recipient", "[verp]") {
  const VerpOptions any;
  CHECK(decode_verp("bounces+jane.doe=example.org@bounce.sender.example", any) ==
        "jane.doe@example.org");
  CHECK(decode_verp("<bounces+jane=EXAMPLE.org@bounce.sender.example>", any) == "jane@example.org");
  // A local part may itself contain '=': the last one separates user and domain.
  CHECK(decode_verp("b+a=b=example.org@bounce.example", any) == "a=b@example.org");
}

TEST_CASE("VERP prefix and separator are configurable", "[verp]") {
  VerpOptions options;
  options.prefix = "bounces";
  options.separator = '-';
  CHECK(decode_verp("bounces-jane=example.org@bounce.example", options) == "jane@example.org");
  CHECK(decode_verp("other-jane=example.org@bounce.example", options) == "");
  CHECK(decode_verp("bounces+jane=example.org@bounce.example", options) == "");
}

TEST_CASE("addresses that are not VERP decode to nothing", "[verp]") {
  const VerpOptions any;
  CHECK(decode_verp("jane@example.org", any) == "");
  CHECK(decode_verp("bounces+token123@bounce.example", any) == "");
  CHECK(decode_verp("not an address", any) == "");
}

TEST_CASE("addresses are normalised: type, brackets, domain case", "[address]") {
  CHECK(normalize_address("rfc822; <Jane.Doe@Example.ORG>") == "Jane.Doe@example.org");
  CHECK(normalize_address("mailto:jane@example.org.") == "jane@example.org");
  CHECK(normalize_address("postmaster") == "");
}
