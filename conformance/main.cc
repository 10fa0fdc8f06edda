// podlife-conformance: the conformance suite's one gtest binary.
//   --implementation builtin|command:CMD   what is under test (default builtin)
//   --runtime fake|unix:///path            the CRI runtime (default: a fresh fake per case)
//   --profile 1.21|1.35|all                which kubelet to compare against (default all)
//   --image IMAGE                          the image pods use on a real runtime
//   --cases-markdown                       print CASES.md (from the contract blocks) and exit
// Every other flag is gtest's (--gtest_filter, --gtest_shuffle, --gtest_output=xml:FILE, ...).
#include <gtest/gtest.h>

#include <iostream>

#include "conformance/cases_markdown.h"
#include "conformance/framework.h"

int main(int argc, char** argv) {
  using podlife::conformance::CurrentSelection;
  std::vector<char*> rest = {argv[0]};
  auto value = [&](int& i, const std::string& flag, std::string* out) {
    const std::string arg = argv[i];
    if (arg == flag && i + 1 < argc) {
      *out = argv[++i];
      return true;
    }
    if (arg.rfind(flag + "=", 0) == 0) {
      *out = arg.substr(flag.size() + 1);
      return true;
    }
    return false;
  };
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (std::string(argv[i]) == "--cases-markdown") {
      std::cout << podlife::conformance::CasesMarkdown();
      return 0;
    } else if (value(i, "--implementation", &v)) {
      CurrentSelection().implementation = v;
    } else if (value(i, "--runtime", &v)) {
      CurrentSelection().runtime = v;
    } else if (value(i, "--image", &v)) {
      CurrentSelection().image = v;
    } else if (value(i, "--profile", &v)) {
      if (v == "all") {
        CurrentSelection().profiles = {"1.21", "1.35"};
      } else if (v == "1.21" || v == "1.35") {
        CurrentSelection().profiles = {v};
      } else {
        std::cerr << "podlife-conformance: --profile: want 1.21, 1.35 or all, got '" << v << "'\n";
        return 2;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  rest.push_back(nullptr);  // gtest, like main, expects argv[argc] == nullptr
  ::testing::InitGoogleTest(&rest_argc, rest.data());
  return RUN_ALL_TESTS();
}
