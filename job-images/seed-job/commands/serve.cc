// Placeholder until the serve subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddServe(CLI::App& app) {
  app.add_subcommand("serve", "(not built yet)")->callback([] { throw std::runtime_error("serve is not built yet"); });
}

}  // namespace seed::commands
