// Placeholder until the forecast subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddForecast(CLI::App& app) {
  app.add_subcommand("forecast", "(not built yet)")->callback([] { throw std::runtime_error("forecast is not built yet"); });
}

}  // namespace seed::commands
