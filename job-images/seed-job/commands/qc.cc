// Placeholder until the qc subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddQc(CLI::App& app) {
  app.add_subcommand("qc", "(not built yet)")->callback([] { throw std::runtime_error("qc is not built yet"); });
}

}  // namespace seed::commands
