# Quantize / dequantize (kernels/quant.h): the public entry points and the scalar reference.
set(hearth_quant_ref_sources
  ${CMAKE_CURRENT_LIST_DIR}/cpu/ref/dequantize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cpu/ref/quantize_k.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cpu/ref/quantize_legacy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cpu/ref/scale_fit.cpp)
list(APPEND HEARTH_KERNEL_SOURCES ${CMAKE_CURRENT_LIST_DIR}/quant.cpp ${hearth_quant_ref_sources})
# The reference must give the same bytes and floats on every build: no fused multiply-adds even
# if a build adds -march flags (decoding matches GGUF's reference decoder bit for bit).
set_source_files_properties(${hearth_quant_ref_sources}
  PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
