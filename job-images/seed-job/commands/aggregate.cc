// Placeholder until the aggregate subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddAggregate(CLI::App& app) {
  app.add_subcommand("aggregate", "(not built yet)")->callback([] { throw std::runtime_error("aggregate is not built yet"); });
}

}  // namespace seed::commands
