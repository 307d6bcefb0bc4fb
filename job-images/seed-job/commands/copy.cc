// seed-job copy: one file from anywhere seed-job reads (a local path, s3://, http(s)://) to anywhere
// it writes (a local path, s3://), atomically: a reader of the destination sees the old file or the
// new one, never part of one (a local rename, or an S3 object that appears when its upload is
// complete). It publishes a model to a serving channel the same way on a volume and in a bucket.
#include <cstdio>
#include <memory>
#include <string>

#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/input_error.h"
#include "io/results.h"

namespace seed::commands {
namespace {

struct CopyFlags {
  std::string from, to;
};

void Run(const CopyFlags& f) {
  if (f.from == f.to) throw io::UsageError("--from and --to are the same path: " + f.from);
  const std::string content = io::ReadFile(f.from);
  io::WriteFileAtomic(f.to, content);
  io::Results results;
  results.Set("bytes", static_cast<long>(content.size()));
  results.Flush();
  std::printf("copy: %zu bytes from %s to %s\n", content.size(), f.from.c_str(), f.to.c_str());
}

}  // namespace

void AddCopy(CLI::App& app) {
  auto flags = std::make_shared<CopyFlags>();
  CLI::App* cmd = app.add_subcommand(
      "copy",
      "Copy one file atomically between local paths and s3:// (or from http(s)://), e.g. to publish a model");
  cmd->add_option("--from", flags->from, "File to copy: a local path, s3://bucket/key or http(s):// URL")
      ->required();
  cmd->add_option("--to", flags->to,
                  "Destination: a local path (parent directories are created) or s3://bucket/key; replaced "
                  "atomically")
      ->required();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
