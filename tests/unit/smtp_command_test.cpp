#include "smtp_command.hpp"

#include <catch2/catch.hpp>

using bounced::rules::find_smtp_command;

TEST_CASE("Postfix, Exim and DragonFly name the command in prose", "[smtp_command]") {
  CHECK(find_smtp_command("550 5.1.1 User unknown (in reply to RCPT TO command)") == "RCPT");
  CHECK(find_smtp_command("550 User unknown (in reply to end of DATA command)") == "DATA");
  CHECK(find_smtp_command("SMTP error from remote mail server after MAIL FROM:<a@b.example>") ==
        "MAIL");
  CHECK(find_smtp_command("host mx [192.0.2.1] did not like our final DATA: 550 no") == "DATA");
  CHECK(find_smtp_command("-------SMTP command DATA -------original message") == "DATA");
  CHECK(find_smtp_command("550 5.1.1 user unknown") == "");
}

TEST_CASE("in a transcript, the command before the first error reply failed", "[smtp_command]") {
  CHECK(find_smtp_command(">>> RCPT To:<a@b.example>\n<<< 550 5.1.1 user unknown\n>>> DATA\n<<< "
                          "554 no valid recipients\n") == "RCPT");
  CHECK(find_smtp_command(">>> DATA\n<<< 554 5.7.1 spam\n") == "DATA");
}

TEST_CASE("pipelined replies after DATA belong to RCPT", "[smtp_command]") {
  CHECK(find_smtp_command(
            ">>> DATA\n<<< 550 5.1.1 <a@b.example>... User Unknown\n<<< 503 5.0.0 Need RCPT\n") ==
        "RCPT");
}

TEST_CASE("Exim names a pipelined command", "[smtp_command]") {
  CHECK(find_smtp_command(
            "SMTP error from remote mail server after pipelined MAIL FROM:<a@b.example>: "
            "550 5.1.1 unknown") == "MAIL");
  CHECK(
      find_smtp_command("SMTP error from remote mail server after pipelined RCPT TO:<a@b.example>: "
                        "550 5.1.1 unknown") == "RCPT");
}

TEST_CASE("a refusal after DATA was answered 354 is a DATA refusal", "[smtp_command]") {
  CHECK(find_smtp_command(
            ">>> RCPT TO:<a@b.example>\n<<< 250 2.1.5 OK\n>>> DATA\n<<< 354 go "
            "ahead\n>>> (message body)\n<<< 554 5.7.1 spam\n>>> QUIT\n<<< 221 Bye\n") == "DATA");
}

TEST_CASE("hMailServer names the command it sent", "[smtp_command]") {
  CHECK(find_smtp_command("hMailServer sent: RCPT TO:<a@b.example> Remote server replied: 550 "
                          "5.1.1 User unknown") == "RCPT");
}
