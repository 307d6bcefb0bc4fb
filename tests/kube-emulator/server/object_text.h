#pragma once

#include <string>

#include "kube-emulator/server/object_store.h"

namespace kubeemu {

// The JSON text (dump) of a stored object. Stored objects never change, so the text of the last one
// dumped on this thread is kept: a write renders its object for each watch event and again for its
// response, all on the writing thread, and this dumps it once.
const std::string& ObjectText(const ObjectPtr& object);

}  // namespace kubeemu
