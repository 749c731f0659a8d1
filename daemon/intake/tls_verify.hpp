// Server certificate verification for the IMAP source. libetpan's GnuTLS build completes the
// handshake without checking the peer at all (mailstream_ssl_set_server_certicate is a no-op
// there), so the source checks the chain itself, with GnuTLS's own verifier, after the
// handshake and before any credential is sent.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bounced::daemon::intake {

// Verifies the peer's chain (DER, leaf first) against ca_file (PEM; "" = the system trust
// store) for a TLS server named `host` (a DNS name or an IP literal). Returns why it is not
// trusted, or nullopt when it is.
std::optional<std::string> verify_server_certificate(const std::vector<std::string>& der_chain,
                                                     const std::string& host,
                                                     const std::string& ca_file);

}  // namespace bounced::daemon::intake
