# Fails when the generated "checked by" blocks of docs/behaviours.md differ from what the contract
# blocks generate, or when the document lacks a block for an ID that a case names.
execute_process(COMMAND ${BINARY} --behaviours-markdown ${DOC}
  OUTPUT_VARIABLE generated ERROR_VARIABLE errors RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "podlife-conformance --behaviours-markdown failed (${rc}): ${errors}")
endif()
file(READ ${DOC} committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "docs/behaviours.md is stale: run ci/gen-cases and commit the result")
endif()
