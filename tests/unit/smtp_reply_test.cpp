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

// Invariant 2: a reply code is read only where an SMTP reply stands.
TEST_CASE("numbers that measure something are not reply codes", "[smtp_reply]") {
  CHECK(find_smtp_reply("Message size: 250 KB, over the limit").reply_code == "");
  CHECK(find_smtp_reply("the message (550 bytes) was refused").reply_code == "");
  CHECK(find_smtp_reply("remote port: 465 refused the connection").reply_code == "");
  CHECK(find_smtp_reply("Total: 500 messages in the last hour").reply_code == "");
  CHECK(find_smtp_reply("timed out after 450 seconds").reply_code == "");
  CHECK(find_smtp_reply("queued for 421 minutes").reply_code == "");
  CHECK(find_smtp_reply("Queue-ID: 450A1B2C3D").reply_code == "");
}

TEST_CASE("a reply code is read where a reply stands", "[smtp_reply]") {
  CHECK(find_smtp_reply("550 sorry, no such user").reply_code == "550");
  CHECK(find_smtp_reply("Remote host said: 554 denied").reply_code == "554");
  CHECK(find_smtp_reply("smtp; 550 Requested action not taken").reply_code == "550");
  CHECK(find_smtp_reply("SMTP error from remote mail server after RCPT TO:<a@b.example>: 550 "
                        "unrouteable address")
            .reply_code == "550");
  CHECK(find_smtp_reply("#550 RESOLVER.ADR.RecipNotFound; not found ##").reply_code == "550");
  CHECK(find_smtp_reply("Remote Server returned '554 rejected'").reply_code == "554");
  CHECK(find_smtp_reply("... while talking to mx.example.org.:\n>>> RCPT To:<a@b.example>\n"
                        "<<< 550 User unknown\n")
            .reply_code == "550");
  CHECK(find_smtp_reply("mx.example.org [192.0.2.1] 451 try again later").reply_code == "451");
}

TEST_CASE("a failure reply outranks an earlier success in a transcript", "[smtp_reply]") {
  const auto reply = find_smtp_reply(
      "<<< 220 mx ready\n<<< 250 2.1.0 Sender OK\n<<< 250 2.1.5 Recipient OK\n<<< 354 go "
      "ahead\n<<< 554 5.7.1 Message refused as spam\n<<< 221 2.0.0 Bye\n");
  CHECK(reply.reply_code == "554");
  CHECK(reply.status == "5.7.1");
  // With no failure anywhere, a success stays what it is (a DSN's "delivered" diagnostic).
  const auto ok = find_smtp_reply("250 2.0.0 Ok: queued as 4dQm2k0Yz3z9sWq");
  CHECK(ok.reply_code == "250");
  CHECK(ok.status == "2.0.0");
}

TEST_CASE("the status paired with the reply code wins over a generic one before it",
          "[smtp_reply]") {
  const auto reply = find_smtp_reply("Status 5.0.0 (permanent) - 550 5.1.1 user unknown");
  CHECK(reply.reply_code == "550");
  CHECK(reply.status == "5.1.1");
}

TEST_CASE("a version number is not a status", "[smtp_reply]") {
  CHECK(find_status_code("relay v5.1.2 build 7") == "");
  CHECK(find_status_code("10.5.1.1 unreachable") == "");
}
