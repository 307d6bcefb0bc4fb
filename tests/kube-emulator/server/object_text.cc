#include "kube-emulator/server/object_text.h"

namespace kubeemu {

const std::string& ObjectText(const ObjectPtr& object) {
  // `last` holds the object, so its address cannot be reused by another object while it is cached.
  thread_local ObjectPtr last;
  thread_local std::string text;
  if (object != last) {
    text = object->dump();
    last = object;
  }
  return text;
}

}  // namespace kubeemu
