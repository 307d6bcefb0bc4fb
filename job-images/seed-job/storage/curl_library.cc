#include "storage/curl_library.h"

#include <stdexcept>

#include "io/shared_library.h"

namespace seed::storage {
namespace {

CurlLibrary Load() {
  static const io::SharedLibrary libcurl("libcurl.so.4", "s3:// and http(s):// paths", "libcurl4");
  CurlLibrary curl;
  libcurl.Bind(curl.global_init, "curl_global_init");
  libcurl.Bind(curl.easy_init, "curl_easy_init");
  libcurl.Bind(curl.easy_cleanup, "curl_easy_cleanup");
  libcurl.Bind(curl.easy_reset, "curl_easy_reset");
  libcurl.Bind(curl.easy_setopt, "curl_easy_setopt");
  libcurl.Bind(curl.easy_perform, "curl_easy_perform");
  libcurl.Bind(curl.easy_getinfo, "curl_easy_getinfo");
  libcurl.Bind(curl.easy_strerror, "curl_easy_strerror");
  libcurl.Bind(curl.slist_append, "curl_slist_append");
  libcurl.Bind(curl.slist_free_all, "curl_slist_free_all");
  // CURLOPT_AWS_SIGV4 came with libcurl 7.75; refuse an older library rather than send unsigned requests.
  libcurl.Symbol("curl_easy_header");  // 7.83+, so SigV4 is there too
  if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  return curl;
}

}  // namespace

const CurlLibrary& Curl() {
  static const CurlLibrary library = Load();  // a throw leaves it to be tried again
  return library;
}

}  // namespace seed::storage
