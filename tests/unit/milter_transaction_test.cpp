#include "intake/milter_transaction.hpp"

#include <catch2/catch.hpp>

using bounced::daemon::intake::envelope_address;
using bounced::daemon::intake::MilterTransaction;
using bounced::daemon::intake::recipient_matches;

TEST_CASE("milter transaction: the message is put back together as a delivery agent writes it",
          "[milter]") {
  MilterTransaction transaction;
  transaction.start("<>");
  transaction.add_recipient("<bounces+alice=example.org@bounce.example.com>", true);
  transaction.add_recipient("<postmaster@example.com>", false);
  SECTION("leading whitespace kept by the MTA (SMFIP_HDR_LEADSPC)") {
    transaction.add_header("Subject", " Undelivered Mail", true);
    transaction.add_header("X-Folded", "\tfirst\n\tsecond", true);
  }
  SECTION("leading whitespace stripped by the MTA: one space is put back") {
    transaction.add_header("Subject", "Undelivered Mail", false);
    transaction.add_header("X-Folded", "\tfirst\r\n\tsecond", true);
  }
  transaction.end_of_headers();
  REQUIRE(transaction.add_body("line one\r\n", 1000));
  REQUIRE(transaction.add_body("line two\r\n", 1000));
  CHECK(transaction.has_our_recipients());
  CHECK(transaction.has_other_recipients());
  CHECK(transaction.our_recipients() ==
        std::vector<std::string>{"<bounces+alice=example.org@bounce.example.com>"});
  CHECK(transaction.take_message() ==
        "Return-Path: <>\r\n"
        "Delivered-To: bounces+alice=example.org@bounce.example.com\r\n"
        "Subject: Undelivered Mail\r\n"
        "X-Folded:\tfirst\r\n\tsecond\r\n"
        "\r\n"
        "line one\r\nline two\r\n");
  // A new transaction on the same connection starts empty.
  CHECK_FALSE(transaction.has_our_recipients());
  CHECK(transaction.size() == 0);
}

TEST_CASE("milter transaction: a body over the limit is refused", "[milter]") {
  MilterTransaction transaction;
  transaction.start("<a@b>");
  transaction.add_header("Subject", " x", true);
  transaction.end_of_headers();
  CHECK(transaction.add_body(std::string(80, 'a'), 100));
  CHECK_FALSE(transaction.add_body(std::string(80, 'a'), 100));
}

TEST_CASE("milter: envelope addresses and recipient patterns", "[milter]") {
  CHECK(envelope_address("<Bounces@Example.COM>") == "Bounces@Example.COM");
  CHECK(envelope_address("<>") == "");
  CHECK(envelope_address("<a@b> NOTIFY=NEVER") == "a@b");
  CHECK(envelope_address("a@b SIZE=10") == "a@b");
  CHECK(recipient_matches({}, "anyone@anywhere"));
  const std::vector<std::string> patterns = {"bounces@example.com", "bounces+*@example.com",
                                             "*@bounces.example.net"};
  CHECK(recipient_matches(patterns, "Bounces@Example.com"));
  CHECK(recipient_matches(patterns, "bounces+alice=example.org@example.com"));
  CHECK(recipient_matches(patterns, "x@bounces.example.net"));
  CHECK_FALSE(recipient_matches(patterns, "postmaster@example.com"));
  CHECK_FALSE(recipient_matches(patterns, "bounces@example.com.evil"));
}
