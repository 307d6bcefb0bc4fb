#include "kube-emulator/server/object_meta.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>

namespace kubeemu {
namespace {

std::mt19937_64& Random() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return random;
}

std::string Format(bool micro) {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out = buffer;
  if (micro) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    std::snprintf(buffer, sizeof buffer, ".%06lld", static_cast<long long>(us));
    out += buffer;
  }
  return out + "Z";
}

}  // namespace

std::string NowRfc3339() { return Format(false); }
std::string NowRfc3339Micro() { return Format(true); }

std::string NewUid() {
  std::uniform_int_distribution<int> nibble(0, 15);
  static const char* kHex = "0123456789abcdef";
  std::string uid = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : uid) {
    if (c == 'x') c = kHex[nibble(Random())];
    if (c == 'y') c = kHex[8 + nibble(Random()) % 4];
  }
  return uid;
}

std::string RandomSuffix() {
  static const std::string kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string out;
  for (int i = 0; i < 5; ++i) out += kAlphabet[pick(Random())];
  return out;
}

bool SameSpec(const json& a, const json& b) {
  if (!a.is_object() || !b.is_object()) return a == b;
  // Objects are ordered maps: walk both in step, skipping the excluded keys, instead of copying both
  // objects without them (two deep copies on every update).
  auto skip = [](const std::string& key) {
    return key == "metadata" || key == "status" || key == "apiVersion" || key == "kind";
  };
  auto left = a.begin();
  auto right = b.begin();
  while (true) {
    while (left != a.end() && skip(left.key())) ++left;
    while (right != b.end() && skip(right.key())) ++right;
    if (left == a.end() || right == b.end()) return left == a.end() && right == b.end();
    if (left.key() != right.key() || *left != *right) return false;
    ++left;
    ++right;
  }
}

}  // namespace kubeemu
