#include "mime_message.hpp"

#include <algorithm>
#include <mutex>

// Under AddressSanitizer, LeakSanitizer is told that GMime's one-time start-up allocations are
// not leaks (see below). Its suppression file cannot say so when the fast unwinder stops at
// GLib's g_malloc, as it does in the fuzz builds.
#if defined(__SANITIZE_ADDRESS__)
#define BOUNCED_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOUNCED_LSAN 1
#endif
#endif
#ifdef BOUNCED_LSAN
#include <sanitizer/lsan_interface.h>
#endif

namespace bounced::classifiers {

void ensure_gmime_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
#ifdef BOUNCED_LSAN
    __lsan_disable();
#endif
    g_mime_init();
    // bounced reads a returned original for its header block only. As leaf parts, attached
    // messages are not parsed into a MIME tree of their own, which was a third of the parse
    // and teardown time of a typical bounce. Set once, before any parse, never changed.
    // (GMime drops the entries it replaces here, 64 bytes once: not a leak, see BOUNCED_LSAN.)
    g_mime_object_register_type("message", "rfc822", GMIME_TYPE_PART);
    g_mime_object_register_type("message", "global", GMIME_TYPE_PART);
    // GMime parses these two as messages as well. bounced reads neither, and a message inside
    // them would hide its MIME structure from the limit scan (message_limits.cpp), which reads
    // only the header blocks of multipart parts.
    g_mime_object_register_type("message", "rfc2822", GMIME_TYPE_PART);
    g_mime_object_register_type("message", "news", GMIME_TYPE_PART);
#ifdef BOUNCED_LSAN
    __lsan_enable();
#endif
  });
}

GObjectRef<GMimeMessage> parse_message(std::string_view bytes) {
  ensure_gmime_initialized();
  GObjectRef<GMimeStream> stream(
      g_mime_stream_mem_new_with_buffer(bytes.data(), static_cast<size_t>(bytes.size())));
  GObjectRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  return GObjectRef<GMimeMessage>(g_mime_parser_construct_message(parser.get(), nullptr));
}

