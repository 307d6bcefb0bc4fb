#include "kube-emulator/server/write_log.h"

#include "kube-emulator/server/object_meta.h"

namespace kubeemu {

void WriteLog::Add(WriteRecord record) {
  std::lock_guard lock(mu_);
  entries_.push_back({{"seq", entries_.size() + 1},
                      {"time", NowRfc3339Micro()},
                      {"user", record.user},
                      {"verb", record.verb},
                      {"group", record.group},
                      {"version", record.version},
                      {"resource", record.resource},
                      {"subresource", record.subresource},
                      {"namespace", record.ns},
                      {"name", record.name},
                      {"resourceVersion", record.resource_version},
                      {"code", record.code}});
}

json WriteLog::ToJson() const {
  std::lock_guard lock(mu_);
  return json(entries_);
}

}  // namespace kubeemu
