#include "text_bounce_reader.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "smtp_reply.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

namespace {

// A diagnostic longer than this is prose we do not need; rules match on its start.
constexpr size_t kMaxDiagnostic = 1500;

const re2::RE2& address_pattern() {
  static const re2::RE2 pattern(
      R"(([A-Za-z0-9._%+\-=/!#$&'*^{|}~]+@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z0-9\-]{2,}))");
  return pattern;
}

// Lines that begin the returned original message's header block.
const re2::RE2& original_header_pattern() {
  static const re2::RE2 pattern(
      R"((?m)^(?:Return-Path|Received|DKIM-Signature|Message-I[Dd]|MIME-Version|X-Received|Authentication-Results): )");
  return pattern;
}

const re2::RE2& remote_host_pattern() {
  static const re2::RE2 pattern(
      R"((?i)(?:host|server|mta|by)\s+([a-z0-9][a-z0-9.\-]*\.[a-z]{2,})\.?\s*(?:\[|\())");
  return pattern;
}

// Addresses right after these words are senders or message ids, not failed recipients.
bool preceded_by_sender_context(std::string_view section, size_t at) {
  const size_t from = at >= 24 ? at - 24 : 0;
  const std::string before = to_lower(section.substr(from, at - from));
  for (std::string_view word :
       {"message-id", "mail from", "msgid", "in-reply-to", "references", "return-path",
        "envelope-from", "sender", "from:", "from=<", "mail from:<", "smtp.mailfrom"}) {
    if (before.find(word) != std::string::npos) return true;
  }
  return false;
}

bool is_system_mailbox(std::string_view address) {
  const std::string local = to_lower(address.substr(0, address.find('@')));
  // postmaster is left out on purpose: it is a real recipient often enough (RFC 5321 4.5.1).
  return local == "mailer-daemon" || local == "mail-daemon" || local == "mailerdaemon" ||
         local == "noreply" || local == "no-reply";
}

struct Occurrence {
  size_t begin;  // where the address (or recipient line) starts
  size_t end;    // where the explaining text after it starts
  std::string address;
  size_t line_begin = std::string_view::npos;  // start of its line, when prose precedes it there
};

// Collects occurrences that `keep` accepts until more than max_distinct addresses were seen:
// the parser refuses a report over its recipient limit, so the rest of a hostile body need not be
// read (nor held in memory).
class OccurrenceList {
 public:
  explicit OccurrenceList(size_t max_distinct) : max_distinct_(max_distinct) {}
  // False once full.
  bool add(Occurrence occurrence) {
    if (distinct_.insert(to_lower(occurrence.address)).second && distinct_.size() > max_distinct_) {
      full_ = true;
    }
    found_.push_back(std::move(occurrence));
    return !full_;
  }
  std::vector<Occurrence> take() && { return std::move(found_); }

