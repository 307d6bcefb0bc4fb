// Placeholder until the synth subcommand lands: it is listed, and says so when run.
#include <stdexcept>

#include "commands/commands.h"

namespace seed::commands {

void AddSynth(CLI::App& app) {
  app.add_subcommand("synth", "(not built yet)")->callback([] { throw std::runtime_error("synth is not built yet"); });
}

}  // namespace seed::commands
