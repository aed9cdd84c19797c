#include "COpenSSLShim.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

// MARK: - One datagram per write

typedef struct {
    uint8_t *bytes;
    size_t used;
    size_t capacity;
    size_t limit;
    size_t *lengths;
    size_t count;
    size_t lengthCapacity;
} mtp_datagram_queue;

static int datagram_write(BIO *bio, const char *data, int length) {
    mtp_datagram_queue *queue = BIO_get_data(bio);
    if (queue == NULL || length < 0) return -1;
    size_t size = (size_t)length;
    if (queue->used + size > queue->limit) return -1;
    if (queue->used + size > queue->capacity) {
        size_t capacity = queue->capacity ? queue->capacity : 4096;
        while (capacity < queue->used + size) capacity *= 2;
        uint8_t *bytes = realloc(queue->bytes, capacity);
        if (bytes == NULL) return -1;
        queue->bytes = bytes;
        queue->capacity = capacity;
    }
    if (queue->count == queue->lengthCapacity) {
        size_t capacity = queue->lengthCapacity ? queue->lengthCapacity * 2 : 16;
        size_t *lengths = realloc(queue->lengths, capacity * sizeof(size_t));
        if (lengths == NULL) return -1;
        queue->lengths = lengths;
        queue->lengthCapacity = capacity;
    }
    memcpy(queue->bytes + queue->used, data, size);
    queue->used += size;
    queue->lengths[queue->count++] = size;
    return length;
}

static long datagram_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)bio;
    (void)number;
    (void)pointer;
    switch (command) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_DGRAM_QUERY_MTU:
    default:
        return 0;
    }
}

static int datagram_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

static int datagram_destroy(BIO *bio) {
    mtp_datagram_queue *queue = BIO_get_data(bio);
    if (queue != NULL) {
        free(queue->bytes);
        free(queue->lengths);
        free(queue);
        BIO_set_data(bio, NULL);
    }
    return 1;
}

static BIO_METHOD *datagram_method_instance = NULL;
static CRYPTO_ONCE datagram_method_once = CRYPTO_ONCE_STATIC_INIT;

static void datagram_method_create(void) {
    // Created once and never freed, like OpenSSL's own static methods.
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "metropole datagram queue");
    if (method == NULL) return;
    BIO_meth_set_write(method, datagram_write);
    BIO_meth_set_ctrl(method, datagram_ctrl);
    BIO_meth_set_create(method, datagram_create);
    BIO_meth_set_destroy(method, datagram_destroy);
    datagram_method_instance = method;
}

static BIO_METHOD *datagram_method(void) {
    if (!CRYPTO_THREAD_run_once(&datagram_method_once, datagram_method_create)) return NULL;
    return datagram_method_instance;
}

BIO *mtp_datagram_bio_new(size_t limit) {
    BIO_METHOD *method = datagram_method();
    if (method == NULL) return NULL;
    mtp_datagram_queue *queue = calloc(1, sizeof(mtp_datagram_queue));
    if (queue == NULL) return NULL;
    queue->limit = limit;
    BIO *bio = BIO_new(method);
    if (bio == NULL) {
        free(queue);
        return NULL;
    }
    BIO_set_data(bio, queue);
    return bio;
}

size_t mtp_datagram_bio_count(BIO *bio) {
    mtp_datagram_queue *queue = BIO_get_data(bio);
    return queue ? queue->count : 0;
}

const uint8_t *mtp_datagram_bio_datagram(BIO *bio, size_t index, size_t *length) {
    mtp_datagram_queue *queue = BIO_get_data(bio);
    if (queue == NULL || index >= queue->count) {
        *length = 0;
        return NULL;
    }
    size_t offset = 0;
    for (size_t i = 0; i < index; i++) offset += queue->lengths[i];
    *length = queue->lengths[index];
    return queue->bytes + offset;
}

void mtp_datagram_bio_clear(BIO *bio) {
    mtp_datagram_queue *queue = BIO_get_data(bio);
    if (queue == NULL) return;
    queue->used = 0;
    queue->count = 0;
}

BIO *mtp_memory_bio_new(void) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio != NULL) BIO_set_mem_eof_return(bio, -1);
    return bio;
}

// MARK: - DTLS context

static int accept_self_signed(int preverified, X509_STORE_CTX *context) {
    (void)preverified;
    (void)context;
    // The peer's certificate is self-signed by design; what authenticates it is the SDP
    // fingerprint, compared after the handshake.
    return 1;
}

SSL_CTX *mtp_dtls_context_new(X509 *certificate, EVP_PKEY *key, const char *srtpProfiles) {
    SSL_CTX *context = SSL_CTX_new(DTLS_method());
    if (context == NULL) return NULL;
    SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION);
    SSL_CTX_set_options(context, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
    SSL_CTX_set_read_ahead(context, 1);
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_self_signed);
    if (SSL_CTX_set1_groups_list(context, "P-256") != 1
        || SSL_CTX_use_certificate(context, certificate) != 1
        || SSL_CTX_use_PrivateKey(context, key) != 1
        || SSL_CTX_check_private_key(context) != 1
        // Unlike its neighbours, this one returns 0 on success.
        || SSL_CTX_set_tlsext_use_srtp(context, srtpProfiles) != 0) {
        SSL_CTX_free(context);
        return NULL;
    }
    return context;
}

void mtp_ssl_set_mtu(SSL *ssl, long mtu) {
    SSL_set_mtu(ssl, mtu);
}

int mtp_dtls_get_timeout(SSL *ssl, int64_t *milliseconds) {
    struct timeval left = {0, 0};
    if (DTLSv1_get_timeout(ssl, &left) != 1) return 0;
    *milliseconds = (int64_t)left.tv_sec * 1000 + left.tv_usec / 1000;
    return 1;
}

int mtp_dtls_handle_timeout(SSL *ssl) {
    return (int)DTLSv1_handle_timeout(ssl);
}

// MARK: - Certificate

int mtp_generate_certificate(const char *commonName, int days, EVP_PKEY **keyOut, X509 **certificateOut) {
    *keyOut = NULL;
    *certificateOut = NULL;
    EVP_PKEY *key = EVP_EC_gen("prime256v1");
    X509 *certificate = X509_new();
    BIGNUM *serial = BN_new();
    X509_NAME *name = X509_NAME_new();
    int ok = key != NULL && certificate != NULL && serial != NULL && name != NULL
        && X509_set_version(certificate, 2) == 1
        && BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1
        && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate)) != NULL
        && X509_gmtime_adj(X509_getm_notBefore(certificate), -86400) != NULL
        && X509_gmtime_adj(X509_getm_notAfter(certificate), (long)days * 86400) != NULL
        && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)commonName, -1, -1, 0) == 1
        && X509_set_subject_name(certificate, name) == 1
        && X509_set_issuer_name(certificate, name) == 1
        && X509_set_pubkey(certificate, key) == 1
        && X509_sign(certificate, key, EVP_sha256()) > 0;
    BN_free(serial);
    X509_NAME_free(name);
    if (!ok) {
        EVP_PKEY_free(key);
        X509_free(certificate);
        return 0;
    }
    *keyOut = key;
    *certificateOut = certificate;
    return 1;
}

void mtp_take_error(char *buffer, size_t length) {
    unsigned long code = ERR_get_error();
    if (length == 0) return;
    if (code == 0) {
        buffer[0] = 0;
        return;
    }
    ERR_error_string_n(code, buffer, length);
    ERR_clear_error();
}
