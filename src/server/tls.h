// TLS pieces shared by the HTTP server (http_server.cpp) and the card gateway
// (src/cardgateway): loading a server's ssl::context from PEM files (TLS 1.2 or later; with a
// client CA, a client certificate chaining to it is required) and the names a verified client
// certificate carries. Only OpenSSL and Asio's ssl::context: no Beast here.
//
// Thread: LoadTlsContext before the context is shared; PeerNames on the connection's thread.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace corridor::server {

// PEM file paths, read by Server::Start() and CardGateway::Start().
struct TlsOptions {
  std::string certificate;  // The server's certificate, then any intermediate CAs.
  std::string key;          // Its private key (unencrypted).
  // When set, every client must present a certificate that chains to one of these CAs
  // (mutual TLS); when empty, clients are not asked for a certificate.
  std::string client_ca;
};

// Loads `t` into `context` (a tls_server context): TLS 1.2 or later, no renegotiation or
// compression; verify_peer | fail_if_no_peer_cert with the client CA when `t.client_ca` is set.
// Fails naming the file that is unreadable, not PEM, or a key that does not match.
Status LoadTlsContext(const TlsOptions& t, boost::asio::ssl::context* context);

// The verified client certificate's subject CNs, then its subjectAltName DNS, URI and email
// entries, in certificate order (at most 16 names of at most 256 bytes; names with control
// characters are skipped). Empty when the client sent none or it was not verified.
std::vector<std::string> PeerNames(SSL* ssl);

}  // namespace corridor::server
