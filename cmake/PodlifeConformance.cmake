# podlife_add_conformance: podlife's conformance suite as ctest tests, one per case run.
#
#   podlife_add_conformance(NAME <name> IMPLEMENTATION builtin|command:<CMD>
#                           [RUNTIME fake|fake:<flavour>|unix:///<path>]   default fake
#                           [PROFILES 1.21 1.35]                          default both
#                           [FILTER <gtest filter>]                       default every case
#                           [LABELS <label>...] [CASE_TIMEOUT <seconds>]  default 60
#                           [IMAGE <image>] [JUNIT_DIR <dir>])
#
# The cases are found when ctest runs, as gtest_discover_tests finds tests: a file in
# TEST_INCLUDE_FILES runs `podlife-conformance --list-cases` (again only when the suite program or
# the options changed) and registers each case run as the test `<name>.<Area>.<Case>/<v121|v135>`,
# labelled with its area (`Http`, `PreStop`: `ctest -L PreStop`), its profile (`1.21`, `1.35`), its
# spec IDs (`HD-01`) and LABELS. A case that applies to one profile is registered for it only. Each
# test runs that one case run with `--case-timeout CASE_TIMEOUT`, under a ctest TIMEOUT above the
# suite's own watchdog (the timeout, its grace and the start-up check), writes its JUnit report to
# JUNIT_DIR/<test name with '/' as '.'>.xml (default <binary dir>/<name>-junit), and counts as
# skipped when the suite skips the case (its reason is in the output). On a real runtime
# (unix://) the tests take RESOURCE_LOCK podlife-runtime:<endpoint>: one case at a time, as the
# suite runs them, so `ctest -j` does not change the timings a case observes.
# IMPLEMENTATION (and RUNTIME, IMAGE) may hold generator expressions, e.g.
# "command:$<TARGET_FILE:my-agent> --podlife". Single-configuration generators only.
include_guard(GLOBAL)
set(_PODLIFE_DISCOVER_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/PodlifeConformanceDiscover.cmake")

# `value` as a CMake bracket argument, whatever it holds.
function(_podlife_bracket out value)
  set(eq "")
  while(1)
    string(FIND "${value}" "]${eq}]" at)
    if(at EQUAL -1)
      break()
    endif()
    string(APPEND eq "=")
  endwhile()
  set(${out} "[${eq}[${value}]${eq}]" PARENT_SCOPE)
endfunction()

function(_podlife_check_conformance_options)
  set(where "podlife_add_conformance(NAME ${ARG_NAME})")
  if(NOT ARG_NAME MATCHES "^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
    message(FATAL_ERROR "podlife_add_conformance: NAME: want letters, digits and _ . + - (it prefixes the test names), got '${ARG_NAME}'")
  endif()
  get_property(names GLOBAL PROPERTY PODLIFE_CONFORMANCE_NAMES)
  if(ARG_NAME IN_LIST names)
    message(FATAL_ERROR "${where}: NAME is already used by another podlife_add_conformance: test names must be unique")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${where}: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_IMPLEMENTATION STREQUAL "builtin" AND NOT ARG_IMPLEMENTATION MATCHES "^command:.*[^ \t]")
    message(FATAL_ERROR "${where}: IMPLEMENTATION: want builtin or command:<CMD> (a command speaking podlife's PROTOCOL.md), got '${ARG_IMPLEMENTATION}'")
  endif()
  if(NOT ARG_RUNTIME MATCHES "^(fake|fake:.+|unix:///.+)$")
    message(FATAL_ERROR "${where}: RUNTIME: want fake, fake:<flavour> or unix:///<path>, got '${ARG_RUNTIME}'")
  endif()
  foreach(profile IN LISTS ARG_PROFILES)
    if(NOT profile MATCHES "^1\\.(21|35)$")
      message(FATAL_ERROR "${where}: PROFILES: want 1.21 and/or 1.35, got '${profile}'")
    endif()
  endforeach()
  if(NOT ARG_CASE_TIMEOUT MATCHES "^[1-9][0-9]*$" OR ARG_CASE_TIMEOUT GREATER 86400)
    message(FATAL_ERROR "${where}: CASE_TIMEOUT: want a whole number of seconds from 1 to 86400, got '${ARG_CASE_TIMEOUT}'")
  endif()
endfunction()

function(podlife_add_conformance)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "NAME;IMPLEMENTATION;RUNTIME;FILTER;CASE_TIMEOUT;IMAGE;JUNIT_DIR"
    "PROFILES;LABELS")
  if(NOT DEFINED ARG_RUNTIME)
    set(ARG_RUNTIME fake)
  endif()
  if(NOT DEFINED ARG_CASE_TIMEOUT)
    set(ARG_CASE_TIMEOUT 60)
  endif()
  if(NOT DEFINED ARG_JUNIT_DIR)
    set(ARG_JUNIT_DIR "${ARG_NAME}-junit")
  endif()
  # ctest may run from another folder than the tests' working directory.
  get_filename_component(ARG_JUNIT_DIR "${ARG_JUNIT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  _podlife_check_conformance_options()
  set_property(GLOBAL APPEND PROPERTY PODLIFE_CONFORMANCE_NAMES "${ARG_NAME}")
  list(REMOVE_DUPLICATES ARG_PROFILES)
  list(LENGTH ARG_PROFILES profile_count)
  set(profile all)
  if(profile_count EQUAL 1)
    set(profile "${ARG_PROFILES}")
  endif()
  # Above the suite's own bound on a case: the timeout, then a grace of half of it (5 to 30 s)
  # before the suite gives up, plus the start-up check (an implementation's hello: 10 s).
  math(EXPR grace "${ARG_CASE_TIMEOUT} / 2")
  if(grace LESS 5)
    set(grace 5)
  elseif(grace GREATER 30)
    set(grace 30)
  endif()
  math(EXPR ctest_timeout "${ARG_CASE_TIMEOUT} + ${grace} + 30")
  set(resource_lock "")
  if(ARG_RUNTIME MATCHES "^unix://")
    set(resource_lock "podlife-runtime:${ARG_RUNTIME}")
  endif()

  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_podlife_include.cmake")
  set(content "# Generated by ${CMAKE_CURRENT_FUNCTION}(NAME ${ARG_NAME}); ctest includes it.\n")
  foreach(var IN ITEMS NAME IMPLEMENTATION RUNTIME FILTER IMAGE JUNIT_DIR LABELS CASE_TIMEOUT)
    _podlife_bracket(quoted "${ARG_${var}}")
    string(APPEND content "set(_podlife_${var} ${quoted})\n")
  endforeach()
  foreach(var IN ITEMS profile ctest_timeout resource_lock include_file)
    _podlife_bracket(quoted "${${var}}")
    string(APPEND content "set(_podlife_${var} ${quoted})\n")
  endforeach()
  _podlife_bracket(quoted "${CMAKE_CURRENT_BINARY_DIR}")
  string(APPEND content "set(_podlife_working_directory ${quoted})\n")
  _podlife_bracket(quoted "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_podlife_tests.cmake")
  string(APPEND content "set(_podlife_tests_file ${quoted})\n")
  _podlife_bracket(quoted "${CMAKE_COMMAND}")
  string(APPEND content "set(_podlife_cmake ${quoted})\n")
  string(APPEND content "set(_podlife_suite [==[$<TARGET_FILE:podlife::conformance>]==])\n")
  _podlife_bracket(quoted "${_PODLIFE_DISCOVER_SCRIPT}")
  string(APPEND content "include(${quoted})\n")
  file(GENERATE OUTPUT "${include_file}" CONTENT "${content}")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
