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

# oneDNN (Debian's libdnnl-dev): an optional peer of the bfloat16/int8 matmul bench, linked into
# the library for src/perf/bench/matmul_bench_onednn.cc only. Debian builds it with an OpenCL GPU
# runtime and its package config REQUIREs OpenCL: look for OpenCL first so that a missing one
# skips the peer instead of failing the configure. It threads with OpenMP (omp_set_num_threads).
# Off in the Python package: a wheel must not depend on the system's oneDNN and OpenMP.
if(TINYACCEL_PYTHON)
  set(_onednn_default OFF)
else()
  set(_onednn_default ON)
endif()
option(TINYACCEL_ONEDNN_PEER "Compare with oneDNN's matmul in the low-precision matmul bench"
       ${_onednn_default})
set(TINYACCEL_HAVE_DNNL OFF)
if(TINYACCEL_ONEDNN_PEER)
  find_package(OpenCL QUIET)
  if(OpenCL_FOUND)
    find_package(dnnl CONFIG QUIET)
  endif()
  find_package(OpenMP QUIET COMPONENTS CXX)
  if(dnnl_FOUND AND OpenMP_CXX_FOUND)
    set(TINYACCEL_HAVE_DNNL ON)
    message(STATUS "tinyaccel: bench matmul --dtype bfloat16|int8 compares with oneDNN ${dnnl_VERSION}")
  else()
    message(STATUS "tinyaccel: oneDNN (libdnnl-dev) not found: the low-precision bench runs without it")
  endif()
endif()
