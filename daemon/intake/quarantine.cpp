#include "intake/quarantine.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "codec.hpp"
#include "intake/file_descriptor.hpp"

namespace bounced::daemon::intake {

namespace fs = std::filesystem;

namespace {

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Writes `target` through a temporary name and fsync, so a crash leaves either the whole file or
// none. `fill` writes the content into the descriptor.
template <typename Fill>
bool write_durably(const fs::path& target, Fill&& fill, std::string& error) {
  const fs::path temporary = target.parent_path() / (".tmp." + target.filename().string());
  {
    FileDescriptor out(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!out.ok()) {
      error = errno_text(temporary.string());
      return false;
    }
    if (!fill(out.get(), error)) {
      ::unlink(temporary.c_str());
      return false;
    }
    if (::fsync(out.get()) != 0) {
      error = errno_text("fsync " + temporary.string());
      ::unlink(temporary.c_str());
      return false;
    }
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    error = errno_text("rename " + temporary.string());
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

bool sync_directory(const fs::path& dir, std::string& error) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok() || ::fsync(fd.get()) != 0) {
    error = errno_text("fsync " + dir.string());
    return false;
  }
  return true;
}

std::string reason_text(std::string_view source, std::string_view name, std::string_view reason) {
  std::string text;
  text.append("source: ").append(source).append("\nname: ").append(name);
  text.append("\nreason: ").append(reason).append("\n");
  return text;
}

// The copy (written by fill), its reason beside it, then the directory: all durable.
template <typename Fill>
std::optional<std::string> keep_durably(const std::string& dir, const std::string& hash,
                                        Fill&& fill, const std::string& why, std::string& error) {
  std::error_code code;
  fs::create_directories(dir, code);
  if (code) {
    error = dir + ": " + code.message();
    return std::nullopt;
  }
  const fs::path copy = fs::path(dir) / (hash + ".eml");
  const fs::path reason = copy.string() + ".reason";
  const bool written = write_durably(copy, fill, error) &&
                       write_durably(
                           reason,
                           [&](int fd, std::string& e) {
                             if (write_all(fd, why)) return true;
                             e = errno_text(reason.string());
                             return false;
                           },
                           error) &&
                       sync_directory(dir, error);
  if (!written) return std::nullopt;
  return copy.string();
}

}  // namespace

std::optional<std::string> Quarantine::keep(std::string_view bytes, std::string_view source,
                                            std::string_view name, std::string_view reason,
                                            std::string& error) const {
  return keep_durably(
      dir_, store::sha256_hex(bytes),
      [&](int fd, std::string& e) {
        if (write_all(fd, bytes)) return true;
        e = errno_text("write to " + dir_);
        return false;
      },
      reason_text(source, name, reason), error);
}

std::optional<std::string> Quarantine::keep_file(const std::string& path, std::string_view source,
                                                 std::string_view name, std::string_view reason,
                                                 std::string& error) const {
  std::string key(source);
  key.append("/").append(name);
  return keep_durably(
      dir_, store::sha256_hex(key),
      [&](int fd, std::string& e) {
        FileDescriptor in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!in.ok()) {
          e = errno_text(path);
          return false;
        }
        std::array<char, 65536> buffer;
        for (;;) {
          const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) {
            e = errno_text(path);
            return false;
          }
          if (n == 0) return true;
          if (!write_all(fd, std::string_view(buffer.data(), static_cast<size_t>(n)))) {
            e = errno_text("write to " + dir_);
            return false;
          }
        }
      },
      reason_text(source, name, reason), error);
}

}  // namespace bounced::daemon::intake
