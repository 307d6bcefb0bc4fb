#include "controllers/file_clock.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "api/time_format.h"

namespace seed::controllers {

FileClock::FileClock(std::string path) : path_(std::move(path)), last_(std::chrono::system_clock::now()) {}

std::chrono::system_clock::time_point FileClock::WallNow() const {
  std::ifstream in(path_);
  std::string text;
  std::lock_guard lock(mu_);
  if (in && std::getline(in, text)) {
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
    if (auto time = api::ParseRfc3339(text)) last_ = *time;
  }
  return last_;
}

void FileClock::SleepFor(Duration d) { std::this_thread::sleep_for(d); }

bool FileClock::Write(const std::string& path, std::chrono::sys_seconds time) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    if (!out) return false;
    out << api::FormatRfc3339(time) << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(temp.c_str(), path.c_str()) == 0;
}

}  // namespace seed::controllers
