#include "embedded_cluster.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "pq.hpp"
#include "process.hpp"

namespace bounced::store {

namespace fs = std::filesystem;

namespace {

// Debian installs each major version side by side; take the newest that has initdb.
std::string find_bin_dir() {
  std::vector<std::pair<int, std::string>> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
    const auto bin = entry.path() / "bin";
    if (!fs::exists(bin / "initdb")) continue;
    try {
      found.emplace_back(std::stoi(entry.path().filename().string()), bin.string());
    } catch (const std::exception&) {
    }
  }
  if (found.empty()) return "";  // rely on PATH
  std::sort(found.begin(), found.end());
  return found.back().second;
}

std::string program(const std::string& bin_dir, const std::string& name) {
  return bin_dir.empty() ? name : (fs::path(bin_dir) / name).string();
}

// A libpq conninfo value in single quotes, so paths with spaces survive.
std::string quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

Status make_private_dir(const fs::path& dir, const passwd* owner) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return StoreError{StoreError::Kind::setup, dir.string() + ": " + error.message()};
  if (owner && chown(dir.c_str(), owner->pw_uid, owner->pw_gid) != 0) {
    return StoreError{StoreError::Kind::setup,
                      dir.string() + ": cannot give it to " + std::string(owner->pw_name)};
  }
  chmod(dir.c_str(), 0700);
  return Done{};
}

}  // namespace

Result<std::unique_ptr<EmbeddedCluster>> EmbeddedCluster::start(
    const EmbeddedClusterOptions& options) {
  std::unique_ptr<EmbeddedCluster> cluster(new EmbeddedCluster());
  const fs::path base = fs::absolute(options.directory);
  cluster->bin_dir_ = options.bin_dir.empty() ? find_bin_dir() : options.bin_dir;
  cluster->data_dir_ = (base / "data").string();
  cluster->socket_dir_ = base.string();
  cluster->log_file_ = (base / "server.log").string();
  cluster->unsafe_fast_ = options.unsafe_fast;
  // A Unix socket path is limited to 107 bytes (sun_path); fail with a clear message instead of
  // the server's.
  if ((base / ".s.PGSQL.5432").string().size() > 100) {
    return StoreError{StoreError::Kind::setup,
                      base.string() + ": state directory path too long for a Unix socket"};
  }

  const passwd* owner = nullptr;
  if (geteuid() == 0) {
    cluster->run_as_ = options.root_run_as.empty() ? "postgres" : options.root_run_as;
    owner = getpwnam(cluster->run_as_.c_str());
    if (!owner) {
      return StoreError{StoreError::Kind::setup,
                        "running as root and there is no user '" + cluster->run_as_ +
                            "' to run PostgreSQL as (initdb and postgres refuse root)"};
    }
  }
  if (Status s = make_private_dir(base, owner); !ok(s)) return std::get<StoreError>(s);

  if (!fs::exists(fs::path(cluster->data_dir_) / "PG_VERSION")) {
    if (Status s = make_private_dir(cluster->data_dir_, owner); !ok(s)) {
      return std::get<StoreError>(s);
    }
    // Trust is safe here only because the server listens on nothing but a socket in a 0700
    // directory: whoever can reach the socket can already read the data files.
    std::vector<std::string> initdb = {program(cluster->bin_dir_, "initdb"),
                                       "-D",
                                       cluster->data_dir_,
                                       "--username=bounced",
                                       "--auth=trust",
                                       "--encoding=UTF8",
                                       "--no-locale"};
    if (options.unsafe_fast) initdb.push_back("--no-sync");
    ProcessResult init = run_process(initdb, cluster->run_as_);
    if (init.exit_status != 0) {
      return StoreError{StoreError::Kind::setup, "initdb failed: " + init.output};
    }
    std::ofstream conf(fs::path(cluster->data_dir_) / "postgresql.conf", std::ios::app);
    conf << "\n# Written by bounced: a private cluster reachable only through its socket.\n"
         << "listen_addresses = ''\n"
         << "unix_socket_directories = '" << cluster->socket_dir_ << "'\n"
         << "max_connections = 40\n"
         << "shared_buffers = 128MB\n"
         << "max_wal_size = 2GB\n"
         << "timezone = 'UTC'\n";
    // fsync off survives a server crash (the OS still has the data) but not a machine crash.
    // synchronous_commit stays on: with it off, an immediate stop loses committed work.
    if (options.unsafe_fast) conf << "fsync = off\nfull_page_writes = off\n";
    if (!conf) {
      return StoreError{StoreError::Kind::setup,
                        cluster->data_dir_ + ": cannot write postgresql.conf"};
    }
  }

  ProcessResult status = run_process(
      {program(cluster->bin_dir_, "pg_ctl"), "status", "-D", cluster->data_dir_}, cluster->run_as_);
  if (status.exit_status != 0) {
    if (Status s = cluster->run_pg_ctl({"start", "-w", "-t", "60", "-l", cluster->log_file_});
        !ok(s)) {
      return std::get<StoreError>(s);
    }
    cluster->started_by_us_ = true;
  }
  cluster->running_ = true;

  try {
    pqxx::connection admin(cluster->conninfo("postgres"));
    pqxx::nontransaction tx(admin);
    if (tx.exec_params("SELECT 1 FROM pg_database WHERE datname = 'bounced'").empty()) {
      tx.exec("CREATE DATABASE bounced");
    }
  } catch (const pqxx::failure& error) {
    return StoreError{StoreError::Kind::setup,
                      std::string("embedded cluster: cannot create database: ") + error.what()};
  }
  return cluster;
}

EmbeddedCluster::~EmbeddedCluster() {
  if (started_by_us_ && running_) (void)stop(false);
}

std::string EmbeddedCluster::conninfo(const std::string& database) const {
  return "host=" + quoted(socket_dir_) + " dbname=" + quoted(database) + " user=bounced";
}

Status EmbeddedCluster::run_pg_ctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {program(bin_dir_, "pg_ctl"), "-D", data_dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = run_process(argv, run_as_);
  if (result.exit_status != 0) {
    std::string log;
    std::ifstream in(log_file_);
    std::string line;
    while (std::getline(in, line)) log += line + "\n";
    if (log.size() > 2000) log = log.substr(log.size() - 2000);
    return StoreError{StoreError::Kind::setup,
                      "pg_ctl " + args.front() + " failed: " + result.output + "\n" + log};
  }
  return Done{};
}

Status EmbeddedCluster::stop(bool immediate) {
  if (!running_) return Done{};
  Status s = run_pg_ctl({"stop", "-w", "-t", "60", "-m", immediate ? "immediate" : "fast"});
  if (ok(s)) running_ = false;
  return s;
}

Status EmbeddedCluster::restart() {
  if (running_) return Done{};
  Status s = run_pg_ctl({"start", "-w", "-t", "60", "-l", log_file_});
  if (ok(s)) {
    running_ = true;
    started_by_us_ = true;
  }
  return s;
}

}  // namespace bounced::store
