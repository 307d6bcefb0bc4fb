# Helpers that keep each room's CMakeLists.txt to a few lines.

# Unity builds: each library's files are compiled a batch at a time as one translation unit, so
# the heavy headers (nlohmann/json, CLI11, spdlog, Eigen) are parsed, and the templates they
# instantiate are compiled, once per batch instead of once per file. This more than halves the
# CPU time of a first build. File-local names (anonymous namespaces, statics) must therefore be
# unique within a library: shared helpers live in one header (kernels/numeric.h,
# controllers/reconcile_rules.h, ...) rather than being repeated. -DSEED_UNITY=OFF compiles file
# by file (quicker rebuilds while editing one file).
option(SEED_UNITY "Compile each library in batches of files (unity build)" ON)
set(SEED_UNITY_BATCH 16 CACHE STRING "Files per unity batch")

# seed_unity(TARGET): applies the unity-build settings above to TARGET.
function(seed_unity target)
  set_target_properties(${target} PROPERTIES UNITY_BUILD ${SEED_UNITY} UNITY_BUILD_BATCH_SIZE ${SEED_UNITY_BATCH})
endfunction()

# seed_library(NAME DIR [LIBS ...] [PRIVATE_LIBS ...]): a static library of every .cc file directly
# in DIR. PRIVATE_LIBS' headers are visible only inside the room (a static library still passes
# them on to the link).
# The include root is the directory that holds the room, so code includes "kernels/gbdt.h" etc.
function(seed_library name dir)
  cmake_parse_arguments(ARG "" "INCLUDE_ROOT" "LIBS;PRIVATE_LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cc)
  add_library(${name} STATIC ${sources})
  if(NOT ARG_INCLUDE_ROOT)
    get_filename_component(ARG_INCLUDE_ROOT ${dir} DIRECTORY)
  endif()
  target_include_directories(${name} PUBLIC ${ARG_INCLUDE_ROOT})
  target_link_libraries(${name} PUBLIC seed_options ${ARG_LIBS})
  if(ARG_PRIVATE_LIBS)
    target_link_libraries(${name} PRIVATE ${ARG_PRIVATE_LIBS})
  endif()
  seed_unity(${name})
endfunction()

# seed_gtest(NAME DIR LABEL label [LIBS ...]): one test executable from every *_test.cc in DIR,
# each GoogleTest case registered with CTest under the label (unit, integration, e2e).
function(seed_gtest name dir)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cc)
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE seed_options GTest::gtest GTest::gtest_main GTest::gmock ${ARG_LIBS})
  if(SEED_SANITIZE)
    # Under the sanitizers, test code compiles without optimisation, in about half the time: it does
    # little work of its own, and the libraries it tests keep the configuration's flags.
    target_compile_options(${name} PRIVATE -O0)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 120 DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS "${ARG_LABEL}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

# Adds every immediate subdirectory of the current source dir that has a CMakeLists.txt.
function(seed_add_subdirectories)
  file(GLOB children LIST_DIRECTORIES true CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*)
  foreach(child ${children})
    if(IS_DIRECTORY ${child} AND EXISTS ${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
