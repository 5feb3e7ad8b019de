# What `cmake --install` puts beside the executable where Debian looks for it (the man page,
# built from docs/sluice.1.md when pandoc is found, and the bash and zsh completions), and
# the .deb `cpack -G DEB` makes of the tool: the package sluice, without the library.
if(NOT TARGET sluice_cli)
  return()
endif()
include(GNUInstallDirs)

find_program(SLUICE_PANDOC pandoc)
find_program(SLUICE_GZIP gzip)
if(SLUICE_PANDOC AND SLUICE_GZIP)
  set(man_page ${PROJECT_BINARY_DIR}/man/sluice.1)
  # Debian keeps man pages gzipped; -n leaves the name and time out, so builds are identical.
  add_custom_command(
    OUTPUT ${man_page} ${man_page}.gz
    COMMAND ${SLUICE_PANDOC} -s -t man -M "footer=sluice ${PROJECT_VERSION}"
            ${PROJECT_SOURCE_DIR}/docs/sluice.1.md -o ${man_page}
    COMMAND ${SLUICE_GZIP} -9nkf ${man_page}
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/sluice.1.md
    COMMENT "Building the man page sluice.1 with pandoc"
    VERBATIM)
  add_custom_target(sluice_man_page ALL DEPENDS ${man_page}.gz)
  install(FILES ${man_page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tool)
else()
  message(STATUS "pandoc or gzip not found: the man page is not built (apt-get install pandoc)")
endif()

install(FILES ${PROJECT_SOURCE_DIR}/tools/sluice/completions/sluice.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME sluice COMPONENT tool)
install(FILES ${PROJECT_SOURCE_DIR}/tools/sluice/completions/_sluice
  DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions COMPONENT tool)

# The .deb holds the component `tool` only: the library's headers and archive, whatever
# they install, are not what `apt-get install ./sluice_*.deb` should bring.
set(CPACK_PACKAGE_NAME sluice)
set(CPACK_PACKAGE_VENDOR "sluice")
if(NOT CPACK_PACKAGE_CONTACT)
  set(CPACK_PACKAGE_CONTACT "sluice maintainers <maintainers@sluice.invalid>")
endif()
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "fetch a list of URLs as fast as the network allows, and not a byte faster")
# CPack puts the summary above this as the package's synopsis.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "sluice fetches HTTP(S) URLs with a hard cap on requests in flight (or one it finds as
the run goes), caps on bandwidth, request rate and per host, retries with backoff,
one JSON record per URL, a summary of how close the run came to the ideal, resumable
runs, a watch mode for dropped URL lists, and an embedded test server.")
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps (dpkg-dev) computes Depends from the libraries the executable links.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL tool)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_GENERATOR DEB)
include(CPack)
