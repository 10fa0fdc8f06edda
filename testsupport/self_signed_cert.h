// SelfSignedCert: an RSA key and a self-signed X.509 certificate for CN=localhost (with
// 127.0.0.1 and ::1 as subject alternative names), generated in memory with OpenSSL when a test
// starts an HTTPS server, so no key material is stored in the repository.
//
// Contract: Generate() returns a ready pair or throws std::runtime_error naming the OpenSSL step
// that failed; the object owns both and frees them. httplib::SSLServer takes cert() and key().
#pragma once

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace podlife::testsupport {

class SelfSignedCert {
 public:
  static SelfSignedCert Generate() {
    SelfSignedCert out;
    out.key_.reset(EVP_RSA_gen(2048));
    if (!out.key_) throw std::runtime_error("self-signed cert: EVP_RSA_gen failed");
    out.cert_.reset(X509_new());
    X509* x = out.cert_.get();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 24L * 3600);
    X509_set_pubkey(x, out.key_.get());
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    if (san == nullptr || X509_add_ext(x, san, -1) != 1) throw std::runtime_error("self-signed cert: subjectAltName failed");
    X509_EXTENSION_free(san);
    if (X509_sign(x, out.key_.get(), EVP_sha256()) == 0) throw std::runtime_error("self-signed cert: X509_sign failed");
    return out;
  }

  X509* cert() const { return cert_.get(); }
  EVP_PKEY* key() const { return key_.get(); }

 private:
  struct FreeKey {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  struct FreeCert {
    void operator()(X509* c) const { X509_free(c); }
  };
  std::unique_ptr<EVP_PKEY, FreeKey> key_;
  std::unique_ptr<X509, FreeCert> cert_;
};

}  // namespace podlife::testsupport
