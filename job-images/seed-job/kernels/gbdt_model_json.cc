// GbdtModel <-> JSON. Version 2 (written) keeps the trees as little-endian binary tables in base64
// strings, so reading costs no number parsing per node; version 1 (one JSON number per node field)
// is still read. The layout is specified in the seed-job README ("The gbdt model").
#include <nettle/base64.h>

#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/gbdt.h"
#include "kernels/gbdt_malformed.h"
#include "kernels/json_integers.h"

namespace seed::kernels {
namespace {

constexpr int kWrittenVersion = 2;

const char* LossName(GbdtParams::Loss loss) { return loss == GbdtParams::Loss::kL2 ? "l2" : "quantile"; }

// Little-endian fixed-width values, assembled byte by byte so the file reads the same everywhere.
void Put(std::string& out, uint64_t value, int bytes) {
  for (int b = 0; b < bytes; ++b) out.push_back(static_cast<char>(value >> (8 * b) & 0xFF));
}
uint64_t Get(const uint8_t* in, int bytes) {
  uint64_t value = 0;
  for (int b = 0; b < bytes; ++b) value |= uint64_t{in[b]} << (8 * b);
  return value;
}

std::string Base64(const std::string& bytes) {
  std::string text(BASE64_ENCODE_RAW_LENGTH(bytes.size()), '\0');
  base64_encode_raw(text.data(), bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data()));
  return text;
}

// A base64 member of the model, decoded; `unit` bytes per entry. Refuses anything but standard,
// padded base64 whose length is a whole number of entries.
std::vector<uint8_t> Unbase64(const nlohmann::json& json, const char* key, size_t unit) {
  const auto it = json.find(key);
  if (it == json.end()) Malformed(std::string("model has no \"") + key + "\"");
  if (!it->is_string()) Malformed(std::string("\"") + key + "\" must be a base64 string");
  const std::string& text = it->get_ref<const std::string&>();
  if (text.size() % 4 != 0)
    Malformed(std::string("\"") + key + "\" is not base64 (length not a multiple of 4)");
  std::vector<uint8_t> bytes(BASE64_DECODE_LENGTH(text.size()));
  size_t size = bytes.size();
  base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  // Nettle skips whitespace, which a writer never emits: padded base64 without it decodes to
  // exactly 3 bytes per 4 characters less one per '=', and any whitespace makes the output shorter.
  const size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  if (!base64_decode_update(&ctx, &size, bytes.data(), text.size(), text.data()) ||
      !base64_decode_final(&ctx) || size != text.size() / 4 * 3 - padding) {
    Malformed(std::string("\"") + key + "\" is not valid base64");
  }
  bytes.resize(size);
  if (size % unit != 0) {
    Malformed(std::string("\"") + key + "\" holds " + std::to_string(size) +
              " bytes, not a whole number of " + std::to_string(unit) + "-byte entries");
  }
  return bytes;
}

void ExpectEntries(const char* key, size_t got, size_t expected, const std::string& of_what) {
  if (got != expected) {
    Malformed(std::string("\"") + key + "\" holds " + std::to_string(got) + " entries, expected " +
              std::to_string(expected) + " (" + of_what + ")");
  }
}

const nlohmann::json& Field(const nlohmann::json& object, const char* key, const std::string& where) {
  if (!object.is_object()) Malformed(where + " must be a JSON object");
  const auto it = object.find(key);
  if (it == object.end()) Malformed(where + " has no \"" + key + "\"");
  return *it;
}

// Version 1: per tree, parallel arrays left / feature / default_left / value of JSON numbers.
void ReadTreesV1(const nlohmann::json& json, std::vector<GbdtNode>& nodes, std::vector<uint32_t>& starts) {
  const auto& trees = Field(json, "trees", "model");
  if (!trees.is_array()) Malformed("\"trees\" must be an array");
  for (size_t t = 0; t < trees.size(); ++t) {
    const std::string where = "tree " + std::to_string(t);
    const auto left = ReadIntegers<uint32_t>(Field(trees[t], "left", where), where + " \"left\"");
    const auto feature = ReadIntegers<uint32_t>(Field(trees[t], "feature", where), where + " \"feature\"");
    const auto default_left =
        ReadIntegers<int>(Field(trees[t], "default_left", where), where + " \"default_left\"");
    const auto value = Field(trees[t], "value", where).get<std::vector<double>>();
    if (left.empty() || feature.size() != left.size() || default_left.size() != left.size() ||
        value.size() != left.size()) {
      Malformed(
          where +
          ": \"left\", \"feature\", \"default_left\" and \"value\" must be non-empty arrays of one length");
    }
    starts.push_back(static_cast<uint32_t>(nodes.size()));
    for (size_t i = 0; i < left.size(); ++i)
      nodes.push_back({value[i], feature[i], left[i], default_left[i] != 0});
  }
}

struct TreesV2 {
  std::vector<GbdtNode> nodes;
  std::vector<uint32_t> starts;
  std::vector<std::vector<double>> tables;
  std::vector<uint16_t> index;  // per node: its threshold's index in its feature's table (leaves: 0)
};

// Version 2: the threshold tables and the node, split and leaf tables (see ToJson). Indices are
// checked here as far as the tables need; the GbdtModel constructor checks the tree shapes.
TreesV2 ReadTreesV2(const nlohmann::json& json, size_t num_features) {
  TreesV2 out;
  std::vector<GbdtNode>& nodes = out.nodes;
  std::vector<uint32_t>& starts = out.starts;
  std::vector<std::vector<double>>& tables = out.tables;
  const auto counts =
      ReadIntegers<uint64_t>(Field(json, "threshold_counts", "model"), "\"threshold_counts\"");
  ExpectEntries("threshold_counts", counts.size(), num_features, "one per feature");
  const std::vector<uint8_t> table_bytes = Unbase64(json, "thresholds", 8);
  tables.resize(num_features);  // as many as the JSON array has entries
  size_t offset = 0;
  for (size_t f = 0; f < num_features; ++f) {
    if (counts[f] > GbdtModel::kMaxThresholds) {
      Malformed("threshold_counts: feature " + std::to_string(f) + " has more than " +
                std::to_string(GbdtModel::kMaxThresholds) + " thresholds");
    }
    if (offset + counts[f] > table_bytes.size() / 8) {
      Malformed("\"thresholds\" holds " + std::to_string(table_bytes.size() / 8) +
                " values, fewer than threshold_counts add up to");
    }
    for (size_t k = 0; k < counts[f]; ++k, ++offset) {
      const double value = std::bit_cast<double>(Get(&table_bytes[offset * 8], 8));
      if (!std::isfinite(value)) Malformed("thresholds of feature " + std::to_string(f) + " must be finite");
      if (k > 0) {
        const double before = tables[f].back();
        if (!(before < value || (before == value && std::signbit(before) && !std::signbit(value)))) {
          Malformed("thresholds of feature " + std::to_string(f) + " must be increasing");
        }
      }
      tables[f].push_back(value);
    }
  }
  ExpectEntries("thresholds", table_bytes.size() / 8, offset, "the sum of threshold_counts");

  const auto sizes = ReadIntegers<uint32_t>(Field(json, "tree_sizes", "model"), "\"tree_sizes\"");
  uint64_t total = 0;
  for (size_t t = 0; t < sizes.size(); ++t) {
    if (sizes[t] == 0) Malformed("tree " + std::to_string(t) + " has no nodes");
    total += sizes[t];
  }
  const std::vector<uint8_t> node_bytes = Unbase64(json, "nodes", 4);
  ExpectEntries("nodes", node_bytes.size() / 4, total, "the sum of tree_sizes");
  const std::vector<uint8_t> split_bytes = Unbase64(json, "splits", 4);
  const std::vector<uint8_t> leaf_bytes = Unbase64(json, "leaf_values", 8);
  const size_t splits = split_bytes.size() / 4, leaves = leaf_bytes.size() / 8;
  size_t split = 0, leaf = 0;
  nodes.reserve(total);
  out.index.reserve(total);
  starts.reserve(sizes.size());
  for (size_t t = 0, i = 0; t < sizes.size(); ++t) {
    starts.push_back(static_cast<uint32_t>(i));
    for (size_t end = i + sizes[t]; i < end; ++i) {
      const auto word = static_cast<uint32_t>(Get(&node_bytes[i * 4], 4));
      if (word == 0) {
        if (leaf == leaves) Malformed("\"leaf_values\" has fewer entries than \"nodes\" has leaves");
        nodes.push_back({std::bit_cast<double>(Get(&leaf_bytes[leaf++ * 8], 8)), 0, 0, false});
        out.index.push_back(0);
        continue;
      }
      if (split == splits) Malformed("\"splits\" has fewer entries than \"nodes\" has internal nodes");
      const auto feature = static_cast<uint32_t>(Get(&split_bytes[split * 4], 2));
      const auto k = static_cast<size_t>(Get(&split_bytes[split * 4 + 2], 2));
      ++split;
      // Only built for a message: a string per node would cost more than the decoding.
      auto where = [&] {
        return "tree " + std::to_string(t) + " node " + std::to_string(i - starts.back()) + ": ";
      };
      if (feature >= num_features) {
        Malformed(where() + "feature " + std::to_string(feature) + " out of range (" +
                  std::to_string(num_features) + " features)");
      }
      if (k >= tables[feature].size()) {
        Malformed(where() + "threshold index " + std::to_string(k) + " out of range (feature " +
                  std::to_string(feature) + " has " + std::to_string(tables[feature].size()) +
                  " thresholds)");
      }
      if (word >> 1 == 0) Malformed(where() + "left child 0 (the root is never a child)");
      nodes.push_back({tables[feature][k], feature, word >> 1, (word & 1u) != 0});
      out.index.push_back(static_cast<uint16_t>(k));
    }
  }
  ExpectEntries("splits", splits, split, "one per internal node");
  ExpectEntries("leaf_values", leaves, leaf, "one per leaf");
  return out;
}

}  // namespace