 private:
  size_t max_distinct_;
  std::unordered_set<std::string> distinct_;
  std::vector<Occurrence> found_;
  bool full_ = false;
};

std::vector<Occurrence> occurrences_by_recipient_line(const re2::RE2& line_pattern,
                                                      std::string_view section,
                                                      size_t max_distinct) {
  OccurrenceList found(max_distinct);
  re2::StringPiece input(section.data(), section.size());
  re2::StringPiece groups[2];
  size_t offset = 0;
  while (offset < section.size() &&
         line_pattern.Match(input, offset, section.size(), RE2::UNANCHORED, groups, 2)) {
    const size_t begin = static_cast<size_t>(groups[0].data() - section.data());
    const size_t end = begin + groups[0].size();
    std::string address = normalize_address(std::string_view(groups[1].data(), groups[1].size()));
    if (!address.empty() && !found.add({begin, end, std::move(address)})) break;
    offset = end > offset ? end : offset + 1;
  }
  return std::move(found).take();
}

template <typename Keep>
std::vector<Occurrence> occurrences_by_address(std::string_view section, const Keep& keep,
                                               size_t max_distinct) {
  OccurrenceList found(max_distinct);
  re2::StringPiece input(section.data(), section.size());
  re2::StringPiece match;
  size_t offset = 0;
  size_t previous_end = 0;  // of the previous address found, kept or not
  size_t line_start = 0;    // of the line the last address was on
  size_t scanned = 0;       // line starts are known up to here (one pass, not one per address)
  while (offset < section.size() &&
         address_pattern().Match(input, offset, section.size(), RE2::UNANCHORED, &match, 1)) {
    size_t begin = static_cast<size_t>(match.data() - section.data());
    size_t end = begin + match.size();
    if (end < section.size() && section[end] == '>') ++end;
    if (begin > 0 && section[begin - 1] == '<') --begin;
    // "Unknown user: jane@example.org" puts the explanation before the address.
    if (begin > scanned) {
      const size_t newline = section.substr(scanned, begin - scanned).rfind('\n');
      if (newline != std::string_view::npos) line_start = scanned + newline + 1;
      scanned = begin;
    }
    const size_t from = begin == 0 ? 0 : line_start;
    const size_t prefix_begin =
        from >= previous_end && from < begin ? from : std::string_view::npos;
    Occurrence occurrence{
        begin, end, normalize_address(std::string_view(match.data(), match.size())), prefix_begin};
    previous_end = end;
    offset = end;
    if (keep(occurrence) && !found.add(std::move(occurrence))) break;
  }
  return std::move(found).take();
}

// Lower-cased addresses, for lookups that stay cheap when a hostile body names thousands.
std::unordered_set<std::string> lowered_set(const std::vector<std::string>& list) {
  std::unordered_set<std::string> set;
  for (const auto& address : list) set.insert(to_lower(address));
  return set;
}

// How much raw text one recipient's explanation gathers: far more than the diagnostic keeps after
// whitespace is collapsed, and a bound when one address is repeated throughout a large body.
constexpr size_t kMaxGathered = 64 * 1024;

void append_bounded(std::string& text, std::string_view piece) {
  if (text.size() >= kMaxGathered) return;
  if (!text.empty()) text.push_back(' ');
  text.append(piece.substr(0, kMaxGathered - std::min(text.size(), kMaxGathered)));
}

}  // namespace

std::string_view failure_section(const FormatCatalog& catalog, const TextBounceFormat* format,
                                 std::string_view body) {
  size_t begin = 0;
  if (format != nullptr && format->section_start) {
    re2::StringPiece match;
    if (format->section_start->Match(body, 0, body.size(), RE2::UNANCHORED, &match, 1)) {
      begin = static_cast<size_t>(match.data() - body.data()) + match.size();
    }
  }
  std::string_view rest = body.substr(begin);
  size_t end = rest.size();
  if (format != nullptr && format->section_end) {
    re2::StringPiece match;
    if (format->section_end->Match(rest, 0, rest.size(), RE2::UNANCHORED, &match, 1)) {
      end = static_cast<size_t>(match.data() - rest.data());
    }
  }
  end = std::min(end, catalog.find_original_marker(rest.substr(0, end)));
  re2::StringPiece header;
  if (original_header_pattern().Match(rest, 0, end, RE2::UNANCHORED, &header, 1)) {
    end = static_cast<size_t>(header.data() - rest.data());
  }
  return rest.substr(0, end);
}

