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

Store::Encoded Store::Encode(const Json& object) {
  auto bytes = std::make_shared<std::string>();
  Json::to_msgpack(object, *bytes);
  bytes->shrink_to_fit();
  return bytes;
}

ObjectPtr Store::Decode(const Encoded& encoded) {
  // The bytes were written by Encode, so they always parse.
  return std::make_shared<const Json>(Json::from_msgpack(*encoded));
}

void Store::AddIndex(const std::string& name, IndexFunc func) {
  std::unique_lock lock(mu_);
  index_funcs_[name] = std::move(func);
  auto& index = indexes_[name];
  index.clear();
  for (const auto& [key, encoded] : items_) {
    for (const auto& v : index_funcs_[name](*Decode(encoded))) index[v].insert(key);
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
  Encoded encoded;
  {
    std::shared_lock lock(mu_);
    auto it = items_.find(key);
    if (it == items_.end()) return nullptr;
    encoded = it->second;
  }
  return Decode(encoded);
}

std::vector<ObjectPtr> Store::List() const {
  std::vector<Encoded> encoded;
  {
    std::shared_lock lock(mu_);
    encoded.reserve(items_.size());
    for (const auto& [key, bytes] : items_) encoded.push_back(bytes);
  }
  std::vector<ObjectPtr> out;
  out.reserve(encoded.size());
  for (const auto& bytes : encoded) out.push_back(Decode(bytes));
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
  std::vector<Encoded> encoded;
  {
    std::shared_lock lock(mu_);
    auto idx = indexes_.find(index);
    if (idx == indexes_.end()) return {};
    auto keys = idx->second.find(value);
    if (keys == idx->second.end()) return {};
    for (const auto& key : keys->second) {
      if (auto it = items_.find(key); it != items_.end()) encoded.push_back(it->second);
    }
  }
  std::vector<ObjectPtr> out;
  out.reserve(encoded.size());
  for (const auto& bytes : encoded) out.push_back(Decode(bytes));
  return out;
}

size_t Store::Size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

ObjectPtr Store::Upsert(ObjectPtr object) {
  std::string key = ObjectKey(*object);
  Encoded encoded = Encode(*object);
  std::unique_lock lock(mu_);
  auto& slot = items_[key];
  // The previous object is decoded under the lock: its index entries must be removed in the same
  // step that replaces it.
  ObjectPtr old = slot ? Decode(slot) : nullptr;
  IndexLocked(key, old.get(), object.get());
  slot = std::move(encoded);
  return old;
}

ObjectPtr Store::Remove(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr old = Decode(it->second);
  IndexLocked(key, old.get(), nullptr);
  items_.erase(it);
  return old;
}

std::vector<StoreDelta> Store::Replace(std::vector<ObjectPtr> objects, const std::string& scope,
                                       bool all_namespaces) {
  // Encoded before the lock is taken; old objects are decoded under it (see Upsert).
  std::unordered_map<std::string, std::pair<ObjectPtr, Encoded>> incoming;
  incoming.reserve(objects.size());
  for (auto& o : objects) {
    std::string key = ObjectKey(*o);
    Encoded encoded = Encode(*o);
    incoming[key] = {std::move(o), std::move(encoded)};
  }
  auto in_scope = [&](const std::string& key) {
    if (all_namespaces) return true;
    // Keys of namespaced objects are "namespace/name".
    return key.size() > scope.size() && key.compare(0, scope.size(), scope) == 0 && key[scope.size()] == '/';
  };
  std::vector<StoreDelta> deltas;
  std::unique_lock lock(mu_);
  for (auto it = items_.begin(); it != items_.end();) {
    if (in_scope(it->first) && !incoming.count(it->first)) {
      ObjectPtr old = Decode(it->second);
      IndexLocked(it->first, old.get(), nullptr);
      deltas.push_back({std::move(old), nullptr});
      it = items_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [key, entry] : incoming) {
    auto& slot = items_[key];
    ObjectPtr old = slot ? Decode(slot) : nullptr;
    IndexLocked(key, old.get(), entry.first.get());
    deltas.push_back({std::move(old), entry.first});
    slot = std::move(entry.second);
  }
  return deltas;
}

}  // namespace kube
