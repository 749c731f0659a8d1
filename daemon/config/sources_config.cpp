#include "config/sources_config.hpp"

#include <set>

#include "config/section_reader.hpp"

namespace bounced::daemon {

namespace {

void read_maildir(SectionReader& r, const YAML::Node& node, const std::string& section,
                  MaildirSourceConfig& out) {
  r.warn_unknown(
      node, {"name", "type", "path", "processed_folder", "not_bounce_folder", "stale_claim_after"},
      section);
  r.path(node, "path", out.path);
  if (out.path.empty()) r.error(node, section + ": a maildir source needs a path");
  std::string folder;
  if (r.string(node, "processed_folder", folder)) out.processed_folder = folder;
  r.string(node, "not_bounce_folder", out.not_bounce_folder);
  for (const auto* name : {&folder, &out.not_bounce_folder}) {
    if (name->find('/') != std::string::npos) {
      r.error(node, section + ": a folder is a Maildir++ name like .Processed, not a path");
    }
  }
  r.duration(node, "stale_claim_after", out.stale_claim_after, std::chrono::seconds(10));
}

void read_maillog(SectionReader& r, const YAML::Node& node, const std::string& section,
                  MaillogSourceConfig& out) {
  r.warn_unknown(
      node, {"name", "type", "path", "max_open_queue_ids", "queue_id_max_age", "poll_interval"},
      section);
  r.path(node, "path", out.path);
  if (out.path.empty()) r.error(node, section + ": a maillog source needs a path");
  r.integer(node, "max_open_queue_ids", out.max_open_queue_ids, 100);
  r.duration(node, "queue_id_max_age", out.queue_id_max_age, std::chrono::seconds(3600));
  r.duration(node, "poll_interval", out.poll_interval, std::chrono::milliseconds(10));
}

void read_sources(SectionReader& r, const YAML::Node& sources, std::vector<SourceConfig>& out) {
  if (!sources.IsSequence()) {
    if (!sources.IsNull()) r.error(sources, "sources must be a list");
    return;
  }
  std::set<std::string> names;
  size_t index = 0;
  for (const auto& node : sources) {
    SourceConfig source;
    source.location = r.where(node);
    const std::string section = "sources[" + std::to_string(index++) + "]";
    if (!r.map(node, section)) continue;
    r.string(node, "type", source.type);
    source.name = source.type;
    r.string(node, "name", source.name);
    if (source.type == "maildir") {
      read_maildir(r, node, section, source.maildir);
    } else if (source.type == "maillog") {
      read_maillog(r, node, section, source.maillog);
    } else if (source.type == "imap" || source.type == "milter") {
      source.options.reset(node);  // shared, not cloned: a clone loses the line numbers
    } else {
      r.error(node["type"] ? node["type"] : node,
              section + ": type must be maildir, imap, milter or maillog");
      continue;
    }
    // The name tells the sources apart in logs and in bounce_messages.source.
    if (!names.insert(source.name).second) {
      r.error(node, section + ": another source is already named '" + source.name + "'");
    }
    out.push_back(std::move(source));
  }
}

void read_log(SectionReader& r, const YAML::Node& node, LogConfig& out) {
  if (!r.map(node, "log")) return;
  r.warn_unknown(node, {"format", "level", "metrics_interval"}, "log");
  std::string format;
  if (r.string(node, "format", format)) {
    if (format == "logfmt") {
      out.format = LogFormat::logfmt;
    } else if (format == "json") {
      out.format = LogFormat::json;
    } else {
      r.error(node["format"], "log.format must be logfmt or json");
    }
  }
  if (r.string(node, "level", out.level)) {
    static const std::set<std::string> levels = {"debug", "info", "warning", "error"};
    if (!levels.contains(out.level)) {
      r.error(node["level"], "log.level must be debug, info, warning or error");
    }
  }
  r.duration(node, "metrics_interval", out.metrics_interval, std::chrono::seconds(1));
}

void read_pipeline(SectionReader& r, const YAML::Node& node, PipelineConfig& out) {
  if (!r.map(node, "pipeline")) return;
  r.warn_unknown(node,
                 {"workers", "queue_messages", "queue_bytes", "batch_size", "commit_interval",
                  "drain_timeout", "retry_initial", "retry_max"},
                 "pipeline");
  r.integer(node, "workers", out.workers, 0);
  r.integer(node, "queue_messages", out.queue_messages, 1);
  r.integer(node, "queue_bytes", out.queue_bytes, 65536);
  if (node["batch_size"]) {
    std::size_t batch = 0;
    r.integer(node, "batch_size", batch, 1);
    if (batch > 0) out.batch_size = batch;
  }
  r.duration(node, "commit_interval", out.commit_interval, std::chrono::milliseconds(1));
  r.duration(node, "drain_timeout", out.drain_timeout, std::chrono::seconds(1));
  r.duration(node, "retry_initial", out.retry_initial, std::chrono::milliseconds(10));
  r.duration(node, "retry_max", out.retry_max, std::chrono::seconds(1));
}

}  // namespace

void read_daemon_config(const YAML::Node& root, const std::string& file, DaemonConfig& config,
                        std::vector<ConfigMessage>& messages) {
  SectionReader r(file, messages);
  if (const YAML::Node sources = root["sources"]) read_sources(r, sources, config.sources);
  if (const YAML::Node log = root["log"]) read_log(r, log, config.log);
  if (const YAML::Node pipeline = root["pipeline"]) read_pipeline(r, pipeline, config.pipeline);
}

}  // namespace bounced::daemon
