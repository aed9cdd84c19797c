// What Swift cannot reach in OpenSSL 3.0 on its own: function-like macros over SSL_ctrl and
// BIO_ctrl, the variadic EC key generation, C callbacks, and a BIO that keeps each write as
// its own datagram (a memory BIO would run a DTLS flight's records together into one buffer).
#ifndef METROPOLE_COPENSSL_SHIM_H
#define METROPOLE_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

/// A write-only BIO: every BIO_write becomes one datagram, kept until drained. Writes past
/// `limit` pending bytes fail (a DTLS flight is a few kilobytes; the limit only stops growth).
BIO *_Nullable mtp_datagram_bio_new(size_t limit);
/// Number of datagrams written and not yet drained.
size_t mtp_datagram_bio_count(BIO *_Nonnull bio);
/// The `index`th pending datagram; valid until the next write or `mtp_datagram_bio_clear`.
const uint8_t *_Nullable mtp_datagram_bio_datagram(BIO *_Nonnull bio, size_t index, size_t *_Nonnull length);
void mtp_datagram_bio_clear(BIO *_Nonnull bio);

/// A memory BIO that reports "retry" rather than end-of-file when empty, so OpenSSL waits for
/// the next datagram instead of failing the handshake.
BIO *_Nullable mtp_memory_bio_new(void);

/// A DTLS context with what every WebRTC peer expects: no compression, tickets or
/// renegotiation, our MTU rather than a kernel query, P-256 key exchange, the peer's
/// (self-signed) certificate required but not chain-verified (its fingerprint is checked
/// against the SDP afterwards), and the given `use_srtp` profiles. Returns NULL on failure.
SSL_CTX *_Nullable mtp_dtls_context_new(X509 *_Nonnull certificate, EVP_PKEY *_Nonnull key, const char *_Nonnull srtpProfiles);

void mtp_ssl_set_mtu(SSL *_Nonnull ssl, long mtu);
/// 1 and the time left in milliseconds when a retransmission timer runs, else 0.
int mtp_dtls_get_timeout(SSL *_Nonnull ssl, int64_t *_Nonnull milliseconds);
/// Retransmits if the timer expired: 1 retransmitted, 0 nothing to do, -1 failed (too many).
int mtp_dtls_handle_timeout(SSL *_Nonnull ssl);

/// A fresh ECDSA P-256 key and a self-signed SHA-256 certificate for it, valid from a day ago
/// for `days` days, with a random serial and the given common name. 1 on success.
int mtp_generate_certificate(const char *_Nonnull commonName, int days, EVP_PKEY *_Nullable *_Nonnull key, X509 *_Nullable *_Nonnull certificate);

/// The oldest queued OpenSSL error as text, cleared from the queue; "" when there is none.
void mtp_take_error(char *_Nonnull buffer, size_t length);

#endif
