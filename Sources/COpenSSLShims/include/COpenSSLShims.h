// Forwarders for OpenSSL function-like macros, which Swift cannot import.
// Each is named CG60_<exact C name> and does nothing but call the macro.
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
#endif
