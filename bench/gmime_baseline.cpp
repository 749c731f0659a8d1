// The floor under `bounced classify`: GMime alone on the same messages, one thread, from memory
// (the files are read before the clock starts). Two figures:
//   parse   g_mime_parser_construct_message + unref
//   decode  the same, plus every leaf part decoded as GMime's own API gives it: a text part's
//           text in UTF-8 (g_mime_text_part_get_text: transfer encoding and charset), any
//           other part's content with its transfer encoding removed
// GMime's default type registry is used (attached messages are parsed as messages), as any
// program using GMime would. bench/run.sh prints bounced's rate against these.
//
// With --threads N the repeats are shared out over N threads of one process: how GMime itself
// scales across threads (GObject's global locks on object creation and finalization bound it).
//
// usage: bounced_gmime_baseline [--decode] [--repeat N] [--threads N] DIR|FILE...
//   directories are read for their *.eml files, non-recursively
#include <gmime/gmime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void decode_parts(GMimeObject* parent, GMimeObject* part, gpointer) {
  (void)parent;
  if (GMIME_IS_TEXT_PART(part)) {
    g_free(g_mime_text_part_get_text(GMIME_TEXT_PART(part)));
  } else if (GMIME_IS_PART(part)) {
    GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(part));
    if (content != nullptr) {
      GMimeStream* sink = g_mime_stream_null_new();
      g_mime_data_wrapper_write_to_stream(content, sink);
      g_object_unref(sink);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool decode = false;
  int repeat = 1;
  int threads = 1;
  std::vector<std::string> messages;
  size_t bytes = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--decode") == 0) {
      decode = true;
    } else if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::clamp(std::atoi(argv[++i]), 1, 64);
    } else if (std::filesystem::is_directory(argv[i])) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
        if (entry.path().extension() == ".eml") files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) messages.push_back(read_all(file));
    } else {
      messages.push_back(read_all(argv[i]));
    }
  }
  if (messages.empty()) {
    std::fprintf(stderr, "usage: %s [--decode] [--repeat N] [--threads N] DIR|FILE...\n", argv[0]);
    return 2;
  }
  for (const auto& m : messages) bytes += m.size();
  g_mime_init();
  const auto start = std::chrono::steady_clock::now();
  // Thread t takes the repeats t, t + threads, ...: every thread parses whole passes.
  std::vector<size_t> parsed_by(static_cast<size_t>(threads), 0);
  auto work = [&](int t) {
    for (int r = t; r < repeat; r += threads) {
      for (const auto& message_bytes : messages) {
        GMimeStream* stream =
            g_mime_stream_mem_new_with_buffer(message_bytes.data(), message_bytes.size());
        GMimeParser* parser = g_mime_parser_new_with_stream(stream);
        GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
        if (message != nullptr) {
          ++parsed_by[static_cast<size_t>(t)];
          if (decode) g_mime_message_foreach(message, decode_parts, nullptr);
          g_object_unref(message);
        }
        g_object_unref(parser);
        g_object_unref(stream);
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    for (int t = 1; t < threads; ++t) workers.emplace_back(work, t);
    work(0);
  }
  size_t parsed = 0;
  for (size_t n : parsed_by) parsed += n;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double total_bytes = static_cast<double>(bytes) * repeat;
  const std::string on =
      threads > 1 ? " on " + std::to_string(threads) + " threads" : std::string();
  std::printf("gmime %s%s: %zu messages in %.3f s: %.0f messages/s, %.1f MB/s\n",
              decode ? "parse+decode" : "parse", on.c_str(), parsed, seconds,
              static_cast<double>(parsed) / seconds, total_bytes / seconds / 1e6);
  return 0;
}
