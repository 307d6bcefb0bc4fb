// Placeholder until the correct subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddCorrect(CLI::App& app) {
  app.add_subcommand("correct", "(not built yet)")->callback([] { throw std::runtime_error("correct is not built yet"); });
}

}  // namespace seed::commands
