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
