// seed-job: the forecast job binary that runs inside each task pod (and locally under `seed run`).
// Exit codes: 0 ok, 2 bad input (the message names the file, line and column; for a remote path the
// URL, the server's answer and what to check), 1 internal error, or a remote service (database,
// storage or HTTP server) still failing after the retries.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands/commands.h"
#include "io/input_error.h"
#include "storage/storage_error.h"

int main(int argc, char** argv) {
  CLI::App app{"seed-job: renewable power forecasting kernels (QC, NWP correction and fusion, training,\n"
               "forecasts, grid accuracy metrics, reports) and the model server.",
               "seed-job"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SEED_VERSION);
  app.footer("Run `seed-job <command> --help` for a command's flags. CSV formats: see the seed-job README.");
  seed::commands::AddAll(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the parse error
    return code == 0 ? 0 : 2;
  } catch (const seed::io::InputError& e) {
    std::fprintf(stderr, "seed-job: error: %s\n", e.what());
    return 2;
  } catch (const seed::io::UsageError& e) {
    std::fprintf(stderr, "seed-job: error: %s\n", e.what());
    return 2;
  } catch (const seed::io::RemoteError& e) {
    std::fprintf(stderr, "seed-job: error: %s\n", e.what());
    return 1;
  } catch (const seed::storage::StorageError& e) {
    std::fprintf(stderr, "seed-job: error: %s\n", e.what());
    return e.bad_input() ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "seed-job: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
