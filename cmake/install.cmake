# Install rules: the sluice tool when it is built, and the library: libsluice, its public
# headers, the CMake package (find_package(sluice) -> sluice::sluice) and sluice.pc.
# examples/embed/ uses both of the last two.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(sluice_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/sluice)

if(TARGET sluice_cli)
  if(BUILD_SHARED_LIBS)
    file(RELATIVE_PATH sluice_bin_to_lib /prefix/${CMAKE_INSTALL_BINDIR} /prefix/${CMAKE_INSTALL_LIBDIR})
    set_target_properties(sluice_cli PROPERTIES INSTALL_RPATH "\$ORIGIN/${sluice_bin_to_lib}")
  endif()
  install(TARGETS sluice_cli COMPONENT tool)  # the .deb packages this component only
endif()

# GNUInstallDirs gives the destinations: lib/ (or lib/<multiarch>/ under /usr), include/.
install(TARGETS sluice EXPORT sluiceTargets FILE_SET HEADERS)
install(EXPORT sluiceTargets NAMESPACE sluice:: DESTINATION ${sluice_cmake_dir})

configure_package_config_file(cmake/sluiceConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sluiceConfig.cmake INSTALL_DESTINATION ${sluice_cmake_dir})
# Below 1.0 a minor release may break the API, so a 0.x only matches its own minor.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(sluice_compatibility SameMinorVersion)
else()
  set(sluice_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
  COMPATIBILITY ${sluice_compatibility})
install(FILES ${PROJECT_BINARY_DIR}/sluiceConfig.cmake ${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
  DESTINATION ${sluice_cmake_dir})

# sluice.pc finds its prefix from where it lies (${pcfiledir}), so that it stays true when
# the prefix is chosen at install time (cmake --install --prefix) or the tree is moved.
if(IS_ABSOLUTE ${CMAKE_INSTALL_LIBDIR})
  set(sluice_pc_prefix ${CMAKE_INSTALL_PREFIX})
else()
  file(RELATIVE_PATH sluice_pc_up /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
  string(REGEX REPLACE "/$" "" sluice_pc_up ${sluice_pc_up})
  set(sluice_pc_prefix "\${pcfiledir}/${sluice_pc_up}")
endif()
cmake_path(ABSOLUTE_PATH CMAKE_INSTALL_LIBDIR BASE_DIRECTORY "\${prefix}" OUTPUT_VARIABLE sluice_pc_libdir)
cmake_path(ABSOLUTE_PATH CMAKE_INSTALL_INCLUDEDIR BASE_DIRECTORY "\${prefix}"
  OUTPUT_VARIABLE sluice_pc_includedir)
# A static libsluice leaves libcurl and threads to the program's link, so there they are
# public; a shared one carries them itself and lists them as private.
if(BUILD_SHARED_LIBS)
  set(sluice_pc_requires_field Requires.private)
  set(sluice_pc_private_libs -lpthread)
else()
  set(sluice_pc_requires_field Requires)
  set(sluice_pc_public_libs " -lpthread")
endif()
configure_file(cmake/sluice.pc.in ${PROJECT_BINARY_DIR}/sluice.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sluice.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
