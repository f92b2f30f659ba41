#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <string_view>
#include <utility>

#include "server/pem_file.h"

namespace corridor::server {
namespace {

namespace net = boost::asio;

// Peer names are bounded like every input (see http_server.h's Request::peer_names).
constexpr size_t kPeerNamesMax = 16;
constexpr size_t kPeerNameMaxBytes = 256;

void AddPeerName(std::string_view name, std::vector<std::string>* names) {
  if (names->size() >= kPeerNamesMax || name.empty() || name.size() > kPeerNameMaxBytes) return;
  for (const char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return;  // NUL tricks, line breaks.
  }
  names->emplace_back(name);
}

}  // namespace

std::vector<std::string> PeerNames(SSL* ssl) {
  std::vector<std::string> names;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return names;
  X509_NAME* subject = X509_get_subject_name(cert);
  for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
    unsigned char* utf8 = nullptr;
    const int n =
        ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
    if (n >= 0) AddPeerName(std::string_view(reinterpret_cast<const char*>(utf8), n), &names);
    OPENSSL_free(utf8);
  }
  auto* alt =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; i < sk_GENERAL_NAME_num(alt); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alt, i);
    if (name->type != GEN_DNS && name->type != GEN_URI && name->type != GEN_EMAIL) continue;
    const ASN1_IA5STRING* text = name->d.ia5;
    AddPeerName(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                                 ASN1_STRING_length(text)),
                &names);
  }
  GENERAL_NAMES_free(alt);
  return names;
}

Status LoadTlsContext(const TlsOptions& t, net::ssl::context* context) {
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An encrypted key must fail to load, not prompt on the terminal.
  context->set_password_callback(
      [](size_t, net::ssl::context::password_purpose) { return std::string(); });
  for (auto [what, path] : {std::pair{"certificate", &t.certificate}, std::pair{"key", &t.key}}) {
    if (Status s = CheckPemFile(std::string("TLS ") + what, *path); !s.ok()) return s;
  }
  boost::system::error_code ec;
  context->use_certificate_chain_file(t.certificate, ec);
  if (ec)
    return Status::Error("cannot load the TLS certificate " + t.certificate + ": " + ec.message());
  context->use_private_key_file(t.key, net::ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(ctx) != 1) {
    return Status::Error("cannot load the TLS key " + t.key + " for the certificate " +
                         t.certificate + ": " +
                         (ec ? ec.message() : std::string("it does not match the certificate")));
  }
  if (t.client_ca.empty()) {
    context->set_verify_mode(net::ssl::verify_none);
    return Status::Ok();
  }
  if (Status s = CheckPemFile("TLS client CA", t.client_ca); !s.ok()) return s;
  context->load_verify_file(t.client_ca, ec);
  if (ec)
    return Status::Error("cannot load the TLS client CA " + t.client_ca + ": " + ec.message());
  // Tells clients which CA to pick their certificate for.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(t.client_ca.c_str())) {
    SSL_CTX_set_client_CA_list(ctx, names);
  }
  context->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
  SSL_CTX_set_verify_depth(ctx, 8);
  ERR_clear_error();
  return Status::Ok();
}

}  // namespace corridor::server
