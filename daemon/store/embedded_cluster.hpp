// A private PostgreSQL cluster under bounced's state directory, for when no database is
// configured: initdb on first use, pg_ctl start listening only on a Unix socket in the same
// directory (listen_addresses = ''), and pg_ctl stop when the object goes away. A cluster that
// was already running (another bounced process) is used but left running.
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
};

class EmbeddedCluster {
 public:
  // Creates (if needed) and starts the cluster; the database `bounced` exists afterwards.
  static Result<std::unique_ptr<EmbeddedCluster>> start(const EmbeddedClusterOptions& options);
  ~EmbeddedCluster();  // stops the server if this object started it
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  // libpq conninfo for a database of this cluster.
  std::string conninfo(const std::string& database = "bounced") const;
  const std::string& socket_dir() const { return socket_dir_; }

  // Stops now ("immediate": as if the server crashed). Used by tests of a vanishing database.
  Status stop(bool immediate = false);
  Status restart();

 private:
  EmbeddedCluster() = default;
  Status run_pg_ctl(const std::vector<std::string>& args) const;

  std::string bin_dir_;
  std::string data_dir_;
  std::string socket_dir_;
  std::string log_file_;
  std::string run_as_;
  bool unsafe_fast_ = false;
  bool started_by_us_ = false;
  bool running_ = false;
};

}  // namespace bounced::store
