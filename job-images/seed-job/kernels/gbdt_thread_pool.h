#pragma once
// A tiny fork-join pool for the GBDT kernel: Run(tasks, fn) calls fn(task) for every task index on
// the calling thread plus the workers, and returns when all are done. The trainer calls it a few
// times per tree level, so it avoids per-call allocation; tasks are handed out by an atomic counter.
// (The kernels library cannot take an OpenMP dependency, hence this instead of `#pragma omp for`.)
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace seed::kernels {

class GbdtThreadPool {
 public:
  // threads: total threads including the caller; 0 means std::thread::hardware_concurrency().
  explicit GbdtThreadPool(int threads);
  ~GbdtThreadPool();
  GbdtThreadPool(const GbdtThreadPool&) = delete;
  GbdtThreadPool& operator=(const GbdtThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs fn(0) .. fn(tasks - 1). The first exception thrown by a task is rethrown here.
  void Run(size_t tasks, const std::function<void(size_t)>& fn);

  static int Resolve(int threads);

 private:
  void WorkerLoop();
  void Drain();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t tasks_ = 0;
  std::atomic<size_t> next_{0};
  uint64_t generation_ = 0;
  int busy_workers_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace seed::kernels
