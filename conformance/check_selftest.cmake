# Runs the conformance binary's self-test cases (PODLIFE_CONFORMANCE_SELFTEST=1) and checks what a
# user would see: failures that explain themselves, strict fakes, and a watchdog that ends every
# run, and a summary that says what gtest says. Usage: cmake -DBINARY=... -DVERSION=<project version>
#   -DCHECK=diagnostics|strict|watchdog|watchdog-waits|never-returns|never-returns-repeated|outside-cases
#                   [-DIMPLEMENTATION=builtin|command:...] -DWORKDIR=... -P check_selftest.cmake
if(NOT IMPLEMENTATION)
  set(IMPLEMENTATION builtin)
endif()
set(junit "${WORKDIR}/selftest-${CHECK}.xml")
file(REMOVE "${junit}")

# Patterns are CMake list elements: keep their square brackets balanced, or CMake joins elements.
set(args --implementation=${IMPLEMENTATION} --junit=${junit})
if(CHECK STREQUAL "diagnostics")
  list(APPEND args --profile=1.35 --filter=SelfTest.AFailureShowsTheDiagnostics/*)
  set(want_exit 1)
  set(max_seconds 30)
  set(want
    "Google Test trace:\n[^\n]*implementation [^\n]*, runtime fake, profile 1.35"
    "---- diagnostics of SelfTest.AFailureShowsTheDiagnostics/v135 \\(implementation [^\n]*, runtime fake, profile 1.35\\); times from the case start"
    "CRI calls the fake received \\([0-9]+\\):"
    "\n  \\+[0-9]+\\.[0-9][0-9][0-9]s #[0-9]+ CreateContainer container=app attempt=0 image=[^ ]+ sandbox=[0-9a-f]+ deadline=[0-9]+ms -> OK"
    "\n  \\+[0-9]+\\.[0-9][0-9][0-9]s #[0-9]+ StartContainer container=app deadline=[0-9]+ms -> OK"
    "events the implementation recorded:\n  \\+[0-9.]+s Normal Created spec.containers{app}: "
    "HTTP requests at http://127.0.0.1:[0-9]+ \\(1\\):\n  \\+[0-9.]+s GET /started from 127.0.0.1:[0-9]+ \\[[^\n]*User-Agent: [^\n]*\\]"
    "---- end of diagnostics of SelfTest.AFailureShowsTheDiagnostics/v135\n\\[  FAILED  \\]")
elseif(CHECK STREQUAL "strict")
  list(APPEND args --profile=1.35
    "--filter=SelfTest.AnUnconsumed*:SelfTest.AnUndeclared*:SelfTest.AnUnusedDeclared*:SelfTest.AFaultForAnUnknown*")
  set(want_exit 1)
  set(max_seconds 30)
  set(want
    "strict fakes: the case scripted the fake CRI runtime but never exercised it:\n  fault on StopContainer \\(UNAVAILABLE \"never used\"\\) used 0 of 1 times"
    "\\[  FAILED  \\] SelfTest.AnUnconsumedFaultFailsTheCase/v135"
    "scripted answer for GET /never \\(status 500\\) never requested"
    "\\[  FAILED  \\] SelfTest.AnUnconsumedHttpAnswerFailsTheCase/v135"
    "selftest_cases.cc:[0-9]+: Failure\n[^\n]*\n?the case uses capability call-log \\(fake\\(\\).calls\\(\\)\\) but its contract does not declare it: add Capability::kCallLog to .needs"
    "\\[  FAILED  \\] SelfTest.AnUndeclaredCapabilityFailsTheCase/v135"
    "the contract declares capability faults in .needs but the case never used it"
    "\\[  FAILED  \\] SelfTest.AnUnusedDeclaredCapabilityFailsTheCase/v135"
    "fault: unknown CRI method 'StartContainr' \\(the fake serves "
    "\\[  FAILED  \\] SelfTest.AFaultForAnUnknownMethodIsRejected/v135"
    "total +0 +5 +0")
elseif(CHECK STREQUAL "watchdog")
  list(APPEND args --profile=1.35 --case-timeout=2
    "--filter=SelfTest.TheWatchdogReleasesABlockedCase/*:SelfTest.TheRunGoesOnAfterTheWatchdog/*")
  set(want_exit 1)
  set(max_seconds 40)
  set(want
    "watchdog: SelfTest.TheWatchdogReleasesABlockedCase/v135 \\(implementation [^\n]*\\) did not finish within 2 s \\(--case-timeout\\)"
    "---- diagnostics of SelfTest.TheWatchdogReleasesABlockedCase/v135[^\n]*\nCRI calls[^\n]*\n(  [^\n]*\n)*  \\+[0-9.]+s #[0-9]+ StartContainer container=app deadline=[0-9]+ms -> \\(no answer yet\\)"
    "\\[  FAILED  \\] SelfTest.TheWatchdogReleasesABlockedCase/v135"
    "\\[       OK \\] SelfTest.TheRunGoesOnAfterTheWatchdog/v135"
    "total +1 +1 +0")
elseif(CHECK STREQUAL "watchdog-waits")
  list(APPEND args --profile=1.35 --case-timeout=2
    "--filter=SelfTest.TheWatchdogEndsTheCasesWaits/*:SelfTest.TheRunGoesOnAfterTheWatchdog/*")
  set(want_exit 1)
  set(max_seconds 30)
  set(want
    "watchdog: SelfTest.TheWatchdogEndsTheCasesWaits/v135 [^\n]* did not finish within 2 s"
    "the gate was released by the watchdog while waiting for 1 StopContainer call"
    "the watchdog ended the wait waiting for call RemoveContainer"
    "no 1x NeverRecorded event within 60000ms"
    "the endpoint was shut down waiting for 1 GET /never"
    "the endpoint was shut down waiting for 1 GET /own"
    "the case's own wait ended without its condition"
    "\\[  FAILED  \\] SelfTest.TheWatchdogEndsTheCasesWaits/v135"
    "\\[       OK \\] SelfTest.TheRunGoesOnAfterTheWatchdog/v135"
    "total +1 +1 +0")
elseif(CHECK STREQUAL "never-returns")
  list(APPEND args --profile=all --case-timeout=2
    "--filter=SelfTest.ACaseThatNeverReturnsEndsTheRun/*:SelfTest.TheRunGoesOnAfterTheWatchdog/*")
  set(want_exit 1)
  set(max_seconds 40)
  set(want
    "\\[       OK \\] SelfTest.TheRunGoesOnAfterTheWatchdog/v135"
    "watchdog: SelfTest.ACaseThatNeverReturnsEndsTheRun/v121 [^\n]* did not finish within 2 s"
    "\\[ WATCHDOG \\] SelfTest.ACaseThatNeverReturnsEndsTheRun/v121 did not return within 5 s after the watchdog released it"
    "not run: 1 case\\(s\\); the run ended early"
    "RESULT: NOT conformant")
  set(want_junit
    "<testcase name=\"TheRunGoesOnAfterTheWatchdog/v135\" classname=\"SelfTest\" time=\"[0-9.]+\">\n    </testcase>"
    "<testcase name=\"ACaseThatNeverReturnsEndsTheRun/v121\" classname=\"SelfTest\">\n      <failure message=\"did not return within 5 s"
    "<testcase name=\"ACaseThatNeverReturnsEndsTheRun/v135\" classname=\"SelfTest\">\n      <skipped message=\"not run: the run ended early"
    # The abandoned run's report says what was tested with what, as gtest's own does.
    "<testsuites name=\"podlife-conformance\" podlife_version=\"${VERSION}\" implementation=\"[^\"]+\" runtime=\"fake\" profiles=\"1.21 1.35\">")
elseif(CHECK STREQUAL "never-returns-repeated")
  # The second of two iterations never returns: the abandoned run counts that iteration's cases.
  list(APPEND args --profile=1.35 --case-timeout=2 --gtest_repeat=2
    "--filter=SelfTest.ACaseThatNeverReturnsTheSecondTime/*:SelfTest.TheRunGoesOnAfterTheWatchdog/*")
  set(want_exit 1)
  set(max_seconds 40)
  set(want
    "\\[ WATCHDOG \\] SelfTest.ACaseThatNeverReturnsTheSecondTime/v135 did not return within 5 s"
    "total +2 +1 +0"
    "not run: 1 case\\(s\\); the run ended early"
    "RESULT: NOT conformant")
  set(want_junit
    "<testcase name=\"ACaseThatNeverReturnsTheSecondTime/v135\" classname=\"SelfTest\">\n      <failure message=\"did not return within 5 s"
    "<testcase name=\"TheRunGoesOnAfterTheWatchdog/v135\" classname=\"SelfTest\">\n      <skipped message=\"not run: the run ended early")
elseif(CHECK STREQUAL "outside-cases")
  # Every case passes, but a suite records a failure after its cases: gtest fails the run, and
  # the summary must say so too.
  list(APPEND args --profile=1.35
    "--filter=SelfTestOutside.*:SelfTest.TheRunGoesOnAfterTheWatchdog/*")
  set(want_exit 1)
  set(max_seconds 30)
  set(want
    "\\[       OK \\] SelfTestOutside.ACaseInASuiteThatFailsAfterItsCases/v135"
    "total +2 +0 +0"
    "failed outside any case \\(gtest fails the run for these too\\):\n  SelfTestOutside \\(iteration 1\\): [^\n]*selftest_cases.cc:[0-9]+: deliberate: a failure outside any case"
    "RESULT: NOT conformant")
else()
  message(FATAL_ERROR "check_selftest.cmake: unknown CHECK '${CHECK}'")
endif()

string(TIMESTAMP started "%s")
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env PODLIFE_CONFORMANCE_SELFTEST=1 ${BINARY} ${args}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc
  TIMEOUT 90)
string(TIMESTAMP ended "%s")
math(EXPR took "${ended} - ${started}")
set(all "${out}${err}")

set(problems "")
if(NOT rc STREQUAL want_exit)
  string(APPEND problems "exit status ${rc}, want ${want_exit}\n")
endif()
if(took GREATER max_seconds)
  string(APPEND problems "took ${took} s, want at most ${max_seconds} s\n")
endif()
foreach(pattern IN LISTS want)
  if(NOT all MATCHES "${pattern}")
    string(APPEND problems "output lacks /${pattern}/\n")
  endif()
endforeach()
if(want_junit)
  if(NOT EXISTS "${junit}")
    string(APPEND problems "no JUnit report at ${junit}\n")
  else()
    file(READ "${junit}" xml)
    foreach(pattern IN LISTS want_junit)
      if(NOT xml MATCHES "${pattern}")
        string(APPEND problems "JUnit report lacks /${pattern}/\n")
      endif()
    endforeach()
  endif()
endif()
if(problems)
  message(FATAL_ERROR "self-test ${CHECK} (${IMPLEMENTATION}):\n${problems}\n---- output:\n${all}")
endif()
message(STATUS "self-test ${CHECK} (${IMPLEMENTATION}): ok in ${took} s")
