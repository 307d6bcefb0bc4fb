// The runtime stage of each Dockerfile installs exactly the Debian packages that hold the shared
// libraries its binary links (readelf NEEDED, resolved by ldd, mapped by dpkg), plus a short list
// of data packages, so an image neither misses a library nor carries one it does not use.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "command.h"

namespace seed::chart_test {
namespace {

namespace fs = std::filesystem;

// In every Debian image already (Essential: yes or required by apt itself).
const std::set<std::string> kInBaseImage = {"libc6", "libgcc-s1"};
// Installed for data, not libraries: CA bundle and time-zone database.
const std::set<std::string> kDataPackages = {"ca-certificates", "tzdata"};
// Libraries seed-job loads with dlopen, so readelf does not list them: libcurl on first use for
// s3:// and http(s):// paths (job-images/seed-job/storage/curl_library.h), `seed-job stream`'s
// libmosquitto (which brings libssl3), and libmariadb and libpq on first use for `fetch` from a
// database (job-images/seed-job/sql/mariadb_library.h, sql/pq_library.h).
const std::set<std::string> kJobDlopened = {"libcurl4", "libmosquitto1", "libmariadb3", "libpq5"};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The packages `apt-get install` names in the Dockerfile's last stage.
std::set<std::string> RuntimePackages(const std::string& dockerfile) {
  size_t stage = dockerfile.rfind("\nFROM ");
  std::string runtime = dockerfile.substr(stage == std::string::npos ? 0 : stage);
  size_t install = runtime.find("apt-get install");
  std::set<std::string> packages;
  if (install == std::string::npos) return packages;
  std::istringstream words(runtime.substr(install + std::string("apt-get install").size()));
  std::string word;
  while (words >> word) {
    if (word == "&&") break;
    if (word == "\\" || word.front() == '-') continue;
    packages.insert(word);
  }
  return packages;
}

// Debian package of each library the binary links directly.
std::map<std::string, std::string> LinkedLibraryPackages(const std::string& binary) {
  std::map<std::string, std::string> packages;
  CommandResult needed = RunCommand({"/usr/bin/readelf", "-d", binary});
  EXPECT_EQ(needed.exit_code, 0) << needed.err;
  CommandResult resolved = RunCommand({"/usr/bin/ldd", binary});
  EXPECT_EQ(resolved.exit_code, 0) << resolved.err;
  std::map<std::string, std::string> paths;  // soname -> path
  std::istringstream ldd(resolved.out);
  for (std::string line; std::getline(ldd, line);) {
    std::istringstream fields(line);
    std::string soname, arrow, path;
    if (fields >> soname >> arrow >> path && arrow == "=>") paths[soname] = path;
  }
  std::istringstream dynamic(needed.out);
  for (std::string line; std::getline(dynamic, line);) {
    size_t open = line.find("Shared library: [");
    if (open == std::string::npos) continue;
    open += std::string("Shared library: [").size();
    std::string soname = line.substr(open, line.find(']', open) - open);
    std::string path = paths[soname];
    std::string owner;
    // dpkg records a library under /usr/lib or /lib; ldd may name either (merged /usr).
    for (std::string candidate : {path, fs::weakly_canonical(path).string(),
                                  path.rfind("/usr", 0) == 0 ? path.substr(4) : "/usr" + path}) {
      CommandResult query = RunCommand({"/usr/bin/dpkg-query", "-S", candidate});
      if (query.exit_code == 0) {
        owner = query.out.substr(0, query.out.find_first_of(":"));
        break;
      }
    }
    EXPECT_FALSE(owner.empty()) << soname << " (" << path << ") belongs to no Debian package";
    packages[soname] = owner;
  }
  return packages;
}

void ExpectImageMatchesBinary(const std::string& dockerfile, const std::string& binary,
                              const std::set<std::string>& dlopened = {}) {
  ASSERT_TRUE(fs::exists(binary)) << binary;
  std::set<std::string> installed = RuntimePackages(ReadText(dockerfile));
  ASSERT_FALSE(installed.empty()) << "no apt-get install in the last stage of " << dockerfile;
  std::set<std::string> used;
  for (const auto& [soname, package] : LinkedLibraryPackages(binary)) {
    // A sanitizer build links its runtime; the images are built without sanitizers.
    if (soname.rfind("libasan", 0) == 0 || soname.rfind("libubsan", 0) == 0 ||
        soname.rfind("libtsan", 0) == 0) {
      continue;
    }
    used.insert(package);
    if (kInBaseImage.count(package)) continue;
    EXPECT_TRUE(installed.count(package))
        << dockerfile << ": the runtime stage must install " << package << " (for " << soname << ")";
  }
  for (const auto& package : installed) {
    EXPECT_TRUE(used.count(package) || kDataPackages.count(package) || dlopened.count(package))
        << dockerfile << ": " << package << " is installed but " << fs::path(binary).filename().string()
        << " links none of its libraries";
  }
}

TEST(ImageLibrariesTest, OperatorImageHasTheLibrariesSeedOperatorLinks) {
  ExpectImageMatchesBinary(SEED_DOCKERFILE_OPERATOR, SEED_OPERATOR_BINARY);
}

TEST(ImageLibrariesTest, JobImageHasTheLibrariesSeedJobLinks) {
  ExpectImageMatchesBinary(SEED_DOCKERFILE_JOB, SEED_JOB_BINARY, kJobDlopened);
  const auto installed = RuntimePackages(ReadText(SEED_DOCKERFILE_JOB));
  for (const auto& package : kJobDlopened)
    EXPECT_TRUE(installed.count(package)) << SEED_DOCKERFILE_JOB << ": the runtime stage must install " << package
                                          << " (seed-job loads it with dlopen: remote paths, the stream mode, fetch)";
}

}  // namespace
}  // namespace seed::chart_test
