// First-message latency and the cold-start cost: how long building the pipeline takes (rule pack
// loaded and compiled, format catalog loaded), how long the first message then takes, and how
// much more a first pass over a corpus costs than a second one over the same messages (RE2
// builds its DFA states lazily, on the texts it meets). With --warm, every rule's examples are
// run through the classifier first (Classifier::check_examples), as an eager warm-up would.
//
// usage: bounced_first_message [--warm] FIRST_MESSAGE [DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/runtime.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  bool warm = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--warm") == 0) {
      warm = true;
    } else {
      args.emplace_back(argv[i]);
    }
  }
  if (args.empty()) {
    std::fprintf(stderr, "usage: %s [--warm] FIRST_MESSAGE [DIR]\n", argv[0]);
    return 2;
  }
  const std::string first = read_all(args[0]);
  std::vector<std::string> corpus;
  if (args.size() > 1) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(args[1])) {
      if (entry.path().extension() == ".eml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) corpus.push_back(read_all(file));
  }

  const auto start = Clock::now();
  auto pipeline = bounced::daemon::cli::build_pipeline({});
  if (!pipeline) return 1;
  const double build_ms = ms_since(start);
  double warm_ms = 0;
  if (warm) {
    const auto warm_start = Clock::now();
    (void)pipeline->classifier().check_examples();
    warm_ms = ms_since(warm_start);
  }
  const auto first_start = Clock::now();
  const auto result = pipeline->run("first", first);
  const double first_ms = ms_since(first_start);
  // The same message again, now that its parse and rule paths are warm.
  const auto again_start = Clock::now();
  (void)pipeline->run("again", first);
  const double again_ms = ms_since(again_start);
  std::printf("pipeline built (rules loaded and compiled, formats loaded): %.1f ms\n", build_ms);
  if (warm) std::printf("rule examples run (warm-up): %.1f ms\n", warm_ms);
  std::printf("first message (%zu recipients): %.2f ms; the same message again: %.3f ms\n",
              result.recipients.size(), first_ms, again_ms);
  if (!corpus.empty()) {
    double pass_ms[2] = {0, 0};
    for (double& ms : pass_ms) {
      const auto pass_start = Clock::now();
      for (const auto& bytes : corpus) (void)pipeline->run("corpus", bytes);
      ms = ms_since(pass_start);
    }
    std::printf("%zu messages: first pass %.0f ms, second pass %.0f ms: cold cost %.0f ms\n",
                corpus.size(), pass_ms[0], pass_ms[1], pass_ms[0] - pass_ms[1]);
  }
  return 0;
}
