# The ops part of the kernels layer: element-wise and row ops (ops.h), RoPE (rope.h) and paged
# attention (attention.h). Scalar reference under cpu/ref, SIMD paths under cpu/x86/<isa>,
# chosen at run time by ops.cpp / attention.cpp.
set(ops_dir ${CMAKE_CURRENT_LIST_DIR})
set(ops_avx2_sources
  ${ops_dir}/cpu/x86/avx2/ops_avx2.cpp
  ${ops_dir}/cpu/x86/avx2/attention_avx2.cpp)
set(ops_avx512_sources
  ${ops_dir}/cpu/x86/avx512/ops_avx512.cpp
  ${ops_dir}/cpu/x86/avx512/attention_avx512.cpp)
list(APPEND HEARTH_KERNEL_SOURCES
  ${ops_dir}/ops.cpp
  ${ops_dir}/rope.cpp
  ${ops_dir}/attention.cpp
  ${ops_dir}/cpu/ref/ops_ref.cpp
  ${ops_dir}/cpu/ref/attention_ref.cpp
  ${ops_avx2_sources}
  ${ops_avx512_sources})
# -ffp-contract=off: g++ would otherwise fuse the vector mul + add intrinsics into FMAs, and the
# activations evaluate their inner polynomial with the same roundings as the scalar reference.
set_source_files_properties(${ops_avx2_sources}
  PROPERTIES COMPILE_OPTIONS "${HEARTH_FLAGS_AVX2};-ffp-contract=off")
set(ops_avx512_flags ${HEARTH_FLAGS_AVX512} -ffp-contract=off)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # g++ 12's AVX-512 intrinsics fill unused merge operands with _mm512_undefined_ps(), which
  # -Wuninitialized reports at every use (GCC bug 105593).
  list(APPEND ops_avx512_flags -Wno-uninitialized)
endif()
set_source_files_properties(${ops_avx512_sources} PROPERTIES COMPILE_OPTIONS "${ops_avx512_flags}")
