#include "smtp_reply.hpp"

#include <catch2/catch.hpp>

using bounced::rules::find_smtp_reply;
using bounced::rules::find_status_code;

TEST_CASE("reply code and status are read from a diagnostic", "[smtp_reply]") {
  const auto reply = find_smtp_reply("550 5.1.1 <jane@example.org>... User unknown");
  CHECK(reply.reply_code == "550");
  CHECK(reply.status == "5.1.1");
}

TEST_CASE("Gmail's multi-line reply with a dash is read", "[smtp_reply]") {
  const auto reply =
      find_smtp_reply("550-5.1.1 The email account that you tried to reach does not exist.");
  CHECK(reply.reply_code == "550");
  CHECK(reply.status == "5.1.1");
}

TEST_CASE("IP addresses and versions are not taken for status codes", "[smtp_reply]") {
  CHECK(find_status_code("host 192.0.2.1 said: go away") == "");
  CHECK(find_status_code("Exim 4.72.1 here") == "");
  CHECK(find_status_code("connect to 5.6.7.8 failed") == "");
}

TEST_CASE("a number inside prose is not a reply code", "[smtp_reply]") {
  CHECK(find_smtp_reply("connect to port 25 failed after 450 seconds").reply_code == "");
  CHECK(find_smtp_reply("host mx.example.org said: 452 too many recipients").reply_code == "452");
}

TEST_CASE("a three-digit detail is a valid status", "[smtp_reply]") {
  CHECK(find_status_code("Status: 5.7.606 Access denied, banned sending IP") == "5.7.606");
  CHECK(find_status_code("(#5.1.1)") == "5.1.1");
}
