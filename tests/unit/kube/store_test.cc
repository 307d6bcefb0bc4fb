#include "kube/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace kube {
namespace {

ObjectPtr Pod(const std::string& name, const std::string& owner_uid, int rv) {
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", std::to_string(rv)}}}};
  if (!owner_uid.empty()) {
    pod["metadata"]["ownerReferences"] = Json::array({{{"uid", owner_uid}, {"controller", true}}});
  }
  return std::make_shared<const Json>(std::move(pod));
}

std::vector<std::string> Names(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> names;
  for (const auto& o : objects) names.push_back((*o)["metadata"]["name"]);
  std::sort(names.begin(), names.end());
  return names;
}

TEST(StoreTest, ObjectsReadBackEqualToWhatWasStored) {
  // Every JSON type, including the integer kinds and a float, survives the compact encoding.
  Json object = Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns"},
    "data":{"text":"h\u00e9llo \"quoted\"\n","empty":""},
    "numbers":[0,-1,42,-9223372036854775808,18446744073709551615,1.5,-2.25e-10],
    "flags":[true,false,null],"nested":{"a":[{"b":[]},{}]}})");
  Store store;
  EXPECT_EQ(store.Upsert(std::make_shared<const Json>(object)), nullptr);
  auto read = store.Get("ns/c");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, object);
  EXPECT_EQ(read->dump(), object.dump());
  EXPECT_EQ((*read)["numbers"][1].get<int64_t>(), -1);
  EXPECT_EQ((*read)["numbers"][4].get<uint64_t>(), 18446744073709551615u);
  EXPECT_EQ((*read)["numbers"][5].get<double>(), 1.5);
}

TEST(StoreTest, ReadersKeepTheirCopyAcrossUpdatesAndRemoval) {
  Store store;
  store.Upsert(Pod("a", "", 1));
  auto before = store.Get("ns/a");
  auto old = store.Upsert(Pod("a", "", 2));
  ASSERT_TRUE(old);
  EXPECT_EQ((*old)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ((*before)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ((*store.Get("ns/a"))["metadata"]["resourceVersion"], "2");
  auto removed = store.Remove("ns/a");
  ASSERT_TRUE(removed);
  EXPECT_EQ((*removed)["metadata"]["resourceVersion"], "2");
  EXPECT_EQ((*before)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(store.Get("ns/a"), nullptr);
  EXPECT_EQ(store.Remove("ns/a"), nullptr);
  EXPECT_EQ(store.Size(), 0u);
}

TEST(StoreTest, IndexesFollowUpdatesRemovalsAndReplace) {
  Store store;
  store.Upsert(Pod("a", "u1", 1));
  store.Upsert(Pod("b", "u1", 1));
  store.Upsert(Pod("c", "u2", 1));
  EXPECT_EQ(Names(store.ByIndex(kIndexControllerOwner, "u1")), (std::vector<std::string>{"a", "b"}));
  store.Upsert(Pod("b", "u2", 2));  // the owner changed
  EXPECT_EQ(Names(store.ByIndex(kIndexControllerOwner, "u1")), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Names(store.ByIndex(kIndexControllerOwner, "u2")), (std::vector<std::string>{"b", "c"}));
  store.Remove("ns/a");
  EXPECT_TRUE(store.ByIndex(kIndexControllerOwner, "u1").empty());
  store.AddIndex("name", [](const Json& o) { return std::vector<std::string>{o["metadata"]["name"]}; });
  EXPECT_EQ(Names(store.ByIndex("name", "c")), (std::vector<std::string>{"c"}));

  auto deltas = store.Replace({Pod("c", "u3", 3), Pod("d", "u3", 3)}, "ns", false);
  ASSERT_EQ(deltas.size(), 3u);
  std::vector<std::string> seen;
  for (const auto& d : deltas) {
    std::string was = d.old_object ? (*d.old_object)["metadata"]["name"].get<std::string>() : "-";
    std::string now = d.new_object ? (*d.new_object)["metadata"]["name"].get<std::string>() : "-";
    seen.push_back(was + ">" + now);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"->d", "b>-", "c>c"}));
  EXPECT_EQ(Names(store.List()), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(Names(store.ByIndex(kIndexControllerOwner, "u3")), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(store.ByIndex(kIndexControllerOwner, "u2").empty());
  EXPECT_EQ(Names(store.ByIndex(kIndexNamespace, "ns")), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(store.ByIndex("name", "b").empty());
  EXPECT_TRUE(store.ByIndex("no-such-index", "x").empty());
}

TEST(StoreTest, ReplaceOfOneNamespaceLeavesTheOthers) {
  Store store;
  Json other = {{"metadata", {{"name", "x"}, {"namespace", "ns-other"}}}};
  store.Upsert(std::make_shared<const Json>(other));
  store.Upsert(Pod("a", "", 1));
  store.Replace({}, "ns", false);
  EXPECT_EQ(store.Keys(), (std::vector<std::string>{"ns-other/x"}));
  store.Replace({}, "", true);
  EXPECT_EQ(store.Size(), 0u);
}

// Writers and readers at once (run under ThreadSanitizer by scripts/test): every read sees a whole
// object, and the indexes end consistent with the contents.
TEST(StoreTest, ConcurrentWritersAndReadersSeeWholeObjects) {
  Store store;
  constexpr int kObjects = 50, kRounds = 40;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        for (const auto& o : store.List()) {
          const auto& meta = (*o)["metadata"];
          // Each writer sets the owner to "u<rv % 2>": a torn object would break that relation.
          int rv = std::stoi(meta["resourceVersion"].get<std::string>());
          if (meta["ownerReferences"][0]["uid"] != "u" + std::to_string(rv % 2)) ++torn;
        }
        for (const auto& o : store.ByIndex(kIndexControllerOwner, "u1")) {
          if (std::stoi((*o)["metadata"]["resourceVersion"].get<std::string>()) < 1) ++torn;
        }
        (void)store.Get("ns/p7");
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int round = 1; round <= kRounds; ++round) {
        for (int i = w; i < kObjects; i += 2)
          store.Upsert(Pod("p" + std::to_string(i), "u" + std::to_string(round % 2), round));
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn, 0);
  EXPECT_EQ(store.Size(), static_cast<size_t>(kObjects));
  EXPECT_EQ(store.ByIndex(kIndexControllerOwner, "u" + std::to_string(kRounds % 2)).size(),
            static_cast<size_t>(kObjects));
  EXPECT_TRUE(store.ByIndex(kIndexControllerOwner, "u" + std::to_string((kRounds + 1) % 2)).empty());
}

}  // namespace
}  // namespace kube
