// Scenario parsing for the scenario tests: ParseOk fails the test on a parse error, ParseError
// fails it when the text parses. Both read the text as file "s.yaml".
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "fakes/cri/scenario.h"

namespace podlife::fakes::testing {

inline Scenario ParseOk(const std::string& text) {
  auto parsed = ParseScenario(text, "s.yaml");
  if (auto* e = std::get_if<ScenarioError>(&parsed)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<Scenario>(parsed);
}

inline std::string ParseError(const std::string& text) {
  auto parsed = ParseScenario(text, "s.yaml");
  if (auto* e = std::get_if<ScenarioError>(&parsed)) return e->message;
  ADD_FAILURE() << "expected a parse error";
  return "";
}

}  // namespace podlife::fakes::testing
