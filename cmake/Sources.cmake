# ISA-specific code lives only in files whose name ends in the ISA: those, and only those, are
# compiled for it. Everything else is built for the baseline x86-64 so one binary runs anywhere;
# the kernel table picks the ISA at run time. The low-precision suffixes add their dot-product
# extension to the tier they belong to: _avx512bf16 (vdpbf16ps) and _avx512vnni (vpdpbusd on
# zmm) to avx512, _avxvnni (VEX vpdpbusd on ymm) to avx2.
function(tinyaccel_isa_flags files)
  set(avx2 "-mavx2;-mfma;-mf16c")
  set(avx512 "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;${avx2}")
  foreach(f IN LISTS files)
    if(f MATCHES "_avx512\\.cc$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "${avx512}")
    elseif(f MATCHES "_avx512bf16\\.cc$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "${avx512};-mavx512bf16")
    elseif(f MATCHES "_avx512vnni\\.cc$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "${avx512};-mavx512vnni")
    elseif(f MATCHES "_avxvnni\\.cc$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "${avx2};-mavxvnni")
    elseif(f MATCHES "_avx2\\.cc$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "${avx2}")
    endif()
  endforeach()
endfunction()
