#include "embedded_cluster.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
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

// An exclusive flock on a file for as long as the object lives.
class ExclusiveLock {
 public:
  explicit ExclusiveLock(const fs::path& path)
      : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    while (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~ExclusiveLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

// The owner file: "<pid> <start time>" of the owning process, or "handover" once the owner left
// the server to its other users.
constexpr const char* kHandover = "handover";

std::string this_process() {
  const long pid = static_cast<long>(::getpid());
  return std::to_string(pid) + " " + process_start_time(pid);
}

enum class Owner { me, alive, dead, handed_over };

Owner read_owner(const fs::path& file) {
  std::ifstream in(file);
  long pid = 0;
  std::string start;
  std::string first;
  if (!(in >> first)) return Owner::dead;  // none: a server started by hand or by an old bounced
  if (first == kHandover) return Owner::handed_over;
  try {
    pid = std::stol(first);
  } catch (const std::exception&) {
    return Owner::dead;
  }
  in >> start;
  if (pid == static_cast<long>(::getpid()) && start == process_start_time(pid)) return Owner::me;
  return !start.empty() && process_start_time(pid) == start ? Owner::alive : Owner::dead;
}

void write_owner(const fs::path& file, const std::string& text) {
  const fs::path temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text << "\n";
  }
  fs::rename(temporary, file);
}

// A value for the shell that pg_ctl hands its -o options to.
std::string shell_quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

// Passed at every start: no TCP listener, the socket where bounced looks for it, and sizes for a
// bounce store rather than for a 1990s machine.
std::string server_options(const std::string& socket_dir, bool unsafe_fast) {
  // unix_socket_directories is a list: double quotes keep a path with a comma or space whole.
  std::string directory = "\"";
  for (char c : socket_dir) {
    if (c == '"') directory.push_back('"');
    directory.push_back(c);
  }
  directory += "\"";
  std::string options = "-c listen_addresses='' -c " +
                        shell_quoted("unix_socket_directories=" + directory) +
                        " -c max_connections=40 -c shared_buffers=128MB -c max_wal_size=2GB"
                        " -c timezone=UTC";
  // fsync off survives a server crash (the OS still has the data) but not a machine crash.
  // synchronous_commit stays on: with it off, an immediate stop loses committed work.
  if (unsafe_fast) options += " -c fsync=off -c full_page_writes=off";
  return options;
}

}  // namespace

Result<std::unique_ptr<EmbeddedCluster>> EmbeddedCluster::start(
    const EmbeddedClusterOptions& options) {
  std::unique_ptr<EmbeddedCluster> cluster(new EmbeddedCluster());
  const fs::path base = fs::absolute(options.directory);
  cluster->base_dir_ = base.string();
  cluster->bin_dir_ = options.bin_dir.empty() ? find_bin_dir() : options.bin_dir;
  cluster->data_dir_ = (base / "data").string();
  cluster->socket_dir_ = base.string();
  cluster->log_file_ = (base / "server.log").string();
  cluster->unsafe_fast_ = options.unsafe_fast;
  cluster->daemon_ = options.daemon;
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

  // One process at a time from here to a running server: no double initdb, no double start.
  ExclusiveLock starting(base / "start.lock");
  if (!starting.ok()) {
    return StoreError{StoreError::Kind::setup, (base / "start.lock").string() + ": cannot open"};
  }
  cluster->users_fd_ = ::open((base / "users.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (cluster->users_fd_ < 0 || ::flock(cluster->users_fd_, LOCK_SH) != 0) {
    return StoreError{StoreError::Kind::setup, (base / "users.lock").string() + ": cannot lock"};
  }

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
  }

  const fs::path owner_file = base / "owner";
  if (!cluster->server_running()) {
    if (Status s = cluster->start_server(); !ok(s)) return std::get<StoreError>(s);
    write_owner(owner_file, this_process());
    cluster->owner_ = true;
  } else if (options.daemon && read_owner(owner_file) == Owner::dead) {
    // Its owner was killed without handing it over: this daemon stops it when done.
    write_owner(owner_file, this_process());
    cluster->owner_ = true;
  }

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
  release();
}

void EmbeddedCluster::release() {
  if (released_ || users_fd_ < 0) return;
  released_ = true;
  const fs::path base(base_dir_);
  ExclusiveLock starting(base / "start.lock");
  const fs::path owner_file = base / "owner";
  const Owner owner = read_owner(owner_file);
  const bool responsible =
      owner == Owner::me || owner == Owner::handed_over || (daemon_ && owner == Owner::dead);
  if (responsible) {
    // Exclusive only when no other process holds its shared lock: nobody else uses the server.
    if (::flock(users_fd_, LOCK_EX | LOCK_NB) == 0) {
      if (server_running()) (void)run_pg_ctl({"stop", "-w", "-t", "60", "-m", "fast"});
      std::error_code error;
      fs::remove(owner_file, error);
    } else if (owner == Owner::me) {
      write_owner(owner_file, kHandover);
    }
  }
  ::close(users_fd_);
  users_fd_ = -1;
}

std::string EmbeddedCluster::conninfo(const std::string& database) const {
  return "host=" + quoted(socket_dir_) + " dbname=" + quoted(database) + " user=bounced";
}

bool EmbeddedCluster::server_running() const {
  return run_process({program(bin_dir_, "pg_ctl"), "status", "-D", data_dir_}, run_as_)
             .exit_status == 0;
}

Status EmbeddedCluster::start_server() const {
  return run_pg_ctl({"start", "-w", "-t", "60", "-l", log_file_, "-o",
                     server_options(socket_dir_, unsafe_fast_)});
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
  if (!server_running()) return Done{};
  return run_pg_ctl({"stop", "-w", "-t", "60", "-m", immediate ? "immediate" : "fast"});
}

Status EmbeddedCluster::restart() {
  if (server_running()) return Done{};
  return start_server();
}

}  // namespace bounced::store
