// The running sources by name, so each message goes back to the source it came from
// (IncomingMessage::source) to be acknowledged or released.
#pragma once

#include <map>
#include <string>

#include "intake/source.hpp"

namespace bounced::daemon::service {

class SourceDirectory {
 public:
  void add(intake::Source& source) { sources_[source.name()] = &source; }

  // Unknown names are a bug of ours: every pushed message names its source.
  intake::Source& of(const intake::IncomingMessage& message) const {
    return *sources_.at(message.source);
  }

 private:
  std::map<std::string, intake::Source*> sources_;
};

}  // namespace bounced::daemon::service
