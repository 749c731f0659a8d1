// From the fields of a message/delivery-status part to per-recipient results (RFC 3464 2.3).
#pragma once

#include <vector>

#include "delivery_status.hpp"
#include "report.hpp"

namespace bounced::classifiers {

// One RecipientStatus per recipient block that names an address. A generic "Status: 5.0.0" is
// replaced by the more specific code of the same class found in the Diagnostic-Code.
std::vector<RecipientStatus> read_delivery_status(const DeliveryStatus& status);

// True when every recipient was delivered, relayed or expanded: a success DSN.
bool all_delivered(const std::vector<RecipientStatus>& recipients);

}  // namespace bounced::classifiers
