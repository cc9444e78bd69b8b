# Matrix products (kernels/matmul.h): the registry, the scalar reference kernels, and the AVX2 and
# AVX-512 kernels (each SIMD unit built with its instruction-set flags; the registry picks at run
# time).
set(matmul_dir ${CMAKE_CURRENT_LIST_DIR})
set(matmul_avx2_sources
  ${matmul_dir}/cpu/x86/avx2/act_quant_avx2.cpp
  ${matmul_dir}/cpu/x86/avx2/matmul_float_avx2.cpp
  ${matmul_dir}/cpu/x86/avx2/matmul_q32_avx2.cpp
  ${matmul_dir}/cpu/x86/avx2/matmul_k_avx2.cpp)
set(matmul_avx512_sources
  ${matmul_dir}/cpu/x86/avx512/act_quant_avx512.cpp
  ${matmul_dir}/cpu/x86/avx512/matmul_float_avx512.cpp
  ${matmul_dir}/cpu/x86/avx512/matmul_q32_avx512.cpp
  ${matmul_dir}/cpu/x86/avx512/matmul_k_avx512.cpp)
list(APPEND HEARTH_KERNEL_SOURCES
  ${matmul_dir}/matmul.cpp
  ${matmul_dir}/cpu/ref/act_quant_ref.cpp
  ${matmul_dir}/cpu/ref/matmul_ref_float.cpp
  ${matmul_dir}/cpu/ref/matmul_ref_q.cpp
  ${matmul_dir}/cpu/ref/matmul_ref_k.cpp
  ${matmul_avx2_sources}
  ${matmul_avx512_sources})
set_source_files_properties(${matmul_avx2_sources}
  PROPERTIES COMPILE_OPTIONS "${HEARTH_FLAGS_AVX2};-fno-tree-slp-vectorize")
set_source_files_properties(${matmul_avx512_sources}
  PROPERTIES COMPILE_OPTIONS "${HEARTH_FLAGS_AVX512};-fno-tree-slp-vectorize")
