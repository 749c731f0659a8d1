// Bytes in and out of the database: the fingerprint that makes replays idempotent and the
// compression of stored raw bounces.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bounced::store {

// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);
// The same of a file's content, read in blocks (for mail too large to hold); nullopt when it
// cannot be read.
std::optional<std::string> sha256_hex_of_file(const std::string& path);

// zlib (deflate, level 1, a window fitted to the input) and back; nullopt when the input is
// not zlib data.
std::string compress(std::string_view bytes);
std::optional<std::string> decompress(std::string_view compressed);

std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);

}  // namespace bounced::store
