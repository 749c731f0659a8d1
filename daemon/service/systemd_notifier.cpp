#include "service/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

namespace bounced::daemon::service {

void SystemdNotifier::ready(const std::string& status) const {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void SystemdNotifier::status(const std::string& status) const {
  sd_notify(0, ("STATUS=" + status).c_str());
}

void SystemdNotifier::reloading() const {
  sd_notify(0, "RELOADING=1");
}

void SystemdNotifier::stopping() const {
  sd_notify(0, "STOPPING=1");
}

void SystemdNotifier::watchdog() const {
  sd_notify(0, "WATCHDOG=1");
}

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_interval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

}  // namespace bounced::daemon::service
