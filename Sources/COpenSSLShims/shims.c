// The low-level SHA-256 API below is deprecated in OpenSSL 3 (kept, and allocation-free): no warnings for it here.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "COpenSSLShims.h"

long CG60_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
void CG60_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }
STACK_OF(X509) *CG60_sk_X509_new_null(void) { return sk_X509_new_null(); }
int CG60_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }
int CG60_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }
X509 *CG60_sk_X509_value(const STACK_OF(X509) *stack, int index) { return sk_X509_value(stack, index); }
void CG60_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }
int CG60_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
long CG60_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
int CG60_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
const char *CG60_SSL_get_cipher_name(const SSL *ssl) { return SSL_get_cipher_name(ssl); }

#include <string.h>
#include <openssl/sha.h>

_Static_assert(sizeof(SHA256_CTX) <= CG60_SHA256_STATE_BYTES, "CG60_SHA256_STATE_BYTES is too small");
_Static_assert(_Alignof(SHA256_CTX) <= 16, "SHA256_CTX needs more than 16-byte alignment");

int CG60_sha256(const void *data, size_t length, unsigned char *out32) {
    SHA256_CTX work;
    int ok = SHA256_Init(&work) && SHA256_Update(&work, data, length) && SHA256_Final(out32, &work);
    OPENSSL_cleanse(&work, sizeof work);
    if (!ok) memset(out32, 0, 32);
    return ok;
}

int CG60_hmac_sha256_prepare(const unsigned char *block64, void *inner_state, void *outer_state) {
    unsigned char pad[64];
    SHA256_CTX *inner = inner_state, *outer = outer_state;
    int ok;
    for (int i = 0; i < 64; i++) pad[i] = block64[i] ^ 0x36;
    ok = SHA256_Init(inner) && SHA256_Update(inner, pad, 64);
    for (int i = 0; i < 64; i++) pad[i] = block64[i] ^ 0x5c;
    ok = ok && SHA256_Init(outer) && SHA256_Update(outer, pad, 64);
    OPENSSL_cleanse(pad, sizeof pad);
    return ok;
}

int CG60_hmac_sha256(const void *inner_state, const void *outer_state, const void *message, size_t length,
                     unsigned char *out32) {
    SHA256_CTX work;
    int ok;
    memcpy(&work, inner_state, sizeof work);
    ok = SHA256_Update(&work, message, length) && SHA256_Final(out32, &work);
    memcpy(&work, outer_state, sizeof work);
    ok = ok && SHA256_Update(&work, out32, 32) && SHA256_Final(out32, &work);
    OPENSSL_cleanse(&work, sizeof work);
    if (!ok) memset(out32, 0, 32);
    return ok;
}
