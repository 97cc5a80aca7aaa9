# ISA-specific code lives only in files whose name ends in the ISA: those, and only those, are
# compiled for it. Everything else is built for the baseline x86-64 so one binary runs anywhere;
# the kernel table picks the ISA at run time.
function(tinyaccel_isa_flags files)
  foreach(f IN LISTS files)
    if(f MATCHES "_avx512\\.cc$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS
        "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx2;-mfma;-mf16c")
    elseif(f MATCHES "_avx2\\.cc$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c")
    endif()
  endforeach()
endfunction()
