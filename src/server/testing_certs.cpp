#include "server/testing_certs.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <memory>

namespace corridor::server::testing {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

std::string OpenSslError(const std::string& what) {
  char text[256];
  ERR_error_string_n(ERR_get_error(), text, sizeof(text));
  ERR_clear_error();
  return what + ": " + text;
}

bool AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Signs a certificate for `key` named CN=common_name, by `issuer` (nullptr: self-signed).
Cert Issue(const std::string& common_name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
           const std::vector<std::pair<int, std::string>>& extensions) {
  static std::atomic<long> serial{1000};
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 2 * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    if (!AddExtension(cert.get(), &ctx, nid, value)) return nullptr;
  }
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) return nullptr;
  return cert;
}

bool Write(const std::string& dir, const std::string& name, X509* cert, EVP_PKEY* key,
           CertFiles* out, std::string* error) {
  out->certificate = dir + "/" + name + ".crt";
  out->key = dir + "/" + name + ".key";
  std::FILE* f = std::fopen(out->certificate.c_str(), "w");
  const bool cert_ok = f != nullptr && PEM_write_X509(f, cert) == 1;
  if (f) std::fclose(f);
  f = std::fopen(out->key.c_str(), "w");
  const bool key_ok =
      f != nullptr && PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (f) std::fclose(f);
  if (!cert_ok || !key_ok) *error = "cannot write " + out->certificate + " or its key";
  return cert_ok && key_ok;
}

}  // namespace

bool MakeCa(const std::string& dir, const std::string& name, const std::string& common_name,
            CertFiles* out, std::string* error) {
  Key key(EVP_EC_gen("P-256"));
  if (!key) return *error = OpenSslError("EC key"), false;
  Cert cert = Issue(common_name, key.get(), nullptr, nullptr,
                    {{NID_basic_constraints, "critical,CA:TRUE"},
                     {NID_key_usage, "critical,keyCertSign,cRLSign"},
                     {NID_subject_key_identifier, "hash"}});
  if (!cert) return *error = OpenSslError("CA certificate"), false;
  return Write(dir, name, cert.get(), key.get(), out, error);
}

bool MakeLeaf(const std::string& dir, const std::string& name, const std::string& common_name,
              const std::vector<std::string>& alt_names, Usage usage, const CertFiles& ca,
              CertFiles* out, std::string* error) {
  std::FILE* f = std::fopen(ca.certificate.c_str(), "r");
  Cert ca_cert(f ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr);
  if (f) std::fclose(f);
  f = std::fopen(ca.key.c_str(), "r");
  Key ca_key(f ? PEM_read_PrivateKey(f, nullptr, nullptr, nullptr) : nullptr);
  if (f) std::fclose(f);
  if (!ca_cert || !ca_key) return *error = "cannot read the CA " + ca.certificate, false;
  Key key(EVP_EC_gen("P-256"));
  if (!key) return *error = OpenSslError("EC key"), false;
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, usage == Usage::server ? "serverAuth" : "clientAuth"}};
  std::string alt;
  for (const auto& a : alt_names) alt += (alt.empty() ? "" : ",") + a;
  if (!alt.empty()) extensions.emplace_back(NID_subject_alt_name, alt);
  Cert cert = Issue(common_name, key.get(), ca_cert.get(), ca_key.get(), extensions);
  if (!cert) return *error = OpenSslError("certificate " + name), false;
  return Write(dir, name, cert.get(), key.get(), out, error);
}

}  // namespace corridor::server::testing
