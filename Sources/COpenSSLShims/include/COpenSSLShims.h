// Forwarders for OpenSSL function-like macros, which Swift cannot import (each is named CG60_<exact C name> and
// does nothing but call the macro), and, at the end, two small SHA-256 helpers over OpenSSL's low-level API.
#ifndef G60_COPENSSL_SHIMS_H
#define G60_COPENSSL_SHIMS_H
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

// BIO_get_mem_data is a macro over BIO_ctrl.
long CG60_BIO_get_mem_data(BIO *bio, char **data);
// OPENSSL_free is a macro that adds file/line for the allocator.
void CG60_OPENSSL_free(void *ptr);
// The typed STACK_OF(X509) helpers are macros over OPENSSL_sk_*.
STACK_OF(X509) *CG60_sk_X509_new_null(void);
int CG60_sk_X509_push(STACK_OF(X509) *stack, X509 *cert);
int CG60_sk_X509_num(const STACK_OF(X509) *stack);
X509 *CG60_sk_X509_value(const STACK_OF(X509) *stack, int index);
void CG60_sk_X509_pop_free(STACK_OF(X509) *stack);
// SSL_CTX_set_min_proto_version and friends are macros over SSL_CTX_ctrl.
int CG60_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
long CG60_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
int CG60_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
// SSL_get_cipher_name is a macro over SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)).
const char *CG60_SSL_get_cipher_name(const SSL *ssl);

// SHA-256 through OpenSSL's low-level API (SHA256_Init/Update/Final on a stack SHA256_CTX; deprecated in OpenSSL 3
// but kept): no EVP context or algorithm fetch per call (OpenSSL 3's one-shot SHA256() does both), and the CPU's
// SHA extensions where it has them. For the per-request hashes of the lookup (the bearer token, the identity
// number's HMAC). A state is CG60_SHA256_STATE_BYTES of memory aligned to 16 (checked in shims.c). Each returns 1
// on success and 0 on failure (then `out32` holds zeros); working states are cleansed.
enum { CG60_SHA256_STATE_BYTES = 128 };
int CG60_sha256(const void *data, size_t length, unsigned char *out32);
// HMAC-SHA-256 with the key's two pad blocks absorbed once: prepare from the 64-byte key block (the key, zero-padded,
// or its digest when longer than 64 bytes) into two states, then each HMAC copies them (the states are not changed,
// so several threads may use them at once).
int CG60_hmac_sha256_prepare(const unsigned char *block64, void *inner_state, void *outer_state);
int CG60_hmac_sha256(const void *inner_state, const void *outer_state, const void *message, size_t length,
                     unsigned char *out32);
#endif
