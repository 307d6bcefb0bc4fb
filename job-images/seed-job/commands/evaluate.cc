// Placeholder until the evaluate subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddEvaluate(CLI::App& app) {
  app.add_subcommand("evaluate", "(not built yet)")->callback([] { throw std::runtime_error("evaluate is not built yet"); });
}

}  // namespace seed::commands
