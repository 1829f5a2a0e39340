# forkrpc_generate(): compiles .proto files into protobuf messages and forkrpc stubs and
# services, and adds them to a target, in the shape of protobuf's protobuf_generate():
#
#   forkrpc_generate(
#     TARGET my_app                   # gets the generated sources, include dir and forkrpc
#     PROTOS calc.proto other.proto   # default: the target's .proto sources
#     [IMPORT_DIRS dir...]            # where imports are looked up; each proto's own dir
#                                     # and protobuf's well-known types are always searched
#     [PROTOC_OUT_DIR dir]            # default: the current binary dir
#     [PLUGIN_OPTIONS opts])          # passed as --forkrpc_opt
#
# For a/b/calc.proto found under an import dir as b/calc.proto it writes
# <out>/b/calc.pb.{h,cc} and <out>/b/calc.forkrpc.{h,cc}; include "b/calc.forkrpc.h".

set(FORKRPC_WELL_KNOWN_PROTOS_DIR "${Protobuf_INCLUDE_DIRS}" CACHE INTERNAL
    "Where google/protobuf/*.proto live")

function(forkrpc_generate)
  cmake_parse_arguments(arg "" "TARGET;PROTOC_OUT_DIR;PLUGIN_OPTIONS" "PROTOS;IMPORT_DIRS"
                        ${ARGN})
  if(NOT arg_TARGET)
    message(FATAL_ERROR "forkrpc_generate: TARGET is required")
  endif()
  if(NOT arg_PROTOS)
    get_target_property(sources ${arg_TARGET} SOURCES)
    foreach(source IN LISTS sources)
      if(source MATCHES "\\.proto$")
        list(APPEND arg_PROTOS "${source}")
      endif()
    endforeach()
  endif()
  if(NOT arg_PROTOS)
    message(FATAL_ERROR "forkrpc_generate: no PROTOS given and target ${arg_TARGET} has none")
  endif()
  if(NOT arg_PROTOC_OUT_DIR)
    set(arg_PROTOC_OUT_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  endif()

  set(import_dirs)
  foreach(dir IN LISTS arg_IMPORT_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE)
    list(APPEND import_dirs "${dir}")
  endforeach()

  set(outputs)
  foreach(proto IN LISTS arg_PROTOS)
    get_filename_component(proto "${proto}" ABSOLUTE)
    # The proto's name as protoc sees it: relative to the first import dir holding it,
    # else to its own directory, which then joins the import path.
    set(relative "")
    foreach(dir IN LISTS import_dirs)
      file(RELATIVE_PATH candidate "${dir}" "${proto}")
      if(NOT candidate MATCHES "^\\.\\./")
        set(relative "${candidate}")
        break()
      endif()
    endforeach()
    set(proto_import_dirs ${import_dirs})
    if(relative STREQUAL "")
      get_filename_component(own_dir "${proto}" DIRECTORY)
      get_filename_component(relative "${proto}" NAME)
      list(PREPEND proto_import_dirs "${own_dir}")
    endif()
    list(APPEND proto_import_dirs "${FORKRPC_WELL_KNOWN_PROTOS_DIR}")
    list(REMOVE_DUPLICATES proto_import_dirs)
    set(include_flags)
    foreach(dir IN LISTS proto_import_dirs)
      list(APPEND include_flags "-I${dir}")
    endforeach()

    string(REGEX REPLACE "\\.proto$" "" stem "${relative}")
    set(generated
        "${arg_PROTOC_OUT_DIR}/${stem}.pb.h" "${arg_PROTOC_OUT_DIR}/${stem}.pb.cc"
        "${arg_PROTOC_OUT_DIR}/${stem}.forkrpc.h" "${arg_PROTOC_OUT_DIR}/${stem}.forkrpc.cc")
    set(plugin_option)
    if(arg_PLUGIN_OPTIONS)
      set(plugin_option "--forkrpc_opt=${arg_PLUGIN_OPTIONS}")
    endif()
    add_custom_command(
      OUTPUT ${generated}
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${arg_PROTOC_OUT_DIR}"
      COMMAND protobuf::protoc
              --cpp_out "${arg_PROTOC_OUT_DIR}"
              --forkrpc_out "${arg_PROTOC_OUT_DIR}"
              "--plugin=protoc-gen-forkrpc=$<TARGET_FILE:forkrpc::protoc-gen-forkrpc>"
              ${plugin_option} ${include_flags} "${proto}"
      DEPENDS "${proto}" protobuf::protoc forkrpc::protoc-gen-forkrpc
      COMMENT "forkrpc_generate: ${relative}"
      VERBATIM)
    list(APPEND outputs ${generated})
  endforeach()

  target_sources(${arg_TARGET} PRIVATE ${outputs})
  target_include_directories(${arg_TARGET} PUBLIC "${arg_PROTOC_OUT_DIR}")
  target_link_libraries(${arg_TARGET} PUBLIC forkrpc::forkrpc)
endfunction()
