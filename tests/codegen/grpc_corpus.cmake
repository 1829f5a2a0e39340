# The gRPC corpus: the plugin runs over every .proto of Debian's grpc-proto package that
# declares a service, and what it writes must compile and register every method under
# gRPC's name. The files are found when CMake configures; the files they import come
# along (their messages only), except protobuf's well-known types, which libprotobuf has.
# Included from CMakeLists.txt, whose helpers it uses.

set(FORKRPC_GRPC_PROTO_DIR "/usr/share/grpc-proto" CACHE PATH
    "Where Debian's grpc-proto package keeps gRPC's .proto files")
set(corpus_root "${FORKRPC_GRPC_PROTO_DIR}")
if(NOT IS_DIRECTORY "${corpus_root}/grpc")
  message(STATUS "forkrpc: no gRPC .proto files in ${corpus_root} (Debian package "
                 "grpc-proto); skipping the gRPC corpus test")
  return()
endif()

# The .proto files declaring a service, and for each its package and services.
file(GLOB_RECURSE corpus_all RELATIVE "${corpus_root}" "${corpus_root}/*.proto")
list(SORT corpus_all)
set(corpus_service_files)
set(corpus_entries "")
set(corpus_includes "")
foreach(proto IN LISTS corpus_all)
  file(STRINGS "${corpus_root}/${proto}" services REGEX "^service[ \t]+[A-Za-z_][A-Za-z0-9_]*")
  if(NOT services)
    continue()
  endif()
  list(APPEND corpus_service_files "${proto}")
  file(STRINGS "${corpus_root}/${proto}" package REGEX "^package[ \t]+[A-Za-z0-9_.]+[ \t]*;")
  string(REGEX REPLACE "^package[ \t]+([A-Za-z0-9_.]+).*" "\\1" package "${package}")
  string(REPLACE "." "::" namespace "::${package}")
  string(REGEX REPLACE "\\.proto$" ".forkrpc.h" header "${proto}")
  string(APPEND corpus_includes "#include \"${header}\"\n")
  foreach(line IN LISTS services)
    string(REGEX REPLACE "^service[ \t]+([A-Za-z_][A-Za-z0-9_]*).*" "\\1" service "${line}")
    string(APPEND corpus_entries "FORKRPC_CORPUS_SERVICE(\"${proto}\", ${namespace}::${service})\n")
  endforeach()
endforeach()
list(LENGTH corpus_service_files corpus_file_count)
if(corpus_file_count EQUAL 0)
  message(STATUS "forkrpc: no .proto in ${corpus_root} declares a service; skipping the "
                 "gRPC corpus test")
  return()
endif()

# Everything they import, transitively.
set(corpus_files ${corpus_service_files})
set(pending ${corpus_service_files})
while(pending)
  list(POP_FRONT pending proto)
  file(STRINGS "${corpus_root}/${proto}" imports REGEX "^import[ \t]")
  foreach(line IN LISTS imports)
    string(REGEX REPLACE "^import[ \t]+(public[ \t]+|weak[ \t]+)?\"([^\"]+)\".*" "\\2" import
                         "${line}")
    if(import MATCHES "^google/protobuf/" OR import IN_LIST corpus_files)
      continue()
    endif()
    if(NOT EXISTS "${corpus_root}/${import}")
      message(STATUS "forkrpc: ${proto} imports ${import}, which ${corpus_root} lacks; "
                     "skipping the gRPC corpus test")
      return()
    endif()
    list(APPEND corpus_files "${import}")
    list(APPEND pending "${import}")
  endforeach()
endwhile()
message(STATUS "forkrpc: gRPC corpus test over ${corpus_file_count} files with services "
               "in ${corpus_root}")

set(corpus_out "${CMAKE_CURRENT_BINARY_DIR}/grpc_corpus")
set(codegen_pb_sources)
set(codegen_forkrpc_sources)
set(codegen_forkrpc_outputs)
foreach(proto IN LISTS corpus_files)
  forkrpc_codegen_generate(ROOT "${corpus_root}" PROTO "${proto}" OUT "${corpus_out}")
endforeach()
forkrpc_codegen_compile(codegen_grpc_corpus ${codegen_pb_sources} ${codegen_forkrpc_sources})
target_include_directories(codegen_grpc_corpus PUBLIC "${corpus_out}")

file(CONFIGURE OUTPUT "${corpus_out}/corpus_includes.inc" CONTENT "${corpus_includes}" @ONLY)
file(CONFIGURE OUTPUT "${corpus_out}/corpus_services.inc" CONTENT "${corpus_entries}" @ONLY)
forkrpc_codegen_test(codegen_grpc_corpus_test
  SOURCES grpc_corpus_test.cc ${codegen_runtime_sources}
  LIBS codegen_grpc_corpus)
target_compile_definitions(codegen_grpc_corpus_test PRIVATE
  "FORKRPC_CORPUS_FILE_COUNT=${corpus_file_count}")
