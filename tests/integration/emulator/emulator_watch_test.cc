// Watches: replay from a resourceVersion, 410 Gone, bookmarks, timeouts, dropped and expired watches,
// restarts, and an uncompressed stream.
#include <gtest/gtest.h>

#include "http_test_client.h"
#include "kube-emulator/emulator_process.h"
#include "test_objects.h"

namespace kubeemu::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string Rv(const json& object) { return object["metadata"]["resourceVersion"]; }

json Create(const EmulatorProcess& emulator, const json& object) { return emulator.Request("POST", kConfigMaps, object); }

json MergePatch(const EmulatorProcess& emulator, const std::string& name, const json& patch) {
  return emulator.Request("PATCH", std::string(kConfigMaps) + "/" + name, patch, "application/merge-patch+json");
}

TEST(EmulatorWatchTest, ReplaysLaterEventsInOrderFromAResourceVersion) {
  EmulatorProcess emulator;
  json a = Create(emulator, ConfigMap("a"));
  const std::string from = Rv(a);
  json b = Create(emulator, ConfigMap("b"));
  json a2 = MergePatch(emulator, "a", {{"data", {{"k", "2"}}}});
  emulator.Request("DELETE", std::string(kConfigMaps) + "/b");
  // A change to another resource is not part of this watch.
  emulator.Request("POST", "/api/v1/namespaces/default/secrets",
                   {{"metadata", {{"name", "s"}}}, {"data", json::object()}});

  WatchStream watch(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + from);
  std::vector<std::pair<std::string, std::string>> seen;
  std::vector<uint64_t> versions;
  for (int i = 0; i < 3; ++i) {
    auto event = watch.Next();
    ASSERT_TRUE(event) << "event " << i;
    seen.emplace_back((*event)["type"], (*event)["object"]["metadata"]["name"]);
    versions.push_back(std::stoull(Rv((*event)["object"])));
    EXPECT_EQ((*event)["object"]["kind"], "ConfigMap");
  }
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, std::string>>{{"ADDED", "b"}, {"MODIFIED", "a"}, {"DELETED", "b"}}));
  EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end()));
  EXPECT_EQ(versions[1], std::stoull(Rv(a2)));

  // Live events follow the replay.
  json c = Create(emulator, ConfigMap("c"));
  auto live = watch.Next();
  ASSERT_TRUE(live);
  EXPECT_EQ((*live)["type"], "ADDED");
  EXPECT_EQ(Rv((*live)["object"]), Rv(c));
}

TEST(EmulatorWatchTest, WithoutAVersionStartsWithTheCurrentStateAndFiltersBySelectors) {
  EmulatorProcess emulator;
  Create(emulator, ConfigMap("web", {{"app", "web"}}));
  Create(emulator, ConfigMap("db", {{"app", "db"}}));
  WatchStream watch(emulator, std::string(kConfigMaps) + "?watch=true&labelSelector=app%3Dweb");
  auto initial = watch.Next();
  ASSERT_TRUE(initial);
  EXPECT_EQ((*initial)["type"], "ADDED");
  EXPECT_EQ((*initial)["object"]["metadata"]["name"], "web");
  // Leaving the selection reads as DELETED to this watch.
  MergePatch(emulator, "web", {{"metadata", {{"labels", {{"app", "other"}}}}}});
  MergePatch(emulator, "db", {{"data", {{"x", "y"}}}});
  auto left = watch.Next();
  ASSERT_TRUE(left);
  EXPECT_EQ((*left)["type"], "DELETED");
  EXPECT_EQ((*left)["object"]["metadata"]["name"], "web");
  EXPECT_FALSE(watch.Next(milliseconds(300)));
}

