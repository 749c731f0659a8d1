// systemd's notification protocol (Type=notify) through libsystemd: READY=1 once the sources
// run, STATUS= with the queue gauges, RELOADING=1 around a SIGHUP, STOPPING=1, and WATCHDOG=1
// while the writer is alive. Without $NOTIFY_SOCKET (not started by systemd) every call does
// nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace bounced::daemon::service {

class SystemdNotifier {
 public:
  void ready(const std::string& status) const;
  void status(const std::string& status) const;
  void reloading() const;
  void stopping() const;
  void watchdog() const;
  // The watchdog interval systemd expects pings within (WatchdogSec=), if enabled.
  std::optional<std::chrono::microseconds> watchdog_interval() const;
};

}  // namespace bounced::daemon::service
