#include "kube-emulator/server/write_log.h"

#include "kube-emulator/server/object_meta.h"

namespace kubeemu {

void WriteLog::Add(WriteRecord record) {
  // Built member by member outside the lock (a braced initializer list copies every value again);
  // the sequence number and time are taken under it so both follow the log's order.
  json entry = json::object();
  entry["user"] = std::move(record.user);
  entry["verb"] = std::move(record.verb);
  entry["group"] = std::move(record.group);
  entry["version"] = std::move(record.version);
  entry["resource"] = std::move(record.resource);
  entry["subresource"] = std::move(record.subresource);
  entry["namespace"] = std::move(record.ns);
  entry["name"] = std::move(record.name);
  entry["resourceVersion"] = std::move(record.resource_version);
  entry["code"] = record.code;
  std::lock_guard lock(mu_);
  entry["seq"] = entries_.size() + 1;
  entry["time"] = NowRfc3339Micro();
  entries_.push_back(std::move(entry));
}

json WriteLog::ToJson() const {
  std::lock_guard lock(mu_);
  return json(entries_);
}

}  // namespace kubeemu
