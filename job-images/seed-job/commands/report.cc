// Placeholder until the report subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddReport(CLI::App& app) {
  app.add_subcommand("report", "(not built yet)")->callback([] { throw std::runtime_error("report is not built yet"); });
}

}  // namespace seed::commands
