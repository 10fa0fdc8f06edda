# Fails when conformance/CASES.md differs from what the contract blocks generate.
execute_process(COMMAND ${BINARY} --cases-markdown OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "podlife-conformance --cases-markdown failed (${rc})")
endif()
file(READ ${DOC} committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "conformance/CASES.md is stale: run ci/gen-cases and commit the result")
endif()
