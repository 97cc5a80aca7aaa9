include(CMakePackageConfigHelpers)
install(TARGETS tinyaccel tinyaccel_cli EXPORT tinyaccelTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/tinyaccel DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT tinyaccelTargets NAMESPACE tinyaccel::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tinyaccel)
configure_package_config_file(cmake/tinyaccelConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/tinyaccelConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tinyaccel)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/tinyaccelConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/tinyaccelConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/tinyaccelConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tinyaccel)
