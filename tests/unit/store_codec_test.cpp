// The store's compression of raw mail (no database needed): what reclassify reads back.
#include <catch2/catch.hpp>
#include <string>

#include "codec.hpp"

using bounced::store::compress;
using bounced::store::decompress;

namespace {

// The window a zlib stream was written with (RFC 1950 section 2.2: CINFO is log2(window) - 8).
size_t zlib_window(const std::string& compressed) {
  return size_t{1} << ((static_cast<unsigned char>(compressed.at(0)) >> 4) + 8);
}

std::string mail_of_size(size_t size) {
  std::string mail = "From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail\r\n\r\n";
  for (size_t i = 0; mail.size() < size; ++i) {
    mail += "<u" + std::to_string(i * 7919 % 100003) + "@d.example>: 550 5.1.1 User unknown\r\n";
  }
  mail.resize(size);
  return mail;
}

}  // namespace

TEST_CASE("store codec: raw mail of any size comes back byte for byte", "[codec]") {
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{511}, size_t{2000}, size_t{40000}, size_t{300000}}) {
    const std::string mail = mail_of_size(size);
    const std::string compressed = compress(mail);
    REQUIRE_FALSE(compressed.empty());
    CHECK(decompress(compressed) == mail);
  }
}

TEST_CASE("store codec: the window is fitted to the mail, not zlib's 32 KiB default", "[codec]") {
  // A 2 KB bounce needs no 32 KiB window: the default's state costs more than the compression.
  CHECK(zlib_window(compress(mail_of_size(2000))) == 2048);
  CHECK(zlib_window(compress(mail_of_size(100))) == 512);
  CHECK(zlib_window(compress(mail_of_size(300000))) == 32768);
}
