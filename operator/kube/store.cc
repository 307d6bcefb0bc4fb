#include "kube/store.h"

namespace kube {

std::string ControllerOwnerUid(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return "";
  for (const auto& ref : *refs) {
    if (ref.is_object() && ref.value("controller", false)) return ref.value("uid", "");
  }
  return "";
}

Store::Store() {
  index_funcs_[kIndexNamespace] = [](const Json& o) -> std::vector<std::string> {
    auto meta = o.find("metadata");
    if (meta == o.end() || !meta->is_object()) return {};
    return {meta->value("namespace", "")};
  };
  index_funcs_[kIndexControllerOwner] = [](const Json& o) -> std::vector<std::string> {
    std::string uid = ControllerOwnerUid(o);
    if (uid.empty()) return {};
    return {uid};
  };
}

void Store::AddIndex(const std::string& name, IndexFunc func) {
  std::unique_lock lock(mu_);
  index_funcs_[name] = std::move(func);
  auto& index = indexes_[name];
  index.clear();
  for (const auto& [key, obj] : items_) {
    for (const auto& v : index_funcs_[name](*obj)) index[v].insert(key);
  }
}

void Store::IndexLocked(const std::string& key, const Json* old_object, const Json* new_object) {
  for (const auto& [name, func] : index_funcs_) {
    auto& index = indexes_[name];
    if (old_object) {
      for (const auto& v : func(*old_object)) {
        auto it = index.find(v);
        if (it == index.end()) continue;
        it->second.erase(key);
        if (it->second.empty()) index.erase(it);
      }
    }
    if (new_object) {
      for (const auto& v : func(*new_object)) index[v].insert(key);
    }
  }
}

ObjectPtr Store::Get(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::List() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(obj);
  return out;
}

std::vector<std::string> Store::Keys() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(key);
  return out;
}

std::vector<ObjectPtr> Store::ByIndex(const std::string& index, const std::string& value) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second) {
    if (auto it = items_.find(key); it != items_.end()) out.push_back(it->second);
  }
  return out;
}

size_t Store::Size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

ObjectPtr Store::Upsert(ObjectPtr object) {
  std::string key = ObjectKey(*object);
  std::unique_lock lock(mu_);
  auto& slot = items_[key];
  ObjectPtr old = slot;
  IndexLocked(key, old.get(), object.get());
  slot = std::move(object);
  return old;
}

ObjectPtr Store::Remove(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr old = it->second;
  IndexLocked(key, old.get(), nullptr);
  items_.erase(it);
  return old;
}

std::vector<StoreDelta> Store::Replace(std::vector<ObjectPtr> objects, const std::string& scope,
                                       bool all_namespaces) {
  std::unordered_map<std::string, ObjectPtr> incoming;
  incoming.reserve(objects.size());
  for (auto& o : objects) incoming[ObjectKey(*o)] = std::move(o);
  auto in_scope = [&](const Json& o) {
    if (all_namespaces) return true;
    auto meta = o.find("metadata");
    return meta != o.end() && meta->is_object() && meta->value("namespace", "") == scope;
  };
  std::vector<StoreDelta> deltas;
  std::unique_lock lock(mu_);
  for (auto it = items_.begin(); it != items_.end();) {
    if (in_scope(*it->second) && !incoming.count(it->first)) {
      deltas.push_back({it->second, nullptr});
      IndexLocked(it->first, it->second.get(), nullptr);
      it = items_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [key, obj] : incoming) {
    auto& slot = items_[key];
    deltas.push_back({slot, obj});
    IndexLocked(key, slot.get(), obj.get());
    slot = obj;
  }
  return deltas;
}

}  // namespace kube
