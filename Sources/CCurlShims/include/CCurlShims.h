// Typed forwarders for libcurl's variadic functions (curl_easy_setopt, curl_easy_getinfo), which Swift
// cannot call. One forwarder per argument kind.
#ifndef G60_CCURL_SHIMS_H
#define G60_CCURL_SHIMS_H
#include <curl/curl.h>

typedef size_t (*CG60_curl_write_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

CURLcode CG60_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode CG60_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode CG60_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode CG60_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode CG60_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode CG60_curl_easy_setopt_write_callback(CURL *handle, CURLoption option, CG60_curl_write_callback cb);
CURLcode CG60_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode CG60_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode CG60_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
#endif
