#include "smtp_command.hpp"

#include <re2/re2.h>

namespace bounced::rules {

namespace {

std::string canonical(std::string word) {
  for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (word.starts_with("RCPT")) return "RCPT";
  if (word.starts_with("MAIL")) return "MAIL";
  if (word.starts_with("HELO") || word.starts_with("EHLO")) return "HELO";
  if (word.find("DATA") != std::string::npos || word.starts_with("END OF") ||
      word.starts_with("BDAT")) {
    return "DATA";
  }
  if (word.starts_with("CONN") || word.starts_with("INITIAL") || word.starts_with("GREETING")) {
    return "CONN";
  }
  return {};
}

}  // namespace

std::string find_smtp_command(std::string_view text) {
  // Most diagnostics name no command: skip the regexes unless a marker word is there at all.
  const bool has_transcript = text.find(">>>") != std::string_view::npos;
  bool has_prose = false;
  for (std::string_view marker : {"reply to", "after ", "like our", "command", "ommand", "sent:"}) {
    if (text.find(marker) != std::string_view::npos) {
      has_prose = true;
      break;
    }
  }
  if (!has_transcript && !has_prose) return {};
  // The last transcript command before the reply is the one that failed, so transcripts are read
  // for their last ">>>" line; the prose forms name the command once.
  static const re2::RE2 prose(
      R"((?i)(?:in reply to (?:the )?|after (?:pipelined )?|did not like our |SMTP command:? ?|\bsent: |while (?:sending|talking)[^:]*?: ?>>> ?)(RCPT TO|MAIL FROM|end of data|end of DATA|DATA|final DATA|initial connection|HELO|EHLO|BDAT|connection greeting))");
  static const re2::RE2 transcript(R"((?im)^ *>>> ?(RCPT|MAIL|DATA|EHLO|HELO|BDAT)\b)");
  // In a transcript the failing command is the last ">>>" before the first 4xx/5xx "<<<" reply.
  static const re2::RE2 error_reply(R"((?m)^ *<<< ?[45]\d\d)");
  // A transcript names its commands on ">>>" lines: without one, only the prose forms can match.
  if (!has_transcript) {
    std::string word;
    if (re2::RE2::PartialMatch(text, prose, &word)) return canonical(word);
    return {};
  }
  re2::StringPiece first_error;
  const size_t error_at = error_reply.Match(text, 0, text.size(), RE2::UNANCHORED, &first_error, 1)
                              ? static_cast<size_t>(first_error.data() - text.data())
                              : text.size();
  std::string last;
  size_t last_end = 0;
  re2::StringPiece input(text.data(), error_at);
  std::string word;
  while (re2::RE2::FindAndConsume(&input, transcript, &word)) {
    last = word;
    last_end = static_cast<size_t>(input.data() - text.data());
  }
  if (!last.empty()) {
    // With PIPELINING, Sendmail prints ">>> DATA" and then the replies to the pipelined RCPT TO
    // and to DATA: two or more "<<<" replies after DATA mean the first refused the recipient —
    // unless DATA was answered "354": then the message was refused after its end of data.
    const bool data_accepted = text.find("<<< 354", last_end) != std::string_view::npos;
    if (canonical(last) == "DATA" && !data_accepted) {
      size_t replies = 0;
      for (size_t at = text.find("<<<", last_end); at != std::string_view::npos;
           at = text.find("<<<", at + 3)) {
        ++replies;
      }
      if (replies >= 2) return "RCPT";
    }
    return canonical(last);
  }
  if (re2::RE2::PartialMatch(text, prose, &word)) return canonical(word);
  return {};
}

}  // namespace bounced::rules
