# Warning flags applied per target, so that dependencies' headers are not affected.
# -Wnull-dereference is left out: with g++ 12 at -O2 it fires inside libstdc++ (streambuf,
# basic_string) and Asio once they are inlined, never at a real null in this code.
function(sluice_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
  if(SLUICE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
