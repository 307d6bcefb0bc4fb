// Placeholder until the gaps subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddGaps(CLI::App& app) {
  app.add_subcommand("gaps", "(not built yet)")->callback([] { throw std::runtime_error("gaps is not built yet"); });
}

}  // namespace seed::commands