std::string header_value(GMimeObject* object, const char* name) {
  if (object == nullptr) return {};
  const char* value = g_mime_object_get_header(object, name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string mime_type(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (type == nullptr) return "text/plain";
  std::string result = std::string(g_mime_content_type_get_media_type(type)) + "/" +
                       g_mime_content_type_get_media_subtype(type);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

namespace {

// ISO-2022-JP is 7-bit, so Japanese text whose part declares no charset (or "us-ascii", as some
// Japanese gateways write) passes for ASCII with escape sequences in it ("ESC $ B ... ESC ( B").
// Those sequences name the charset on their own (RFC 1468).
bool has_iso2022jp_escapes(std::string_view bytes) {
  for (size_t at = bytes.find('\x1b'); at != std::string_view::npos && at + 2 < bytes.size();
       at = bytes.find('\x1b', at + 1)) {
    if (bytes[at + 1] == '$' && (bytes[at + 2] == 'B' || bytes[at + 2] == '@')) return true;
  }
  return false;
}

// Converters to UTF-8, opened once per charset and thread and kept: closing an iconv descriptor
// unloads glibc's gconv module for the charset when it was the last user, so opening one per
// part mapped and unmapped the module's shared object for every non-UTF-8 message (a tenth of
// the parse time). Bounded: a message cannot make a thread hold more than kMaxKept.
class ConverterCache {
 public:
  ConverterCache() = default;
  ConverterCache(const ConverterCache&) = delete;
  ConverterCache& operator=(const ConverterCache&) = delete;
  ~ConverterCache() {
    for (auto& [name, cd] : kept_) g_mime_iconv_close(cd);
  }

  // A descriptor in its initial shift state, or (iconv_t)-1; give it back with release().
  iconv_t acquire(const char* charset) {
    for (auto& [name, cd] : kept_) {
      if (g_ascii_strcasecmp(name.c_str(), charset) == 0) {
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
        return cd;
      }
    }
    iconv_t cd = g_mime_iconv_open("UTF-8", charset);
    if (cd != reinterpret_cast<iconv_t>(-1) && kept_.size() < kMaxKept) {
      kept_.emplace_back(charset, cd);
    }
    return cd;
  }

  void release(iconv_t cd) {
    for (const auto& kept : kept_) {
      if (kept.second == cd) return;
    }
    g_mime_iconv_close(cd);
  }

 private:
  static constexpr size_t kMaxKept = 16;
  std::vector<std::pair<std::string, iconv_t>> kept_;
};

ConverterCache& converters() {
  thread_local ConverterCache cache;
  return cache;
}

}  // namespace

std::string to_utf8(std::string_view bytes, const char* charset) {
  if ((charset == nullptr || g_ascii_strcasecmp(charset, "us-ascii") == 0) &&
      has_iso2022jp_escapes(bytes)) {
    charset = "iso-2022-jp";
  }
  if (charset != nullptr && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
      g_ascii_strcasecmp(charset, "us-ascii") != 0) {
    // GMime maps aliases (x-sjis, ks_c_5601-1987, ...) to names iconv knows.
    iconv_t cd = converters().acquire(charset);
    if (cd != reinterpret_cast<iconv_t>(-1)) {
      char* converted = g_mime_iconv_strndup(cd, bytes.data(), bytes.size());
      converters().release(cd);
      if (converted != nullptr) {
        std::string result(converted);
        g_free(converted);
        if (g_utf8_validate(result.data(), static_cast<gssize>(result.size()), nullptr)) {
          return result;
        }
      }
    }
  }
  if (g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr)) {
    return std::string(bytes);
  }
  // Undeclared 8-bit text: keep it readable rather than reject it.
  char* valid = g_utf8_make_valid(bytes.data(), static_cast<gssize>(bytes.size()));
  std::string result(valid);
  g_free(valid);
  return result;
}

namespace {

// A leaf part's content with its transfer encoding removed as it is read, so that only what is
// kept is decoded (a part of 30 MB of base64 costs no more than its first max_bytes); with
// stop_at_blank_line, only up to the end of its first header block. True when there was more.
bool read_content(GMimeObject* object, size_t max_bytes, bool stop_at_blank_line,
                  std::string& out) {
  if (!GMIME_IS_PART(object)) return false;
  GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(object));
  if (content == nullptr) return false;
  GMimeStream* raw = g_mime_data_wrapper_get_stream(content);
  if (raw == nullptr || g_mime_stream_reset(raw) != 0) return false;
  GObjectRef<GMimeStream> decoded(g_mime_stream_filter_new(raw));
  // RFC 2046 forbids encoding message/rfc822, but some MTAs do: it is decoded like any part.
  const GMimeContentEncoding encoding = g_mime_data_wrapper_get_encoding(content);
  if (encoding == GMIME_CONTENT_ENCODING_BASE64 ||
      encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
      encoding == GMIME_CONTENT_ENCODING_UUENCODE) {
    GMimeFilter* decoder = g_mime_filter_basic_new(encoding, FALSE);
    g_mime_stream_filter_add(GMIME_STREAM_FILTER(decoded.get()), decoder);
    g_object_unref(decoder);
  }
  char buffer[16384];
  while (out.size() <= max_bytes) {
    const gssize n = g_mime_stream_read(decoded.get(), buffer, sizeof(buffer));
    if (n <= 0) break;
    const size_t before = out.size();
    out.append(buffer, static_cast<size_t>(n));
    if (stop_at_blank_line) {
      // Look for the blank line from a little before the new chunk, in case it straddles.
      const size_t from = before > 3 ? before - 3 : 0;
      size_t end = out.find("\n\n", from);
      const size_t crlf = out.find("\r\n\r\n", from);
      if (crlf != std::string::npos && (end == std::string::npos || crlf < end)) end = crlf + 2;
      if (end != std::string::npos) {
        out.resize(end + 1);
        return false;
      }
    }
  }
  if (out.size() <= max_bytes) return false;
  out.resize(max_bytes);
  return true;
}

}  // namespace

std::string part_text(GMimeObject* object, size_t max_bytes, bool* cut) {
  std::string bytes;
  const bool more = read_content(object, max_bytes, false, bytes);
  if (cut != nullptr) *cut = more;
  if (!GMIME_IS_PART(object)) return {};
  GMimeContentType* type = g_mime_object_get_content_type(object);
  const char* charset = type ? g_mime_content_type_get_parameter(type, "charset") : nullptr;
  return to_utf8(bytes, charset);
}

std::string part_content(GMimeObject* part, size_t max_bytes, bool stop_at_blank_line) {
  std::string bytes;
  read_content(part, max_bytes, stop_at_blank_line, bytes);
  return bytes;
}

void for_each_part(GMimeObject* root, const std::function<void(GMimeObject*)>& visit) {
  if (root == nullptr) return;
  if (GMIME_IS_MULTIPART(root)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(root);
    const int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) {
      for_each_part(g_mime_multipart_get_part(multipart, i), visit);
    }
    return;
  }
  visit(root);
}

std::vector<std::pair<std::string, std::string>> all_headers(GMimeObject* object) {
  std::vector<std::pair<std::string, std::string>> result;
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  if (list == nullptr) return result;
  const int count = g_mime_header_list_get_count(list);
  result.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(list, i);
    const char* value = g_mime_header_get_value(header);
    result.emplace_back(g_mime_header_get_name(header), value ? value : "");
  }
  return result;
}

}  // namespace bounced::classifiers
