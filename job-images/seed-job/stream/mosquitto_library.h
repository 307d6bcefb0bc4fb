#pragma once
// libmosquitto, opened (dlopen) when the stream mode starts instead of linked into seed-job.
// Linking it loads libmosquitto, libssl and libcrypto into every seed-job process: the CPU time of
// `seed-job --help` went from 1.75 to 3.0-3.5 ms (perf stat -r 200), for the one subcommand that
// speaks MQTT. The functions keep their libmosquitto names and signatures (taken from mosquitto.h).
#include <mosquitto.h>
#include <openssl/ssl.h>

namespace seed::stream {

#define SEED_MOSQUITTO_FUNCTIONS(X)       \
  X(mosquitto_lib_init)                   \
  X(mosquitto_new)                        \
  X(mosquitto_destroy)                    \
  X(mosquitto_int_option)                 \
  X(mosquitto_max_inflight_messages_set)  \
  X(mosquitto_threaded_set)               \
  X(mosquitto_username_pw_set)            \
  X(mosquitto_tls_set)                    \
  X(mosquitto_property_add_int32)         \
  X(mosquitto_property_free_all)          \
  X(mosquitto_connect_v5_callback_set)    \
  X(mosquitto_disconnect_v5_callback_set) \
  X(mosquitto_subscribe_v5_callback_set)  \
  X(mosquitto_publish_v5_callback_set)    \
  X(mosquitto_message_v5_callback_set)    \
  X(mosquitto_log_callback_set)           \
  X(mosquitto_connect_bind_v5)            \
  X(mosquitto_reconnect)                  \
  X(mosquitto_disconnect)                 \
  X(mosquitto_publish_v5)                 \
  X(mosquitto_subscribe_multiple)         \
  X(mosquitto_socket)                     \
  X(mosquitto_want_write)                 \
  X(mosquitto_loop_read)                  \
  X(mosquitto_loop_write)                 \
  X(mosquitto_loop_misc)                  \
  X(mosquitto_ssl_get)                    \
  X(mosquitto_strerror)                   \
  X(mosquitto_reason_string)              \
  X(mosquitto_connack_string)

struct MosquittoLibrary {
#define SEED_MOSQUITTO_MEMBER(name) decltype(&::name) name = nullptr;
  SEED_MOSQUITTO_FUNCTIONS(SEED_MOSQUITTO_MEMBER)
#undef SEED_MOSQUITTO_MEMBER
  decltype(&::SSL_pending) SSL_pending = nullptr;  // from libssl, which libmosquitto brings
};

// Opens libmosquitto.so.1 (and calls mosquitto_lib_init) on first use. Throws io::UsageError
// naming the Debian package when the library or one of its functions is missing.
const MosquittoLibrary& Mosquitto();

}  // namespace seed::stream
