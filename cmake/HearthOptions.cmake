# Compiler flags shared by every target.
add_compile_options(-Wall -Wextra -Wno-unused-parameter -fno-strict-aliasing)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 reports false positives for these in optimised builds of std containers.
  add_compile_options(-Wno-stringop-overflow -Wno-array-bounds -Wno-maybe-uninitialized -Wno-restrict)
endif()

if(HEARTH_SANITIZE)
  add_compile_options(-fsanitize=${HEARTH_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${HEARTH_SANITIZE})
  add_compile_definitions(HEARTH_SANITIZED=1)
endif()

# Per-ISA flags for kernel translation units; the code inside is chosen at run time.
set(HEARTH_FLAGS_AVX2 -mavx2 -mfma -mf16c -mbmi2)
set(HEARTH_FLAGS_AVX512 -mavx2 -mfma -mf16c -mbmi2 -mavx512f -mavx512bw -mavx512vl -mavx512dq
    -mavx512vnni -mavx512bf16)

# ccache, when installed, makes rebuilds of unchanged files free (scripts/setup.sh installs it).
find_program(HEARTH_CCACHE ccache)
if(HEARTH_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER ${HEARTH_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${HEARTH_CCACHE})
endif()