std::vector<RecipientStatus> read_text_bounce(const FormatCatalog& catalog,
                                              const TextBounceFormat* format,
                                              const TextBounceInput& input) {
  const std::string_view section = failure_section(catalog, format, input.body);

  std::vector<Occurrence> occurrences;
  if (format != nullptr && format->recipient) {
    occurrences = occurrences_by_recipient_line(*format->recipient, section, input.max_recipients);
  }
  const bool by_line = !occurrences.empty();
  if (!by_line) {
    const auto failed = lowered_set(input.failed_recipients);
    const auto senders = lowered_set(input.sender_addresses);
    occurrences = occurrences_by_address(
        section,
        [&](const Occurrence& o) {
          if (o.address.empty()) return false;
          if (!failed.empty()) return failed.contains(to_lower(o.address));
          return !senders.contains(to_lower(o.address)) && !is_system_mailbox(o.address) &&
                 !preceded_by_sender_context(section, o.begin);
        },
        input.max_recipients);
  }

  // Everything below is linear in the number of occurrences: a body may name a hundred thousand
  // addresses (the recipient limit refuses such a report afterwards, in the parser).
  std::vector<std::string> lowered(occurrences.size());
  for (size_t i = 0; i < occurrences.size(); ++i) lowered[i] = to_lower(occurrences[i].address);
  // next_other[i]: the first later occurrence of another address.
  std::vector<size_t> next_other(occurrences.size() + 1, occurrences.size());
  for (size_t i = occurrences.size(); i-- > 1;) {
    next_other[i - 1] = lowered[i] != lowered[i - 1] ? i : next_other[i];
  }

  // Recipients in order of first appearance; X-Failed-Recipients wins when present.
  std::vector<std::string> recipients;
  std::unordered_map<std::string, std::vector<size_t>> mentions;  // lowered -> occurrences
  auto add_recipient = [&](const std::string& address) {
    if (mentions.try_emplace(to_lower(address)).second) recipients.push_back(address);
  };
  for (const auto& address : input.failed_recipients) add_recipient(address);
  for (const auto& o : occurrences) add_recipient(o.address);
  for (size_t i = 0; i < occurrences.size(); ++i) mentions[lowered[i]].push_back(i);

  std::vector<RecipientStatus> result;
  for (const auto& address : recipients) {
    std::string text;
    // Where the gathered text ends in the section: a later mention inside it (the address quoted
    // again in "RCPT TO:<...>" or the reply) has been read already and must not repeat it.
    size_t gathered_to = 0;
    for (const size_t i : mentions[to_lower(address)]) {
      if (!by_line && !text.empty() && occurrences[i].begin < gathered_to) continue;
      // The explanation runs to the next recipient (or, by line, the next recipient line).
      size_t stop = section.size();
      if (const size_t j = by_line ? i + 1 : next_other[i]; j < occurrences.size()) {
        stop = occurrences[j].line_begin != std::string_view::npos && !by_line
                   ? occurrences[j].line_begin
                   : occurrences[j].begin;
        if (stop < occurrences[i].end) stop = occurrences[j].begin;
      }
      // The first mention introduces the recipient; later ones sit inside replies
      // ("550 <jane@example.org>: User unknown") and keep the address so the reply reads whole.
      const size_t from = text.empty() || by_line ? occurrences[i].end : occurrences[i].begin;
      if (!by_line && occurrences[i].line_begin != std::string_view::npos) {
        const size_t prefix = std::max(occurrences[i].line_begin, gathered_to);
        if (occurrences[i].begin > prefix) {
          append_bounded(text, section.substr(prefix, occurrences[i].begin - prefix));
        }
      }
      if (by_line && format->diagnostic_on_recipient_line) {
        stop = std::min(stop, section.find('\n', from));
      }
      if (stop > from) append_bounded(text, section.substr(from, stop - from));
      gathered_to = std::max(gathered_to, stop);
      if (by_line || text.size() >= kMaxGathered) break;
    }
    // A bare address line ("<jane@example.org>") explains nothing: the reason is elsewhere in
    // the section (often the paragraph above it).
    const auto letters = std::count_if(text.begin(), text.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) & 0x80);
    });
    if (letters < 4 || occurrences.empty()) text = std::string(section.substr(0, kMaxGathered));
    // A lone recipient whose neighbourhood holds no SMTP reply ("Message details: RCPT TO: x")
    // is explained by the whole failure section, where the reply is.
    if (recipients.size() == 1 && rules::find_smtp_reply(text).reply_code.empty() &&
        !rules::find_smtp_reply(section).reply_code.empty()) {
      text = std::string(section.substr(0, kMaxGathered));
    }
    RecipientStatus status;
    status.address = address;
    status.action = format != nullptr ? format->action : "failed";
    status.diagnostic = collapse_whitespace(text);
    truncate_utf8(status.diagnostic, kMaxDiagnostic);
    // Read the reply before whitespace is folded: a reply without an enhanced code is known by
    // standing at the start of a line ("<<< 550 ...", "550 <jane@example.org>... User unknown").
    const rules::SmtpReply reply = rules::find_smtp_reply(text);
    status.reply_code = reply.reply_code;
    status.status = reply.status;
    std::string host;
    if (re2::RE2::PartialMatch(status.diagnostic, remote_host_pattern(), &host)) {
      status.remote_mta = to_lower(host);
    }
    result.push_back(std::move(status));
  }
  return result;
}

}  // namespace bounced::classifiers
