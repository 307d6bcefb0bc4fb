#include "kube-emulator/server/object_store.h"

namespace kubeemu {
namespace {

std::pair<std::string, std::string> NamespacedName(const json& object) {
  const json& meta = object.at("metadata");
  return {meta.value("namespace", ""), meta.value("name", "")};
}

}  // namespace

ObjectStore::ObjectStore(size_t history_limit) : history_limit_(history_limit == 0 ? 1 : history_limit) {}

ObjectPtr ObjectStore::Get(const std::string& store_key, const std::string& ns,
                           const std::string& name) const {
  auto bucket = objects_.find(store_key);
  if (bucket == objects_.end()) return nullptr;
  auto it = bucket->second.find({ns, name});
  return it == bucket->second.end() ? nullptr : it->second;
}

std::vector<const json*> ObjectStore::List(
    const std::string& store_key, const std::string& ns,
    const std::optional<std::pair<std::string, std::string>>& after) const {
  std::vector<const json*> out;
  auto bucket = objects_.find(store_key);
  if (bucket == objects_.end()) return out;
  auto it = after ? bucket->second.upper_bound(*after) : bucket->second.begin();
  for (; it != bucket->second.end(); ++it) {
    if (!ns.empty() && it->first.first != ns) continue;
    out.push_back(it->second.get());
  }
  return out;
}

ObjectPtr ObjectStore::Put(const std::string& store_key, json object) {
  ++rv_;
  object["metadata"]["resourceVersion"] = std::to_string(rv_);
  auto key = NamespacedName(object);
  ObjectPtr stored = std::make_shared<const json>(std::move(object));
  ObjectPtr previous = std::exchange(objects_[store_key][std::move(key)], stored);
  Record(StoreEvent{previous == nullptr ? "ADDED" : "MODIFIED", store_key, stored, std::move(previous), rv_});
  return stored;
}

ObjectPtr ObjectStore::Remove(const std::string& store_key, const std::string& ns, const std::string& name,
                              const json* final_state_override) {
  auto bucket = objects_.find(store_key);
  if (bucket == objects_.end()) return nullptr;
  auto it = bucket->second.find({ns, name});
  if (it == bucket->second.end()) return nullptr;
  ++rv_;
  ObjectPtr previous = std::move(it->second);
  bucket->second.erase(it);
  json final_state = final_state_override != nullptr ? *final_state_override : *previous;
  final_state["metadata"]["resourceVersion"] = std::to_string(rv_);
  ObjectPtr removed = std::make_shared<const json>(std::move(final_state));
  Record(StoreEvent{"DELETED", store_key, removed, std::move(previous), rv_});
  return removed;
}

void ObjectStore::Record(StoreEvent event) {
  if (listener_) listener_(event);
  history_.push_back(std::move(event));
  while (history_.size() > history_limit_) {
    compacted_rv_ = history_.front().resource_version;
    history_.pop_front();
  }
}

std::vector<StoreEvent> ObjectStore::EventsSince(const std::string& store_key, uint64_t rv) const {
  std::vector<StoreEvent> out;
  for (const auto& event : history_) {
    if (event.resource_version > rv && event.store_key == store_key) out.push_back(event);
  }
  return out;
}

void ObjectStore::Compact() {
  history_.clear();
  compacted_rv_ = rv_;
}

}  // namespace kubeemu
