# Helpers that keep each room's CMakeLists.txt to a few lines.

# seed_library(NAME DIR [LIBS ...]): a static library of every .cc file directly in DIR.
# The include root is the directory that holds the room, so code includes "kernels/gbdt.h" etc.
function(seed_library name dir)
  cmake_parse_arguments(ARG "" "INCLUDE_ROOT" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cc)
  add_library(${name} STATIC ${sources})
  if(NOT ARG_INCLUDE_ROOT)
    get_filename_component(ARG_INCLUDE_ROOT ${dir} DIRECTORY)
  endif()
  target_include_directories(${name} PUBLIC ${ARG_INCLUDE_ROOT})
  target_link_libraries(${name} PUBLIC seed_options ${ARG_LIBS})
endfunction()

# seed_gtest(NAME DIR LABEL label [LIBS ...]): one test executable from every *_test.cc in DIR,
# each GoogleTest case registered with CTest under the label (unit, integration, e2e).
function(seed_gtest name dir)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cc)
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE seed_options GTest::gtest GTest::gtest_main GTest::gmock ${ARG_LIBS})
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
