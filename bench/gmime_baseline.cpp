// The floor under `bounced classify`: GMime alone parsing and freeing the same messages from
// memory, one thread. BENCHMARKS.md compares the pipeline's rate with this one.
//
// usage: bounced_gmime_baseline DIR [REPEAT]
#include <gmime/gmime.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [REPEAT]\n", argv[0]);
    return 2;
  }
  const int repeat = argc > 2 ? std::atoi(argv[2]) : 55;
  g_mime_init();
  std::vector<std::string> messages;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (entry.path().extension() != ".eml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    messages.push_back(text.str());
  }
  const auto start = std::chrono::steady_clock::now();
  size_t parsed = 0;
  for (int r = 0; r < repeat; ++r) {
    for (const auto& bytes : messages) {
      GMimeStream* stream = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
      GMimeParser* parser = g_mime_parser_new_with_stream(stream);
      GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
      if (message != nullptr) {
        ++parsed;
        g_object_unref(message);
      }
      g_object_unref(parser);
      g_object_unref(stream);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu messages parsed and freed in %.3f s: %.0f messages/s\n", parsed, seconds,
              static_cast<double>(parsed) / seconds);
  return 0;
}
