#pragma once
// libcurl, loaded with dlopen on first use rather than linked: linking it loads some thirty shared
// libraries (OpenSSL, GSSAPI, LDAP, SSH, ...) at every start of seed-job, which took its
// `--help` from about 2 ms to about 10 ms; only runs that touch a remote path pay for it now.
// Only http_transfer.cc uses this. The functions keep libcurl's own signatures.
#include <curl/curl.h>

namespace seed::storage {

struct CurlLibrary {
  decltype(&curl_global_init) global_init;
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_reset) easy_reset;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  decltype(&curl_easy_perform) easy_perform;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
};

// libcurl.so.4 (Debian's libcurl4), loaded and initialised once (thread-safe). Throws
// std::runtime_error naming the package when it is missing.
const CurlLibrary& Curl();

}  // namespace seed::storage
