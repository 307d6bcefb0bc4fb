#include "kube/metrics.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace kube {

namespace {

void AtomicAdd(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string FormatLabels(const Labels& labels, const std::string& extra_key = "",
                         const std::string& extra_value = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"" + EscapeLabelValue(v) + "\"";
  }
  if (!extra_key.empty()) {
    if (!first) out += ",";
    out += extra_key + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

}  // namespace

void Metrics::Counter::Inc(double v) { AtomicAdd(value_, v); }
double Metrics::Counter::Value() const { return value_.load(); }
void Metrics::Gauge::Set(double v) { value_.store(v); }
void Metrics::Gauge::Add(double v) { AtomicAdd(value_, v); }
double Metrics::Gauge::Value() const { return value_.load(); }

Metrics::Histogram::Histogram(std::vector<double> buckets)
    : bounds_(std::move(buckets)), counts_(bounds_.size(), 0) {}

void Metrics::Histogram::Observe(double v) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (v <= bounds_[i]) ++counts_[i];
  }
  ++count_;
  sum_ += v;
}

uint64_t Metrics::Histogram::Count() const {
  std::lock_guard lock(mu_);
  return count_;
}

double Metrics::Histogram::Sum() const {
  std::lock_guard lock(mu_);
  return sum_;
}

std::vector<uint64_t> Metrics::Histogram::BucketCounts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void Metrics::Histogram::Snapshot(std::vector<uint64_t>& buckets, uint64_t& count, double& sum) const {
  std::lock_guard lock(mu_);
  buckets = counts_;
  count = count_;
  sum = sum_;
}

std::vector<double> Metrics::DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7,
          0.8,   0.9,  1.0,   1.25, 1.5, 1.75, 2.0, 2.5,  3.0, 3.5,  4.0, 4.5,  5,   6,   7,
          8,     9,    10,    15,   20,  25,   30,  40,   50,  60};
}

std::vector<double> Metrics::ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(start);
    start *= factor;
  }
  return out;
}

Metrics::Family& Metrics::GetFamily(const std::string& name, const std::string& help, Type type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return it->second;
}

Metrics::Counter& Metrics::GetCounter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = GetFamily(name, help, Type::kCounter).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Metrics::Gauge& Metrics::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = GetFamily(name, help, Type::kGauge).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Metrics::Histogram& Metrics::GetHistogram(const std::string& name, const std::string& help,
                                          const Labels& labels, std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  auto& slot = GetFamily(name, help, Type::kHistogram).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(buckets));
  return *slot;
}

void Metrics::AddCollector(Collector collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Render() const {
  std::string out = RenderFamilies();
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  for (const auto& collect : collectors) {
    for (const auto& gauge : collect()) {
      out += "# HELP " + gauge.name + " " + gauge.help + "\n";
      out += "# TYPE " + gauge.name + " gauge\n";
      for (const auto& [labels, value] : gauge.samples) {
        out += gauge.name + FormatLabels(labels) + " " + FormatValue(value) + "\n";
      }
    }
  }
  return out;
}

std::string Metrics::RenderFamilies() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    const char* type = family.type == Type::kCounter ? "counter"
                       : family.type == Type::kGauge ? "gauge"
                                                     : "histogram";
    out += "# HELP " + name + " " + family.help + "\n";
    out += "# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, c] : family.counters) {
      out += name + FormatLabels(labels) + " " + FormatValue(c->Value()) + "\n";
    }
    for (const auto& [labels, g] : family.gauges) {
      out += name + FormatLabels(labels) + " " + FormatValue(g->Value()) + "\n";
    }
    for (const auto& [labels, h] : family.histograms) {
      std::vector<uint64_t> counts;
      uint64_t total = 0;
      double sum = 0;
      h->Snapshot(counts, total, sum);
      for (size_t i = 0; i < counts.size(); ++i) {
        out += name + "_bucket" + FormatLabels(labels, "le", FormatValue(h->Bounds()[i])) + " " +
               std::to_string(counts[i]) + "\n";
      }
      out += name + "_bucket" + FormatLabels(labels, "le", "+Inf") + " " + std::to_string(total) + "\n";
      out += name + "_sum" + FormatLabels(labels) + " " + FormatValue(sum) + "\n";
      out += name + "_count" + FormatLabels(labels) + " " + std::to_string(total) + "\n";
    }
  }
  return out;
}

}  // namespace kube
