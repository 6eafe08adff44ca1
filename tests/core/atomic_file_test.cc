// WriteFileAtomically: a reader sees one whole write, never a mix, even with writers racing on the
// same path from one process (containers sharing a results directory are all pid 1, so a
// pid-suffixed temporary file was shared and a party's result write failed).
#include "common/report/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace mpcstats::report {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path FreshDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(AtomicFileTest, RacingWritersEachSucceedAndTheFileIsOneWholeWrite) {
  const fs::path dir = FreshDir("mpcstats-atomic-race");
  const fs::path path = dir / "result.json";
  constexpr int kWriters = 6, kWrites = 40;
  std::vector<std::string> contents;
  for (int w = 0; w < kWriters; ++w) contents.push_back(std::string(200'000, static_cast<char>('a' + w)));
  std::vector<int> failures(kWriters, 0);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWrites; ++i) failures[w] += !WriteFileAtomically(path.string(), contents[w]).ok();
    });
  }
  for (std::thread& t : writers) t.join();
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(failures[w], 0) << "writer " << w;
  const std::string final_text = ReadAll(path);
  EXPECT_NE(std::find(contents.begin(), contents.end(), final_text), contents.end())
      << "the file is not one writer's whole content (" << final_text.size() << " bytes)";
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  fs::remove_all(dir);
}

TEST(AtomicFileTest, UnwritableDirectoryIsAnIoErrorNamingThePath) {
  const auto status = WriteFileAtomically("/nonexistent-dir-mpcstats/result.json", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), core::Code::kIo);
  EXPECT_NE(status.message().find("/nonexistent-dir-mpcstats/result.json"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace mpcstats::report
