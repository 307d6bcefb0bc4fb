#include "storage/curl_library.h"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace seed::storage {
namespace {

CurlLibrary Load() {
  void* handle = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = ::dlerror();
    throw std::runtime_error(
        std::string("s3:// and http(s):// paths need libcurl (Debian package libcurl4): ") +
        (why ? why : "cannot load libcurl.so.4"));
  }
  auto symbol = [&](const char* name) {
    void* address = ::dlsym(handle, name);
    if (!address)
      throw std::runtime_error(std::string("libcurl.so.4 has no ") + name + " (too old a libcurl?)");
    return address;
  };
  CurlLibrary curl;
  curl.global_init = reinterpret_cast<decltype(curl.global_init)>(symbol("curl_global_init"));
  curl.easy_init = reinterpret_cast<decltype(curl.easy_init)>(symbol("curl_easy_init"));
  curl.easy_cleanup = reinterpret_cast<decltype(curl.easy_cleanup)>(symbol("curl_easy_cleanup"));
  curl.easy_reset = reinterpret_cast<decltype(curl.easy_reset)>(symbol("curl_easy_reset"));
  curl.easy_setopt = reinterpret_cast<decltype(curl.easy_setopt)>(symbol("curl_easy_setopt"));
  curl.easy_perform = reinterpret_cast<decltype(curl.easy_perform)>(symbol("curl_easy_perform"));
  curl.easy_getinfo = reinterpret_cast<decltype(curl.easy_getinfo)>(symbol("curl_easy_getinfo"));
  curl.easy_strerror = reinterpret_cast<decltype(curl.easy_strerror)>(symbol("curl_easy_strerror"));
  curl.slist_append = reinterpret_cast<decltype(curl.slist_append)>(symbol("curl_slist_append"));
  curl.slist_free_all = reinterpret_cast<decltype(curl.slist_free_all)>(symbol("curl_slist_free_all"));
  // CURLOPT_AWS_SIGV4 came with libcurl 7.75; refuse an older library rather than send unsigned requests.
  if (!::dlsym(handle, "curl_easy_header"))  // 7.83+, so SigV4 is there too
    throw std::runtime_error("libcurl.so.4 is older than 7.83; SigV4 signing needs a newer libcurl4");
  if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  return curl;  // the handle stays open for the life of the process
}

}  // namespace

const CurlLibrary& Curl() {
  static const CurlLibrary library = Load();  // a throw leaves it to be tried again
  return library;
}

}  // namespace seed::storage