TEST(EmulatorWatchTest, HistoryOverflowAndCompactionAnswerGone) {
  EmulatorOptions options;
  options.history = 5;
  EmulatorProcess emulator(options);
  const std::string first = Rv(Create(emulator, ConfigMap("a")));
  for (int i = 0; i < 6; ++i) MergePatch(emulator, "a", {{"data", {{"k", std::to_string(i)}}}});
  WatchStream old(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + first);
  ASSERT_TRUE(old.WaitEnded());
  EXPECT_EQ(old.code(), 410);
  json status = json::parse(old.raw_body());
  EXPECT_EQ(status["reason"], "Expired");
  EXPECT_EQ(status["kind"], "Status");

  // Still inside the window: fine.
  const std::string recent = Rv(MergePatch(emulator, "a", {{"data", {{"k", "x"}}}}));
  {
    WatchStream ok(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + recent);
    MergePatch(emulator, "a", {{"data", {{"k", "y"}}}});
    EXPECT_TRUE(ok.Next());
  }
  emulator.Admin("POST", "/compact");
  WatchStream compacted(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + recent);
  ASSERT_TRUE(compacted.WaitEnded());
  EXPECT_EQ(compacted.code(), 410);
}

TEST(EmulatorWatchTest, BookmarksCarryOnlyTheResourceVersion) {
  EmulatorOptions options;
  options.extra_args = {"--bookmark-interval-ms", "100"};
  EmulatorProcess emulator(options);
  const std::string rv = Rv(Create(emulator, ConfigMap("a")));
  WatchStream watch(emulator, std::string(kConfigMaps) + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + rv);
  auto bookmark = watch.Next(seconds(3));
  ASSERT_TRUE(bookmark);
  EXPECT_EQ((*bookmark)["type"], "BOOKMARK");
  EXPECT_EQ((*bookmark)["object"], json({{"kind", "ConfigMap"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", rv}}}}));
  // After a change, the next bookmark moves on to at least its version.
  const std::string later = Rv(MergePatch(emulator, "a", {{"data", {{"k", "2"}}}}));
  auto modified = watch.NextNonBookmark();
  ASSERT_TRUE(modified);
  std::optional<json> next;
  do {
    next = watch.Next(seconds(3));
  } while (next && (*next)["type"] != "BOOKMARK");
  ASSERT_TRUE(next);
  EXPECT_GE(std::stoull(Rv((*next)["object"])), std::stoull(later));

  // No bookmarks unless asked for.
  WatchStream plain(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + later);
  EXPECT_FALSE(plain.Next(milliseconds(400)));
}

TEST(EmulatorWatchTest, TimeoutSecondsEndsTheStream) {
  EmulatorProcess emulator;
  auto start = std::chrono::steady_clock::now();
  WatchStream watch(emulator, std::string(kConfigMaps) + "?watch=true&timeoutSeconds=1&resourceVersion=1");
  ASSERT_TRUE(watch.WaitEnded(seconds(5)));
  EXPECT_EQ(watch.code(), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(4));
}

TEST(EmulatorWatchTest, DropWatchesAndExpireNextWatch) {
  EmulatorProcess emulator;
  const std::string rv = Rv(Create(emulator, ConfigMap("a")));
  WatchStream first(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + rv);
  WatchStream second(emulator, "/api/v1/configmaps?watch=true&resourceVersion=" + rv);
  MergePatch(emulator, "a", {{"data", {{"k", "1"}}}});
  ASSERT_TRUE(first.Next());  // both are open
  ASSERT_TRUE(second.Next());
  emulator.Admin("POST", "/drop-watches");
  EXPECT_TRUE(first.WaitEnded());
  EXPECT_TRUE(second.WaitEnded());

  emulator.Admin("POST", "/expire-next-watch?mode=status");
  WatchStream expired(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + rv);
  ASSERT_TRUE(expired.WaitEnded());
  EXPECT_EQ(expired.code(), 410);

  emulator.Admin("POST", "/expire-next-watch?mode=stream");
  WatchStream in_stream(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + rv);
  auto error = in_stream.Next();
  ASSERT_TRUE(error);
  EXPECT_EQ((*error)["type"], "ERROR");
  EXPECT_EQ((*error)["object"]["code"], 410);
  EXPECT_EQ((*error)["object"]["reason"], "Expired");
  EXPECT_TRUE(in_stream.WaitEnded());
  EXPECT_EQ(in_stream.code(), 200);

  // Only the next watch was affected.
  WatchStream normal(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + rv);
  auto replayed = normal.Next();
  ASSERT_TRUE(replayed);
  EXPECT_EQ((*replayed)["type"], "MODIFIED");
}

TEST(EmulatorWatchTest, RestartDropsWatchesAndKeepsState) {
  EmulatorProcess emulator;
  const std::string rv = Rv(Create(emulator, ConfigMap("a")));
  const std::string url = emulator.Url();
  WatchStream watch(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + rv);
  MergePatch(emulator, "a", {{"data", {{"k", "1"}}}});
  ASSERT_TRUE(watch.Next());
  json restarted = emulator.Admin("POST", "/restart");
  EXPECT_EQ(restarted["ok"], true);
  EXPECT_TRUE(watch.WaitEnded());
  EXPECT_EQ(emulator.Url(), url);
  json object = emulator.Request("GET", std::string(kConfigMaps) + "/a");
  EXPECT_EQ(object["data"]["k"], "1");
  // The history survives too: a watch from before the restart still replays.
  WatchStream again(emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=" + rv);
  auto event = again.Next();
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["type"], "MODIFIED");
}

TEST(EmulatorWatchTest, StreamIsNotCompressedWhenTheClientAcceptsGzip) {
  EmulatorProcess emulator;
  HttpOptions gzip;
  gzip.accept_compressed = true;
  WatchStream watch(emulator, std::string(kConfigMaps) + "?watch=true&timeoutSeconds=30&resourceVersion=1", gzip);
  // A compressed stream would hold this event back until the stream ends, 30 s from now.
  auto start = std::chrono::steady_clock::now();
  Create(emulator, ConfigMap("a"));
  auto event = watch.NextNonBookmark(seconds(5));
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["object"]["metadata"]["name"], "a");
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
}

// As the API server: gzip only, and only from 128 KiB on, whatever else the client accepts (curl
// offers brotli too, which would cost the server more CPU than the request).
TEST(EmulatorCompressionTest, OnlyLargeResponsesAreCompressedAndOnlyWithGzip) {
  EmulatorProcess emulator;
  HttpOptions any;
  any.accept_compressed = true;  // Accept-Encoding: every encoding curl knows (gzip, br, ...)
  Create(emulator, ConfigMap("small"));
  HttpResponse small = Http(emulator, "GET", std::string(kConfigMaps) + "/small", "", any);
  EXPECT_EQ(small.code, 200) << small.body;
  EXPECT_EQ(small.headers.count("content-encoding"), 0u) << small.headers["content-encoding"];
  EXPECT_EQ(small.Json()["metadata"]["name"], "small");
  for (int i = 0; i < 3; ++i) Create(emulator, ConfigMap("big-" + std::to_string(i), json::object(), {{"k", std::string(60000, 'x')}}));
  HttpResponse list = Http(emulator, "GET", kConfigMaps, "", any);
  EXPECT_EQ(list.code, 200);
  EXPECT_EQ(list.headers["content-encoding"], "gzip");
  EXPECT_EQ(list.Json()["items"].size(), 4u) << "curl decodes the gzip body";
}

TEST(EmulatorWatchTest, ManyConcurrentWatchesAndPromptShutdown) {
  auto emulator = std::make_unique<EmulatorProcess>();
  std::vector<std::unique_ptr<WatchStream>> watches;
  for (int i = 0; i < 20; ++i) {
    watches.push_back(std::make_unique<WatchStream>(*emulator, std::string(kConfigMaps) + "?watch=true&resourceVersion=1"));
  }
  Create(*emulator, ConfigMap("a"));
  for (auto& watch : watches) ASSERT_TRUE(watch->Next());
  auto start = std::chrono::steady_clock::now();
  emulator.reset();  // SIGTERM: every watch ends and the process exits
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
  for (auto& watch : watches) EXPECT_TRUE(watch->WaitEnded());
}

}  // namespace
}  // namespace kubeemu::testing
