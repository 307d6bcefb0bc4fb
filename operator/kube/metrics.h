#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kube {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A small Prometheus registry: counters, gauges and histograms rendered in the text exposition
// format (version 0.0.4). Written here because no Debian package offers a C++ Prometheus client.
class Metrics {
 public:
  class Counter {
   public:
    void Inc(double v = 1.0);
    double Value() const;

   private:
    std::atomic<double> value_{0};
  };
  class Gauge {
   public:
    void Set(double v);
    void Add(double v);
    double Value() const;

   private:
    std::atomic<double> value_{0};
  };
  class Histogram {
   public:
    explicit Histogram(std::vector<double> buckets);
    void Observe(double v);
    uint64_t Count() const;
    double Sum() const;
    std::vector<uint64_t> BucketCounts() const;  // cumulative, one per bound
    // Buckets, count and sum read together, so a rendered histogram is always self-consistent.
    void Snapshot(std::vector<uint64_t>& buckets, uint64_t& count, double& sum) const;
    const std::vector<double>& Bounds() const { return bounds_; }

   private:
    mutable std::mutex mu_;
    std::vector<double> bounds_;
    std::vector<uint64_t> counts_;
    uint64_t count_ = 0;
    double sum_ = 0;
  };

  // Returned references stay valid for the registry's lifetime.
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help, const Labels& labels = {},
                          std::vector<double> buckets = DefaultBuckets());

  // A gauge family computed when /metrics is scraped (e.g. from informer caches, as
  // kube-state-metrics does), so it is always the current state and needs no bookkeeping when an
  // object goes away. Its name must not be one of the registry's families.
  struct CollectedGauge {
    std::string name;
    std::string help;
    std::vector<std::pair<Labels, double>> samples;
  };
  using Collector = std::function<std::vector<CollectedGauge>()>;
  // Collectors run at every Render, outside the registry's lock, in the order added.
  void AddCollector(Collector collector);

  std::string Render() const;

  static std::vector<double> DefaultBuckets();  // controller-runtime's reconcile_time buckets
  static std::vector<double> ExponentialBuckets(double start, double factor, int count);

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& GetFamily(const std::string& name, const std::string& help, Type type);
  std::string RenderFamilies() const;

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  std::vector<Collector> collectors_;
};

}  // namespace kube