nlohmann::json GbdtModel::ToJson() const {
  std::string table_bytes;
  std::vector<uint64_t> counts;
  for (const std::vector<double>& table : thresholds_) {
    counts.push_back(table.size());
    for (double value : table) Put(table_bytes, std::bit_cast<uint64_t>(value), 8);
  }
  std::vector<uint32_t> sizes;
  for (size_t t = 0; t < tree_starts_.size(); ++t) {
    const size_t end = t + 1 < tree_starts_.size() ? tree_starts_[t + 1] : nodes_.size();
    sizes.push_back(static_cast<uint32_t>(end - tree_starts_[t]));
  }
  std::string node_bytes, split_bytes, leaf_bytes;
  node_bytes.reserve(nodes_.size() * 4);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const GbdtNode& node = nodes_[i];
    if (node.IsLeaf()) {
      Put(node_bytes, 0, 4);
      Put(leaf_bytes, std::bit_cast<uint64_t>(node.threshold), 8);
    } else {
      Put(node_bytes, node.left << 1 | (node.default_left ? 1u : 0u), 4);
      // The packed node holds the threshold's index (see PackedNode).
      const PackedNode& packed = packed_[i];
      Put(split_bytes, packed.slot >> 1, 2);
      Put(split_bytes, packed.slot & 1u ? packed.bound : packed.bound - 1, 2);
    }
  }
  return {{"format", "seed-gbdt"},
          {"version", kWrittenVersion},
          {"num_features", num_features_},
          {"loss", LossName(loss_)},
          {"alpha", alpha_},
          {"base_score", base_score_},
          {"gain_importance", gain_importance_},
          {"threshold_counts", counts},
          {"thresholds", Base64(table_bytes)},
          {"tree_sizes", sizes},
          {"nodes", Base64(node_bytes)},
          {"splits", Base64(split_bytes)},
          {"leaf_values", Base64(leaf_bytes)}};
}

