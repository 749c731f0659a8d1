// A private PostgreSQL cluster under bounced's state directory, for when no database is
// configured: initdb on first use, pg_ctl start listening only on a Unix socket in the same
// directory, pg_ctl stop when its owner is done with it.
//
// Several bounced processes share it (the daemon, cron jobs, a postmaster's one-shot commands),
// so who stops it is decided, not guessed:
// - Start-up is serialised by an exclusive flock on <dir>/start.lock: two processes never both
//   run initdb or pg_ctl start.
// - Every process using the cluster holds a shared flock on <dir>/users.lock for as long as it
//   does; the kernel drops it when the process dies, however it dies.
// - The process that started the server is its owner (<dir>/owner: pid and start time). A
//   process that finds the server running connects and does not stop it. The owner stops it
//   when done, unless other processes still use it: then ownership is handed over (the owner
//   file says so) and the last user to leave stops it.
// - A daemon (`bounced run`) adopts a server whose owner died without handing it over (killed
//   with SIGKILL): it becomes the owner and stops it when done. One-shot commands just use it.
// - The server settings (no TCP listener, the socket directory, memory) are passed on the
//   command line at every start (pg_ctl -o), not written into postgresql.conf, so a moved
//   state directory or a new bounced version starts the server with the right ones.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store_error.hpp"

namespace bounced::store {

struct EmbeddedClusterOptions {
  std::string directory;  // holds data/, the socket and server.log
  std::string bin_dir;    // initdb/pg_ctl; "" = newest /usr/lib/postgresql/*/bin, then PATH
  // The account the server runs as when we are root ("" = postgres). Ignored when not root.
  std::string root_run_as = "postgres";
  // Faster and unsafe on power loss: for tests and benchmarks only.
  bool unsafe_fast = false;
  // A daemon adopts a running server whose owner died (see above).
  bool daemon = false;
};

class EmbeddedCluster {
 public:
  // Creates (if needed) and starts the cluster; the database `bounced` exists afterwards.
  static Result<std::unique_ptr<EmbeddedCluster>> start(const EmbeddedClusterOptions& options);
  ~EmbeddedCluster();  // release()
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  // libpq conninfo for a database of this cluster.
  std::string conninfo(const std::string& database = "bounced") const;
  const std::string& socket_dir() const { return socket_dir_; }
  // This process owns the server: it started or adopted it.
  bool started_by_us() const { return owner_; }

  // Done with the cluster: as the owner (or, for a daemon, with the owner dead), stops the
  // server if no other process uses it, else hands it over; otherwise leaves it running. Safe
  // to call twice; the destructor calls it.
  void release();

  // Stops now, whoever uses it ("immediate": as if the server crashed). Used by tests of a
  // vanishing database.
  Status stop(bool immediate = false);
  Status restart();

 private:
  EmbeddedCluster() = default;
  Status run_pg_ctl(const std::vector<std::string>& args) const;
  Status start_server() const;
  bool server_running() const;

  std::string base_dir_;
  std::string bin_dir_;
  std::string data_dir_;
  std::string socket_dir_;
  std::string log_file_;
  std::string run_as_;
  bool unsafe_fast_ = false;
  bool daemon_ = false;
  bool owner_ = false;
  bool released_ = false;
  int users_fd_ = -1;  // shared flock on users.lock while we use the cluster
};

}  // namespace bounced::store
