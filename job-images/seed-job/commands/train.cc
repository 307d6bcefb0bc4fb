// Placeholder until the train subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddTrain(CLI::App& app) {
  app.add_subcommand("train", "(not built yet)")->callback([] { throw std::runtime_error("train is not built yet"); });
}

}  // namespace seed::commands