GbdtModel GbdtModel::FromJson(const nlohmann::json& json) {
  try {
    if (Field(json, "format", "model") != "seed-gbdt") Malformed("\"format\" must be \"seed-gbdt\"");
    const auto& version = Field(json, "version", "model");
    if (version != 1 && version != 2) {
      Malformed("unsupported version " + version.dump() + " (this build reads versions 1 and 2)");
    }
    const auto num_features = ReadInteger<size_t>(Field(json, "num_features", "model"), "\"num_features\"");
    const auto loss_name = Field(json, "loss", "model").get<std::string>();
    if (loss_name != "l2" && loss_name != "quantile") Malformed("\"loss\" must be \"l2\" or \"quantile\"");
    const auto loss = loss_name == "l2" ? GbdtParams::Loss::kL2 : GbdtParams::Loss::kQuantile;
    const auto alpha = Field(json, "alpha", "model").get<double>();
    const auto base_score = Field(json, "base_score", "model").get<double>();
    auto importance = Field(json, "gain_importance", "model").get<std::vector<double>>();
    if (version == 2) {
      TreesV2 trees = ReadTreesV2(json, num_features);
      return GbdtModel(num_features, base_score, std::move(trees.nodes), std::move(trees.starts), loss, alpha,
                       std::move(importance), std::move(trees.tables), trees.index);
    }
    std::vector<GbdtNode> nodes;
    std::vector<uint32_t> starts;
    ReadTreesV1(json, nodes, starts);
    return GbdtModel(num_features, base_score, std::move(nodes), std::move(starts), loss, alpha,
                     std::move(importance));
  } catch (const nlohmann::json::exception& e) {
    // A wrong type (a string where a number belongs, a null threshold, ...).
    Malformed(std::string("wrong JSON type: ") + e.what());
  }
}

}  // namespace seed::kernels
