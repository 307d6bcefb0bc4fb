#include "commands/commands.h"
#include "storage/remote_files.h"

namespace seed::commands {

void AddAll(CLI::App& app) {
  // Every path flag of every subcommand accepts s3:// and http(s):// through io's remote seam.
  storage::InstallRemoteFiles();
  AddSynth(app);
  AddQc(app);
  AddCorrect(app);
  AddFuse(app);
  AddTrain(app);
  AddForecast(app);
  AddEvaluate(app);
  AddAggregate(app);
  AddGaps(app);
  AddReport(app);
  AddServe(app);
  AddStream(app);
  AddTower(app);
  AddFleetSummary(app);
  AddNotify(app);
  AddFetch(app);
  AddCopy(app);
}

}  // namespace seed::commands
