#include "intake/tls_verify.hpp"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <memory>

namespace bounced::daemon::intake {

namespace {

struct TrustList {
  gnutls_x509_trust_list_t list = nullptr;
  ~TrustList() {
    if (list) gnutls_x509_trust_list_deinit(list, 1);
  }
};

struct Certificates {
  std::vector<gnutls_x509_crt_t> certs;
  ~Certificates() {
    for (auto cert : certs) gnutls_x509_crt_deinit(cert);
  }
};

std::string gnutls_message(int code) {
  return gnutls_strerror(code);
}

}  // namespace

std::optional<std::string> verify_server_certificate(const std::vector<std::string>& der_chain,
                                                     const std::string& host,
                                                     const std::string& ca_file) {
  if (der_chain.empty()) return "the server sent no certificate";
  Certificates chain;
  for (const auto& der : der_chain) {
    gnutls_x509_crt_t cert = nullptr;
    if (gnutls_x509_crt_init(&cert) < 0) return "cannot allocate a certificate";
    chain.certs.push_back(cert);
    gnutls_datum_t datum{reinterpret_cast<unsigned char*>(const_cast<char*>(der.data())),
                         static_cast<unsigned int>(der.size())};
    if (int r = gnutls_x509_crt_import(cert, &datum, GNUTLS_X509_FMT_DER); r < 0) {
      return "unreadable server certificate: " + gnutls_message(r);
    }
  }

  TrustList trust;
  if (int r = gnutls_x509_trust_list_init(&trust.list, 0); r < 0) {
    return "cannot set up the trust list: " + gnutls_message(r);
  }
  if (ca_file.empty()) {
    int r = gnutls_x509_trust_list_add_system_trust(trust.list, 0, 0);
    if (r <= 0) return "no system trust store found (set ca_file)";
  } else {
    int r = gnutls_x509_trust_list_add_trust_file(trust.list, ca_file.c_str(), nullptr,
                                                  GNUTLS_X509_FMT_PEM, 0, 0);
    if (r <= 0) {
      return ca_file + ": no CA certificate loaded" + (r < 0 ? ": " + gnutls_message(r) : "");
    }
  }

  // The host name (or IP address) and the server purpose are checked along with the chain.
  gnutls_typed_vdata_st data[2] = {};
  data[0].type = GNUTLS_DT_DNS_HOSTNAME;
  data[0].data = reinterpret_cast<unsigned char*>(const_cast<char*>(host.c_str()));
  data[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
  data[1].data = reinterpret_cast<unsigned char*>(const_cast<char*>(GNUTLS_KP_TLS_WWW_SERVER));
  unsigned int status = 0;
  if (int r = gnutls_x509_trust_list_verify_crt2(trust.list, chain.certs.data(),
                                                 static_cast<unsigned int>(chain.certs.size()),
                                                 data, 2, 0, &status, nullptr);
      r < 0) {
    return "certificate verification failed: " + gnutls_message(r);
  }
  if (status == 0) return std::nullopt;
  gnutls_datum_t text{};
  std::string reason = "certificate not trusted";
  if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) >= 0) {
    reason = std::string(reinterpret_cast<const char*>(text.data), text.size);
    gnutls_free(text.data);
  }
  return reason + " (host " + host + ")";
}

}  // namespace bounced::daemon::intake
