// RAII holders for GMime objects and the few tree walks the parsers need. GMime types do not
// leave the classifiers folder: callers get strings and value types back.
#pragma once

#include <gmime/gmime.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bounced::classifiers {

// Owns one GObject reference; copy is deleted so a reference is never dropped twice.
template <typename T>
class GObjectRef {
 public:
  GObjectRef() = default;
  explicit GObjectRef(T* object) : object_(object) {}
  GObjectRef(const GObjectRef&) = delete;
  GObjectRef& operator=(const GObjectRef&) = delete;
  GObjectRef(GObjectRef&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  GObjectRef& operator=(GObjectRef&& other) noexcept {
    if (this != &other) {
      reset();
      object_ = std::exchange(other.object_, nullptr);
    }
    return *this;
  }
  ~GObjectRef() { reset(); }

  T* get() const { return object_; }
  explicit operator bool() const { return object_ != nullptr; }
  void reset() {
    if (object_ != nullptr) g_object_unref(object_);
    object_ = nullptr;
  }

 private:
  T* object_ = nullptr;
};

// GMime keeps process-wide tables; initialise them once, thread-safely, before first use.
void ensure_gmime_initialized();

// Parses a whole message from memory. Returns an empty ref when GMime cannot find a message.
GObjectRef<GMimeMessage> parse_message(std::string_view bytes);

// Header value of an object, decoded to UTF-8 and unfolded; "" when absent.
std::string header_value(GMimeObject* object, const char* name);

// "type/subtype" lower-cased, e.g. "message/delivery-status".
std::string mime_type(GMimeObject* object);

// Decoded content of a leaf part: transfer encoding removed, and for text/* parts converted from
// its charset to UTF-8. Binary parts come back as bytes. Only the first max_bytes decoded bytes
// are read (*cut, when given, says whether there were more).
std::string part_text(GMimeObject* part, size_t max_bytes = SIZE_MAX, bool* cut = nullptr);

// The undecoded content of a leaf part (an attached message/rfc822 is such a leaf), up to
// max_bytes; with stop_at_blank_line, only up to the end of its first header block.
std::string part_content(GMimeObject* part, size_t max_bytes, bool stop_at_blank_line);

// Calls visit(part, depth) for every part of the message in document order, descending into
// multiparts but not into attached messages (message/rfc822 is reported as one part).
void for_each_part(GMimeObject* root, const std::function<void(GMimeObject*)>& visit);

// Converts bytes in an unknown or declared charset to valid UTF-8 (invalid sequences replaced).
std::string to_utf8(std::string_view bytes, const char* charset);

// Every header of an object as (name, decoded value) pairs in order.
std::vector<std::pair<std::string, std::string>> all_headers(GMimeObject* object);

}  // namespace bounced::classifiers
