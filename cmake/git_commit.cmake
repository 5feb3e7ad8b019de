# SLUICE_GIT_COMMIT: the commit this tree was configured from, for `sluice --version`
# (`git describe --always --dirty`), or "unknown" when the tree is not a git checkout.
set(SLUICE_GIT_COMMIT "unknown")
find_package(Git QUIET)
if(GIT_FOUND)
  # A source tarball unpacked inside some other checkout must not report that one's commit.
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --show-toplevel
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    OUTPUT_VARIABLE sluice_git_toplevel OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE sluice_git_result ERROR_QUIET)
  if(sluice_git_result EQUAL 0)
    file(REAL_PATH "${sluice_git_toplevel}" sluice_git_toplevel)
    file(REAL_PATH "${PROJECT_SOURCE_DIR}" sluice_source_dir)
  endif()
  if(sluice_git_result EQUAL 0 AND sluice_git_toplevel STREQUAL sluice_source_dir)
    execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
      OUTPUT_VARIABLE sluice_git_describe OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE sluice_git_result ERROR_QUIET)
    if(sluice_git_result EQUAL 0 AND sluice_git_describe)
      set(SLUICE_GIT_COMMIT "${sluice_git_describe}")
    endif()
  endif()
endif()
