// Replay driver: runs every file of the given folders (or the given files) once through a fuzz
// target's LLVMFuzzerTestOneInput, with whatever toolchain builds it (gcc in the default and asan
// presets), so the seed corpus and every regression input stay exercised without clang.
//
// Contract: `fuzz-replay-<target> PATH...`; a folder contributes its regular files (sorted, hidden
// files skipped); a missing path is skipped (a target may have no regressions yet). Exits 0 after
// printing how many inputs ran, 1 when no input at all was found; a crash, sanitizer report or
// abort in the target ends the process as it would under libFuzzer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::filesystem::path> InputsUnder(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> inputs;
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return {path};
  if (!std::filesystem::is_directory(path, ec)) return {};
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') inputs.push_back(entry.path());
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  size_t ran = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& input : InputsUnder(argv[i])) {
      std::ifstream in(input, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replay: %s (%zu bytes)\n", input.c_str(), bytes.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++ran;
    }
  }
  std::printf("replayed %zu inputs\n", ran);
  return ran == 0 ? 1 : 0;
}
