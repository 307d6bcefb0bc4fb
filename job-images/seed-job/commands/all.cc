#include "commands/commands.h"

namespace seed::commands {

void AddAll(CLI::App& app) {
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
  AddTower(app);
  AddFetch(app);
}

}  // namespace seed::commands
