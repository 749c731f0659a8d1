#include "codec.hpp"

#include <glib.h>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <memory>

namespace bounced::store {

std::string sha256_hex(std::string_view bytes) {
  std::unique_ptr<gchar, decltype(&g_free)> hex(
      g_compute_checksum_for_data(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(bytes.data()),
                                  bytes.size()),
      g_free);
  return hex.get();
}

std::optional<std::string> sha256_hex_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::unique_ptr<GChecksum, decltype(&g_checksum_free)> checksum(g_checksum_new(G_CHECKSUM_SHA256),
                                                                  g_checksum_free);
  std::string block(64 * 1024, '\0');
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto n = in.gcount();
    if (n > 0) {
      g_checksum_update(checksum.get(), reinterpret_cast<const guchar*>(block.data()), n);
    }
  }
  if (in.bad()) return std::nullopt;
  return std::string(g_checksum_get_string(checksum.get()));
}

namespace {

// The smallest deflate window (2^bits bytes, 9-15) that holds the whole input: a window no
// larger than the input finds every match the 32 KiB default would.
int window_bits_for(size_t size) {
  int bits = 9;
  while (bits < 15 && (size_t{1} << bits) < size) ++bits;
  return bits;
}

}  // namespace

// Z_BEST_SPEED: the raw mail is kept only for the retention period, for reclassify; level 1 is
// several times faster than the default 6 for a few percent more bytes, and compression runs
// once per ingested mail. The window and the hash table are sized to the input: compress2's
// defaults allocate ~270 KB of state and clear 64 KiB of hash heads for every call, for a 2 KB
// bounce. Any inflate reads the result: the zlib header says the window it was written with.
std::string compress(std::string_view bytes) {
  const int bits = window_bits_for(bytes.size());
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, bits, std::clamp(bits - 7, 2, 8),
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return "";
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int code = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (code != Z_STREAM_END) return "";
  return out;
}

std::optional<std::string> decompress(std::string_view compressed) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return std::nullopt;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[65536];
  int code = Z_OK;
  while (code == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    code = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  inflateEnd(&stream);
  if (code != Z_STREAM_END) return std::nullopt;
  return out;
}

std::string to_hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  auto value = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(value(hex[i]) * 16 + value(hex[i + 1])));
  }
  return out;
}

}  // namespace bounced::store
