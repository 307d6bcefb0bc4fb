#pragma once
// The validating webhook's protocol: an AdmissionReview (admission.k8s.io/v1) request in, its
// AdmissionReview response out. Pure.
//
// A CREATE or UPDATE of a Seed object is allowed when CheckObject finds nothing; otherwise it is
// denied with status 422 (Invalid) and a message of one line per problem in `seed validate`'s words,
// without the file: "Pipeline/wind: spec.schedule.cron: "61" is not a valid minute: use 0-59".
// Other operations, and objects of other kinds, are allowed.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "admission/object_check.h"

namespace seed::admission {

struct ReviewAnswer {
  int http_status = 200;  // 400 when the body is not an AdmissionReview request
  nlohmann::json body;    // the AdmissionReview response, or {"error": ...} with 400
  bool allowed = true;
};

ReviewAnswer AnswerReview(std::string_view request_body, const ClusterLookup& lookup);

}  // namespace seed::admission
