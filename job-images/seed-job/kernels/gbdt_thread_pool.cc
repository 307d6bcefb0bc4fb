#include "kernels/gbdt_thread_pool.h"

#include <algorithm>

namespace seed::kernels {

int GbdtThreadPool::Resolve(int threads) {
  if (threads > 0) return threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

GbdtThreadPool::GbdtThreadPool(int threads) {
  const int total = Resolve(threads);
  for (int i = 1; i < total; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

GbdtThreadPool::~GbdtThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void GbdtThreadPool::Drain() {
  for (;;) {
    const size_t task = next_.fetch_add(1, std::memory_order_relaxed);
    if (task >= tasks_) return;
    try {
      (*fn_)(task);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
      next_.store(tasks_, std::memory_order_relaxed);  // stop handing out work
    }
  }
}

void GbdtThreadPool::Run(size_t tasks, const std::function<void(size_t)>& fn) {
  if (tasks == 0) return;
  if (workers_.empty() || tasks == 1) {
    for (size_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    fn_ = &fn;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    busy_workers_ = static_cast<int>(workers_.size());
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  Drain();
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return busy_workers_ == 0; });
  fn_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

void GbdtThreadPool::WorkerLoop() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    Drain();
    bool last = false;
    {
      std::lock_guard lock(mutex_);
      last = --busy_workers_ == 0;
    }
    if (last) done_.notify_one();
  }
}

}  // namespace seed::kernels
