#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kube/resource.h"

namespace kube {

// Transforms run on every object an informer receives, before it is cached, so the cache holds only
// what its controllers read (client-go's TransformFunc). A transform must keep apiVersion, kind and
// metadata.name / namespace / uid / resourceVersion, and may run concurrently on different objects.
using Transform = std::function<void(Json&)>;

// Drops what a controller cache never needs (managedFields and the last-applied annotation).
// The default transform of every informer.
void TrimObject(Json& object);

// A transform that keeps only the given dotted paths (e.g. "metadata.labels", "status.phase",
// "status.containerStatuses.state"); a path through an array applies to every element. apiVersion,
// kind and the identity fields of metadata (name, namespace, uid, resourceVersion) are always kept.
Transform KeepOnlyFields(std::vector<std::string> paths);

// For a cache of pods that a controller creates and watches to completion: identity, labels,
// annotations (less last-applied), owner references, finalizers, generation, creation and deletion
// timestamps; status phase, reason, message, start time, and each container status's name, state
// (waiting reason, running start, terminated exit code, reason, message and times), last state and
// restart count. Spec, conditions, IPs and image IDs are dropped: a reader that needs the spec must
// GET the pod.
void TrimPod(Json& pod);

}  // namespace kube
