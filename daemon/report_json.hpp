// The JSON shape of a classified message (one line of `bounced classify --format jsonl`), shared
// by the CLI, the HTTP API and webhooks.
#pragma once

#include <nlohmann/json.hpp>

#include "pipeline.hpp"

namespace bounced::daemon {

nlohmann::json to_json(const ClassifiedMessage& message);

}  // namespace bounced::daemon
