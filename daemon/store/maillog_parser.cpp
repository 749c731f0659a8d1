#include "maillog_parser.hpp"

#include <array>
#include <cctype>

namespace bounced::store {

namespace {

std::optional<Time> syslog_time(std::string_view& line, int year) {
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (line.size() < 16) return std::nullopt;
  int month = 0;
  for (size_t i = 0; i < months.size(); ++i) {
    if (line.substr(0, 3) == months[i]) month = static_cast<int>(i) + 1;
  }
  if (month == 0) return std::nullopt;
  // "Jan  8 09:14:03 " - day space-padded to two characters.
  const std::string_view stamp = line.substr(0, 15);
  const int day = (stamp[4] == ' ' ? 0 : stamp[4] - '0') * 10 + (stamp[5] - '0');
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%.*s", year, month, day, 8, stamp.data() + 7);
  line.remove_prefix(16);
  return parse_iso_time(text);
}

std::optional<Time> iso_time(std::string_view& line) {
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || space < 19) return std::nullopt;
  auto time = parse_iso_time(line.substr(0, space));
  if (time) line.remove_prefix(space + 1);
  return time;
}

// The value of `key=` up to ", " (angle-bracketed values may hold commas).
std::string field(std::string_view text, std::string_view key) {
  size_t at = 0;
  while ((at = text.find(key, at)) != std::string_view::npos) {
    if (at == 0 || text[at - 1] == ' ') break;
    at += key.size();
  }
  if (at == std::string_view::npos) return "";
  std::string_view value = text.substr(at + key.size());
  if (value.starts_with("<")) {
    const size_t close = value.find('>');
    return std::string(
        value.substr(1, close == std::string_view::npos ? value.size() - 1 : close - 1));
  }
  return std::string(value.substr(0, value.find_first_of(", ")));
}

bool is_queue_id(std::string_view id) {
  if (id.size() < 5) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<MaillogEvent> parse_maillog_line(std::string_view line, int year) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  MaillogEvent event;
  std::optional<Time> at = std::isdigit(static_cast<unsigned char>(line.empty() ? ' ' : line[0]))
                               ? iso_time(line)
                               : syslog_time(line, year);
  if (!at) return std::nullopt;
  event.at = *at;
  // "host postfix/smtp[123]: QUEUEID: rest"; multi-instance names ("postfix-out/smtp") too.
  const size_t program = line.find(' ');
  if (program == std::string_view::npos) return std::nullopt;
  line.remove_prefix(program + 1);
  const size_t colon = line.find(": ");
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view tag = line.substr(0, colon);
  if (!tag.starts_with("postfix")) return std::nullopt;
  const size_t slash = tag.find('/');
  const size_t bracket = tag.find('[');
  const std::string_view service =
      slash == std::string_view::npos
          ? std::string_view()
          : tag.substr(slash + 1, bracket == std::string_view::npos ? std::string_view::npos
                                                                    : bracket - slash - 1);
  line.remove_prefix(colon + 2);
  const size_t id_end = line.find(": ");
  if (id_end == std::string_view::npos) return std::nullopt;
  const std::string_view queue_id = line.substr(0, id_end);
  if (!is_queue_id(queue_id)) return std::nullopt;
  event.queue_id = std::string(queue_id);
  const std::string_view rest = line.substr(id_end + 2);
  if (rest == "removed") {
    event.kind = MaillogEvent::Kind::removed;
    return event;
  }

  if (service.ends_with("cleanup") && rest.starts_with("message-id=")) {
    event.kind = MaillogEvent::Kind::message_id;
    std::string_view id = rest.substr(11);
    if (id.starts_with("<")) id.remove_prefix(1);
    if (id.ends_with(">")) id.remove_suffix(1);
    event.message_id = std::string(id);
    return event;
  }
  if (service.ends_with("qmgr") && rest.starts_with("from=<")) {
    event.kind = MaillogEvent::Kind::sender;
    event.sender = field(rest, "from=");
    event.null_sender = event.sender.empty();
    return event;
  }
  if (!rest.starts_with("to=<")) return std::nullopt;
  event.kind = MaillogEvent::Kind::delivery;
  event.recipient = field(rest, "to=");
  event.orig_to = field(rest, "orig_to=");
  std::string relay = field(rest, "relay=");
  event.relay = relay.substr(0, relay.find('['));
  event.dsn = field(rest, "dsn=");
  event.status = field(rest, "status=");
  if (event.recipient.empty() || event.status.empty()) return std::nullopt;
  // "status=bounced (host mx[1.2.3.4] said: 550 5.1.1 ... (in reply to RCPT TO command))"
  if (const size_t open = rest.find(" (", rest.find("status=")); open != std::string_view::npos) {
    std::string_view reply = rest.substr(open + 2);
    if (reply.ends_with(")")) reply.remove_suffix(1);
    if (const size_t said = reply.find(" said: ");
        said != std::string_view::npos && reply.starts_with("host ")) {
      reply.remove_prefix(said + 7);
    }
    if (const size_t in_reply = reply.rfind(" (in reply to "); in_reply != std::string_view::npos) {
      reply = reply.substr(0, in_reply);
    }
    event.reply = std::string(reply);
    if (reply.size() >= 3 && (reply[0] == '2' || reply[0] == '4' || reply[0] == '5') &&
        std::isdigit(static_cast<unsigned char>(reply[1])) &&
        std::isdigit(static_cast<unsigned char>(reply[2])) &&
        (reply.size() == 3 || reply[3] == ' ' || reply[3] == '-')) {
      event.reply_code = std::string(reply.substr(0, 3));
    }
  }
  return event;
}

}  // namespace bounced::store
