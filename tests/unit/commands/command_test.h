#pragma once
// The fixture of the command tests: a temporary directory per test, SEED_RESULTS_FILE inside it,
// and `seed-job <args>` run in process with every subcommand, parsed as main() parses it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "io/atomic_file.h"

namespace seed::commands {

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("seed_command_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    results_ = (dir_ / "results.json").string();
    ::setenv("SEED_RESULTS_FILE", results_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("SEED_RESULTS_FILE");
    std::filesystem::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs `seed-job <args>` in process; throws what the subcommand throws.
  static void Run(std::vector<std::string> args) {
    CLI::App app{"seed-job"};
    app.require_subcommand(1);
    AddAll(app);
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  }

  // What the last command reported through SEED_RESULTS_FILE.
  nlohmann::json Results() const { return nlohmann::json::parse(io::ReadFile(results_)); }

  std::filesystem::path dir_;
  std::string results_;
};

}  // namespace seed::commands
