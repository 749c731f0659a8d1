#include "dovecot_server.hpp"

#include <pwd.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <regex>

namespace bounced::test {

namespace {

const char* dovecot_binary() {
  return "/usr/sbin/dovecot";
}

}  // namespace

DovecotServer::DovecotServer() : dir_("bounced-dovecot") {
  REQUIRE(fs::exists(dovecot_binary()));
  make_test_certificates(dir_.path());
  imap_port_ = free_port();
  imaps_port_ = free_port();
  const fs::path& d = dir_.path();
  fs::create_directories(d / "mail");
  fs::create_directories(d / "run");

  // As root, mail is accessed as nobody (Dovecot refuses UID 0 for mail) and the login and
  // internal processes run as Debian's dovenull/dovecot. Otherwise everything runs as us.
  const bool root = geteuid() == 0;
  uid_t mail_uid = getuid();
  gid_t mail_gid = getgid();
  std::string extra;
  if (root) {
    const passwd* nobody = getpwnam("nobody");
    REQUIRE(nobody != nullptr);
    mail_uid = nobody->pw_uid;
    mail_gid = nobody->pw_gid;
    REQUIRE(chown((d / "mail").c_str(), mail_uid, mail_gid) == 0);
  } else {
    const passwd* me = getpwuid(getuid());
    REQUIRE(me != nullptr);
    extra = "default_internal_user = " + std::string(me->pw_name) +
            "\ndefault_login_user = " + me->pw_name + "\n";
  }
  write_file(d / "passwd", std::string(user) + ":{PLAIN}" + password + ":" +
                               std::to_string(mail_uid) + ":" + std::to_string(mail_gid) +
                               "::" + (d / "mail" / user).string() + "\n");
  write_file(d / "dovecot.conf",
             "base_dir = " + (d / "run").string() +
                 "\n"
                 "state_dir = " +
                 (d / "run").string() +
                 "\n"
                 "instance_name = bounced-test-" +
                 std::to_string(imap_port_) +
                 "\n"
                 "protocols = imap\n"
                 "listen = 127.0.0.1\n"
                 "log_path = " +
                 (d / "dovecot.log").string() +
                 "\n"
                 "ssl = yes\n"
                 "ssl_cert = <" +
                 (d / "server.pem").string() +
                 "\n"
                 "ssl_key = <" +
                 (d / "server.key").string() +
                 "\n"
                 "disable_plaintext_auth = no\n"
                 "auth_mechanisms = plain login\n"
                 "mail_location = maildir:" +
                 (d / "mail" / "%u").string() +
                 "\n"
                 "first_valid_uid = 1\n" +
                 extra + "passdb {\n  driver = passwd-file\n  args = " + (d / "passwd").string() +
                 "\n}\n"
                 "userdb {\n  driver = passwd-file\n  args = " +
                 (d / "passwd").string() +
                 "\n}\n"
                 "service imap-login {\n"
                 "  inet_listener imap {\n    port = " +
                 std::to_string(imap_port_) +
                 "\n  }\n"
                 "  inet_listener imaps {\n    port = " +
                 std::to_string(imaps_port_) +
                 "\n    ssl = yes\n  }\n"
                 "  chroot =\n"
                 "}\n"
                 "service anvil {\n  chroot =\n}\n"
                 "service stats {\n  unix_listener stats-writer {\n    mode = 0666\n  }\n}\n");
  start();
}

DovecotServer::~DovecotServer() {
  stop();
}

void DovecotServer::start() {
  process_ = ChildProcess({dovecot_binary(), "-F", "-c", (dir_.path() / "dovecot.conf").string()},
                          (dir_.path() / "dovecot.out").string(), true);
  if (!wait_for_port(imap_port_, std::chrono::seconds(20)) ||
      !wait_for_port(imaps_port_, std::chrono::seconds(5))) {
    FAIL("dovecot did not start: " << read_file(dir_.path() / "dovecot.log")
                                   << read_file(dir_.path() / "dovecot.out"));
  }
}

void DovecotServer::stop() {
  process_.stop();
}

daemon::intake::ImapSourceOptions DovecotServer::plain_options() const {
  daemon::intake::ImapSourceOptions options;
  options.name = "imap-test";
  options.host = "127.0.0.1";
  options.port = static_cast<std::uint16_t>(imap_port_);
  options.security = daemon::intake::ImapSecurity::none;
  options.username = user;
  options.password = password;
  options.reconnect_min = std::chrono::seconds(1);
  options.reconnect_max = std::chrono::seconds(2);
  return options;
}

void DovecotServer::change_inbox_uidvalidity() {
  const fs::path uidlist = dir_.path() / "mail" / user / "dovecot-uidlist";
  std::string text = read_file(uidlist);
  REQUIRE(!text.empty());
  // First line: "3 V<uidvalidity> N<next uid> G<guid>".
  std::smatch match;
  const std::string first_line = text.substr(0, text.find('\n'));
  REQUIRE(std::regex_search(first_line, match, std::regex(R"( V(\d+))")));
  const unsigned long old_value = std::stoul(match[1].str());
  const std::string replaced = std::regex_replace(first_line, std::regex(R"( V\d+)"),
                                                  " V" + std::to_string(old_value + 1000));
  write_file(uidlist, replaced + text.substr(first_line.size()));
  // The index caches the old value; without it Dovecot rebuilds from the uidlist.
  for (const auto& entry : fs::directory_iterator(dir_.path() / "mail" / user)) {
    if (entry.path().filename().string().rfind("dovecot.index", 0) == 0) fs::remove(entry.path());
  }
}

}  // namespace bounced::test
