# _podlife_bracket(OUT VALUE): VALUE as a CMake bracket argument ([=[...]=], with as many '=' as
# it takes), so the generated files podlife_add_conformance writes hold any text as one argument:
# spaces, quotes, ';', '$' and ']]' included. Used at configure time and by ctest.
include_guard(GLOBAL)
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
