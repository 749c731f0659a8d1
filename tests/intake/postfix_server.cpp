#include "postfix_server.hpp"

#include <libetpan/libetpan.h>
#include <pwd.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace bounced::test {

namespace {

const char* postfix_binary() {
  return "/usr/sbin/postfix";
}

}  // namespace

PostfixServer::PostfixServer(const std::string& milter) : dir_("bounced-postfix") {
  if (geteuid() != 0) FAIL("a private Postfix instance needs root (its master binds and setuid)");
  REQUIRE(fs::exists(postfix_binary()));
  const fs::path& d = dir_.path();
  for (const char* sub : {"etc", "spool", "data", "vmail"}) fs::create_directories(d / sub);
  // getpwnam's result lives in a static buffer: copy the ids before the next lookup.
  const passwd* entry = getpwnam("postfix");
  REQUIRE(entry != nullptr);
  const uid_t postfix_uid = entry->pw_uid;
  const gid_t postfix_gid = entry->pw_gid;
  entry = getpwnam("nobody");
  REQUIRE(entry != nullptr);
  const uid_t nobody_uid = entry->pw_uid;
  const gid_t nobody_gid = entry->pw_gid;
  REQUIRE(chown((d / "data").c_str(), postfix_uid, postfix_gid) == 0);
  REQUIRE(chown((d / "vmail").c_str(), nobody_uid, nobody_gid) == 0);
  smtp_port_ = free_port();

  write_file(d / "etc" / "main.cf",
             "compatibility_level = 3.6\n"
             "queue_directory = " +
                 (d / "spool").string() +
                 "\n"
                 "data_directory = " +
                 (d / "data").string() +
                 "\n"
                 "mail_owner = postfix\n"
                 "setgid_group = postdrop\n"
                 "inet_interfaces = loopback-only\n"
                 "inet_protocols = ipv4\n"
                 "myhostname = mta.bounce.test\n"
                 "mydestination =\n"
                 "relay_domains =\n"
                 "mynetworks = 127.0.0.0/8\n"
                 "alias_maps =\n"
                 "alias_database =\n"
                 "biff = no\n"
                 "virtual_mailbox_domains = bounce.test\n"
                 "virtual_mailbox_base = " +
                 (d / "vmail").string() +
                 "\n"
                 "virtual_mailbox_maps = inline:{ bounces@bounce.test=bounces/, "
                 "human@bounce.test=human/ }\n"
                 "virtual_uid_maps = static:" +
                 std::to_string(nobody_uid) +
                 "\n"
                 "virtual_gid_maps = static:" +
                 std::to_string(nobody_gid) +
                 "\n"
                 "maillog_file = " +
                 (d / "maillog").string() +
                 "\n"
                 "maillog_file_prefixes = " +
                 d.string() +
                 "\n"
                 "smtpd_milters = " +
                 milter +
                 "\n"
                 "milter_default_action = tempfail\n"
                 "milter_protocol = 6\n");
  // Every service unchrooted; smtpd on our port only.
  write_file(d / "etc" / "master.cf", "127.0.0.1:" + std::to_string(smtp_port_) +
                                          " inet n - n - - smtpd\n"
                                          "pickup    unix  n - n 60 1 pickup\n"
                                          "cleanup   unix  n - n - 0 cleanup\n"
                                          "qmgr      unix  n - n 300 1 qmgr\n"
                                          "tlsmgr    unix  - - n 1000? 1 tlsmgr\n"
                                          "rewrite   unix  - - n - - trivial-rewrite\n"
                                          "bounce    unix  - - n - 0 bounce\n"
                                          "defer     unix  - - n - 0 bounce\n"
                                          "trace     unix  - - n - 0 bounce\n"
                                          "verify    unix  - - n - 1 verify\n"
                                          "flush     unix  n - n 1000? 0 flush\n"
                                          "proxymap  unix  - - n - - proxymap\n"
                                          "proxywrite unix - - n - 1 proxymap\n"
                                          "smtp      unix  - - n - - smtp\n"
                                          "relay     unix  - - n - - smtp\n"
                                          "showq     unix  n - n - - showq\n"
                                          "error     unix  - - n - - error\n"
                                          "retry     unix  - - n - - error\n"
                                          "discard   unix  - - n - - discard\n"
                                          "local     unix  - n n - - local\n"
                                          "virtual   unix  - n n - - virtual\n"
                                          "lmtp      unix  - - n - - lmtp\n"
                                          "anvil     unix  - - n - 1 anvil\n"
                                          "scache    unix  - - n - 1 scache\n"
                                          "postlog   unix-dgram n - n - 1 postlogd\n");
  postfix("start");
  started_ = true;
  if (!wait_for_port(smtp_port_, std::chrono::seconds(20))) {
    FAIL("postfix did not start: " << maillog() << read_file(d / "postfix.out"));
  }
}

PostfixServer::~PostfixServer() {
  if (started_) postfix("stop");
}

void PostfixServer::postfix(const std::string& command) const {
  const int status = run_command({postfix_binary(), "-c", (dir_.path() / "etc").string(), command},
                                 (dir_.path() / "postfix.out").string());
  if (status != 0 && command == "start") {
    FAIL("postfix " << command << " failed: " << read_file(dir_.path() / "postfix.out")
                    << maillog());
  }
}

std::vector<std::string> PostfixServer::delivered(const std::string& mailbox) const {
  std::vector<std::string> messages;
  const fs::path dir = dir_.path() / "vmail" / mailbox / "new";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    messages.push_back(read_file(entry.path()));
  }
  return messages;
}

std::size_t PostfixServer::queued() const {
  std::size_t count = 0;
  for (const char* queue : {"incoming", "active", "deferred", "hold", "maildrop"}) {
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(dir_.path() / "spool" / queue, error);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_regular_file()) ++count;
    }
  }
  return count;
}

std::string PostfixServer::maillog() const {
  return read_file(dir_.path() / "maillog");
}

SmtpReply send_mail(int port, const std::string& sender, const std::vector<std::string>& recipients,
                    const std::string& message) {
  mailsmtp* smtp = mailsmtp_new(0, nullptr);
  REQUIRE(smtp != nullptr);
  mailsmtp_set_timeout(smtp, 600);
  SmtpReply reply;
  auto finish = [&](int) {
    reply.code = smtp->response_code;
    reply.text = smtp->response ? smtp->response : "";
    mailsmtp_quit(smtp);
    mailsmtp_free(smtp);
    return reply;
  };
  int r = mailsmtp_socket_connect(smtp, "127.0.0.1", static_cast<uint16_t>(port));
  if (r != MAILSMTP_NO_ERROR) return finish(r);
  r = mailesmtp_ehlo(smtp);
  if (r != MAILSMTP_NO_ERROR) return finish(r);
  r = mailsmtp_mail(smtp, sender.c_str());
  if (r != MAILSMTP_NO_ERROR) return finish(r);
  for (const auto& recipient : recipients) {
    r = mailsmtp_rcpt(smtp, recipient.c_str());
    if (r != MAILSMTP_NO_ERROR) return finish(r);
  }
  r = mailsmtp_data(smtp);
  if (r != MAILSMTP_NO_ERROR) return finish(r);
  r = mailsmtp_data_message(smtp, message.data(), message.size());
  return finish(r);
}

}  // namespace bounced::test
