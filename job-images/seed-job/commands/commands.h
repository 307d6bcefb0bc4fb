#pragma once
// One function per subcommand: each adds its CLI11 subcommand, flags and callback to the app.
// The callback reads inputs through io/, calls kernels/, writes outputs atomically and reports
// `value` outputs through io::Results. It throws io::InputError / io::UsageError for bad input.
#include <CLI/CLI.hpp>

namespace seed::commands {

void AddSynth(CLI::App& app);
void AddQc(CLI::App& app);
void AddCorrect(CLI::App& app);
void AddFuse(CLI::App& app);
void AddTrain(CLI::App& app);
void AddForecast(CLI::App& app);
void AddEvaluate(CLI::App& app);
void AddAggregate(CLI::App& app);
void AddGaps(CLI::App& app);
void AddReport(CLI::App& app);
void AddServe(CLI::App& app);
void AddStream(CLI::App& app);
void AddTower(CLI::App& app);
void AddNotify(CLI::App& app);
void AddFleetSummary(CLI::App& app);
void AddFetch(CLI::App& app);
void AddCopy(CLI::App& app);

// Every subcommand above, in the order `seed-job --help` lists them (main and the tests use it).
// Also installs the storage room's io::RemoteFiles, so every file path may be a URL.
void AddAll(CLI::App& app);

}  // namespace seed::commands
