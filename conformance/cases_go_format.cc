// Cases for values the kubelet prints with Go's fmt inside hook messages: %q of a hook's output
// (strconv.Quote's escapes) and %v of an intstr.IntOrString port (its fields).
#include <gmock/gmock.h>

#include "conformance/case_helpers.h"
#include "conformance/framework.h"

namespace podlife::conformance {
namespace {

using ::testing::HasSubstr;

// One container "app" that sleeps, with the given postStart handler (YAML, indented 8 spaces).
std::string AppWithPostStart(const std::string& handler) {
  return "  containers:\n  - name: app\n    image: {IMAGE}\n    command: {WORKLOAD}\n"
         "    lifecycle:\n      postStart:\n" + handler;
}

// `text` as a YAML single-quoted scalar: quotes doubled, backslashes left as they are.
std::string SingleQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

PODLIFE_AREA(GoFormat);

PODLIFE_CASE(GoFormat, ExecHookOutputIsQuotedAsStrconvQuoteDoes,
             {.ids = "EX-04",
              .must = "A failed exec hook's output MUST be quoted as Go's strconv.Quote does: `\\a \\b \\f \\v` escapes, `\\xff` for a byte that is not UTF-8, `\\u00a0` and `\\u2028` for runes Go does not print, printable runes as they are."}) {
  fakes::ExecResult controls;
  controls.exit_code = 3;
  controls.stdout_text = "\a\b\f\v\xff \u00a0 \u2028 \u65e5\u672c \"q\" \\ done\n";
  // printf writes exactly those bytes (octal escapes for the non-ASCII ones) on a real runtime.
  const std::string script = R"(printf '\a\b\f\v\377 \302\240 \342\200\250 日本 "q" \\ done\n'; exit 3)";
  fake().ExecGives({"sh", "-c", script}, controls);
  SyncReport r = Pod(AppWithPostStart("        exec:\n          command: [sh, -c, " + SingleQuoted(script) + "]\n")).Sync();
  EXPECT_EQ(PostStartFailureOf(r),
            "Exec lifecycle hook ([sh -c " + script + "]) for Container \"app\" in Pod \"" + PodRef() +
                "\" failed - error: command 'sh -c " + script + "' exited with 3: , message: "
                "\"\\a\\b\\f\\v\\xff \\u00a0 \\u2028 \u65e5\u672c \\\"q\\\" \\\\ done\\n\"");
}

PODLIFE_CASE(GoFormat, UnknownNamedPortPrintsTheIntOrStringFields,
             {.ids = "HT-04 HT-14", .profiles = Profiles::k121Only,
              .must = "In 1.21 an httpGet port naming no container port MUST fail with `couldn't find port: {1 0 <name>} in <container>` (Go's %v of the IntOrString value: Type, IntVal, StrVal)."}) {
  SyncReport r = Pod(AppWithPostStart("        httpGet:\n          host: 127.0.0.1\n          port: quux\n          path: /x\n")).Sync();
  EXPECT_THAT(PostStartFailureOf(r), HasSubstr("failed - error: couldn't find port: {1 0 quux} in &Container{Name:app,"));
}

}  // namespace
}  // namespace podlife::conformance
