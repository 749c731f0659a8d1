#include "signal_guard.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>

#include <csignal>
#include <cstdint>

namespace bounced::daemon::cli {

namespace {

sigset_t guarded_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  return signals;
}

}  // namespace

SignalGuard::SignalGuard(store::EmbeddedCluster& cluster) : cluster_(cluster) {
  const sigset_t signals = guarded_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signals_ = intake::FileDescriptor(::signalfd(-1, &signals, SFD_CLOEXEC));
  wake_ = intake::FileDescriptor(::eventfd(0, EFD_CLOEXEC));
  thread_ = std::jthread([this](std::stop_token stop) { wait_for_signals(std::move(stop)); });
}

SignalGuard::~SignalGuard() {
  thread_.request_stop();
  const uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

void SignalGuard::on_signal(std::function<void()> stop) {
  std::lock_guard lock(mutex_);
  stop_ = std::move(stop);
}

void SignalGuard::wait_for_signals(std::stop_token stop) {
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{signals_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) <= 0 || fds[1].revents) continue;
    signalfd_siginfo info{};
    if (::read(signals_.get(), &info, sizeof info) != sizeof info) continue;
    {
      std::lock_guard lock(mutex_);
      if (stop_) {
        auto once = std::move(stop_);
        stop_ = nullptr;
        once();
        continue;
      }
    }
    cluster_.release();
    // Die of the signal, as the default action would have (exit status 128 + signal).
    const int signal = static_cast<int>(info.ssi_signo);
    std::signal(signal, SIG_DFL);
    sigset_t just_this;
    sigemptyset(&just_this);
    sigaddset(&just_this, signal);
    pthread_sigmask(SIG_UNBLOCK, &just_this, nullptr);
    ::raise(signal);
    ::_exit(128 + signal);
  }
}

}  // namespace bounced::daemon::cli
