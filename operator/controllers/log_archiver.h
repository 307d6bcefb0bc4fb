#pragma once
// Keeps task logs after their pods and runs are deleted: for a run with an artifact repository,
// each terminated task pod's log (GET pods/NAME/log) and its results file (the termination
// message) are uploaded to render::LogArchiveDir(...)/log.txt and results.json, then the pod is
// annotated seed.dev/log-archived=true. The annotation is the record: a restarted operator archives
// exactly the terminated pods that lack it (an upload repeated after a crash between the PUT and
// the annotation rewrites the same object), and never blocks a reconcile: jobs go to a bounded
// queue served by one worker thread of its own. A failed archive is logged (the URL, never a key)
// and tried again the next time the run is reconciled.
// Credentials: the repository Secret is read through the API when a job runs (RBAC: secrets get)
// and only handed to the object-storage client (job-images/seed-job/storage); nothing logs it.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "api/artifact_repository.h"
#include "kube/client.h"

namespace seed::controllers {

struct LogArchiveJob {
  std::string ns;
  std::string pod;
  std::string uid;  // the pod's: a later pod of the same name is another job
  std::string dir;      // render::LogArchiveDir of the attempt
  std::string results;  // the termination message ("" : none)
  api::S3ArtifactRepository repository;
};

class LogArchiver {
 public:
  explicit LogArchiver(std::shared_ptr<kube::Client> client, size_t capacity = 1024);
  ~LogArchiver();  // finishes the job in hand, drops the rest (they are redone after a restart)
  LogArchiver(const LogArchiver&) = delete;
  LogArchiver& operator=(const LogArchiver&) = delete;

  // Queues the job unless its pod is queued or in hand already, or the queue is full (then false:
  // the next reconcile offers it again).
  bool Offer(LogArchiveJob job);
  // Pods archived so far by this process (for tests and metrics).
  size_t archived() const;

 private:
  void Work();
  void Archive(const LogArchiveJob& job);

  std::shared_ptr<kube::Client> client_;
  size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<LogArchiveJob> queue_;
  std::set<std::string> pending_;  // pod uids queued or in hand
  // pod uids archived lately (the newest 4096): a reconcile whose cache has not yet seen the pod's
  // annotation does not upload it again.
  std::set<std::string> recent_;
  std::deque<std::string> recent_order_;
  size_t archived_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace seed::controllers
