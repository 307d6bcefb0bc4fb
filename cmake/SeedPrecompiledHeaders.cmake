# Precompiled headers for the heavy third-party headers of the three programs' libraries (CLI11 is
# header-only in Debian and takes ~2.5 s to parse in every file that includes it, nlohmann/json
# ~1 s), so each is parsed once per target instead of once per file: what a first build on a fresh
# machine (scripts/setup) needs. They are force-included, which is harmless: the code includes them
# anyway. Parsing is only part of the cost: most of a CLI11 file's time is spent generating the code
# of the CLI11 functions it uses, which a precompiled header does not save.
#
# Off by default when ccache compiles: a precompiled header holds the absolute path of its build
# folder, so with it every file would miss ccache's cache in a checkout in another folder (CI's
# fresh clone), where without it CCACHE_BASEDIR makes them hit. Off by default in a unity build
# too (SEED_UNITY): a library is then one to three translation units, so building its header
# costs more than it saves. -DSEED_PCH=ON|OFF decides.
if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache" OR SEED_UNITY)
  set(seed_pch_default OFF)
else()
  set(seed_pch_default ON)
endif()
option(SEED_PCH "Precompile the heavy third-party headers" ${seed_pch_default})

# The standard headers most of the code includes.
set(SEED_PCH_STD <algorithm> <chrono> <cmath> <cstdint> <functional> <map> <memory> <mutex>
    <optional> <sstream> <stdexcept> <string> <string_view> <vector>)

# seed_precompile(TARGET HEADER...): precompiles the standard set plus HEADER... for TARGET.
function(seed_precompile target)
  if(SEED_PCH)
    target_precompile_headers(${target} PRIVATE ${SEED_PCH_STD} ${ARGN})
  endif()
endfunction()

# ccache caches a file compiled against a precompiled header only with these sloppiness settings.
if(SEED_PCH AND CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache")
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env "CCACHE_SLOPPINESS=pch_defines,time_macros"
      ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()
