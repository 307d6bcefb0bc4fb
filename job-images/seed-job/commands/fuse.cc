// Placeholder until the fuse subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddFuse(CLI::App& app) {
  app.add_subcommand("fuse", "(not built yet)")->callback([] { throw std::runtime_error("fuse is not built yet"); });
}

}  // namespace seed::commands
