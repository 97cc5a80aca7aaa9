# Every dependency is a Debian 12 package installed by scripts/setup.
find_package(Threads REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HWY REQUIRED IMPORTED_TARGET libhwy libhwy-contrib)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)

# CBLAS: the vendor is chosen at configure time; its header directory differs per vendor and
# per Debian flavour (pthread/openmp), so search the known suffixes instead of assuming one.
if(TINYACCEL_BLAS STREQUAL "OpenBLAS")
  set(_blas_names openblas)
  set(_blas_suffixes openblas-pthread openblas-openmp openblas-serial openblas)
elseif(TINYACCEL_BLAS STREQUAL "BLIS")
  set(_blas_names blis)
  set(_blas_suffixes blis-pthread blis-openmp blis-serial blis)
else()
  message(FATAL_ERROR "TINYACCEL_BLAS must be OpenBLAS or BLIS, got '${TINYACCEL_BLAS}'")
endif()
find_path(TINYACCEL_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES ${_blas_suffixes} REQUIRED NO_CACHE)
find_library(TINYACCEL_CBLAS_LIBRARY NAMES ${_blas_names} PATH_SUFFIXES ${_blas_suffixes} REQUIRED
             NO_CACHE)
add_library(tinyaccel_cblas INTERFACE)
target_include_directories(tinyaccel_cblas SYSTEM INTERFACE ${TINYACCEL_CBLAS_INCLUDE_DIR})
target_link_libraries(tinyaccel_cblas INTERFACE ${TINYACCEL_CBLAS_LIBRARY})
string(TOUPPER ${TINYACCEL_BLAS} _blas_upper)
target_compile_definitions(tinyaccel_cblas INTERFACE TINYACCEL_BLAS_VENDOR="${TINYACCEL_BLAS}"
                           TINYACCEL_BLAS_${_blas_upper}=1)
message(STATUS "tinyaccel: CBLAS ${TINYACCEL_BLAS}: ${TINYACCEL_CBLAS_LIBRARY}")
