// Umbrella over libcurl (Debian libcurl4-openssl-dev).
#ifndef G60_CCURL_SHIM_H
#define G60_CCURL_SHIM_H
#include <curl/curl.h>
#endif
