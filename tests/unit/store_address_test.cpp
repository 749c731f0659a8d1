// The store's address normalisation (no database needed): what a suppression, a send and a
// bounce are compared by.
#include <catch2/catch.hpp>

#include "address.hpp"

using bounced::store::lower_ascii;
using bounced::store::normalize_address;

TEST_CASE("store addresses: domain lower-cased and in A-labels, local part kept", "[address]") {
  CHECK(normalize_address("<Jane@Example.ORG>") == "Jane@example.org");
  CHECK(normalize_address("jane@B\xc3\x9c"
                          "CHER.example") == "jane@xn--bcher-kva.example");
  CHECK(normalize_address("jane@") == "");
  CHECK(normalize_address("@example.org") == "");
}

TEST_CASE("store addresses: lower_ascii folds ASCII letters only, bytes of UTF-8 kept",
          "[address]") {
  CHECK(lower_ascii("Jane.Doe@Example.NET") == "jane.doe@example.net");
  CHECK(lower_ascii("J\xC3\x9CRGEN@b\xC3\xBC"
                    "cher.example") ==
        "j\xC3\x9Crgen@b\xC3\xBC"
        "cher.example");
  CHECK(lower_ascii("") == "");
}

TEST_CASE("store addresses: a domain with a control character or a NUL is no address",
          "[address]") {
  // Found by fuzz_verp: the NUL cut GLib's IDNA conversion short and left "x@" (no domain),
  // which normalised again to "" - two spellings of one address.
  static constexpr char kWithNul[] =
      "boun\xff\xff_@\x00\x01\xb5\xd0"
      "ce.sender.example";
  const std::string with_nul(kWithNul, sizeof kWithNul - 1);  // the NUL inside included
  REQUIRE(with_nul.size() == 29);
  CHECK(normalize_address(with_nul) == "");
  CHECK(normalize_address("jane@exa mple.org") == "");
  CHECK(normalize_address("jane@example.org\x7f") == "");
  // Whatever comes out normalises to itself.
  for (const char* a : {"Jane@Example.ORG",
                        "jane@b\xc3\xbc"
                        "cher.example",
                        "a@[192.0.2.1]"}) {
    const std::string once = normalize_address(a);
    CHECK(normalize_address(once) == once);
  }
}

TEST_CASE("store addresses: a domain that is not UTF-8 is no address", "[address]") {
  // Found by fuzz_verp: GLib's IDNA conversion decoded the overlong sequence C1 80 to '@', so
  // "x@\xc1\x80" normalised to "x@@" and that again to something else.
  CHECK(normalize_address("x@\xc1\x80") == "");
  CHECK(normalize_address("jane@\xff"
                          "example.org") == "");
  // U+034F maps to nothing under IDNA, leaving "." - which the next pass would trim away.
  CHECK(normalize_address("x@.\xcd\x8f") == "");
  // Still converted when it is UTF-8.
  CHECK(normalize_address("jane@\xc3\xa9t\xc3\xa9.example") == "jane@xn--t-9fab.example");
}
