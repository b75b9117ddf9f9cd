# One static library per stage folder of the path, each naming the stages it
# may use. Dependencies point down the path (table ← kernel ← {handlers, inject,
# trace, policy} ← entry ← cli): a stage can depend only on stages declared
# before it, so the libraries cannot form a cycle, and a build-time check
# (cmake/check_layer.cmake) fails the build when a file includes a header of a
# stage its own stage does not depend on.
#
#   lstar_stage(<folder> [DEPENDS <folder>...] SOURCES <file>...)
#     → library lstar_<folder>
function(lstar_stage folder)
  cmake_parse_arguments(STAGE "" "" "DEPENDS;SOURCES" ${ARGN})
  set(lib lstar_${folder})
  add_library(${lib} STATIC ${STAGE_SOURCES})
  target_include_directories(${lib} PUBLIC ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/generated)
  # fmt header-only, so that lstar itself can be linked statically.
  target_link_libraries(${lib} PUBLIC fmt::fmt-header-only nlohmann_json::nlohmann_json)
  set(allowed ${folder})
  foreach(dep IN LISTS STAGE_DEPENDS)
    if(NOT TARGET lstar_${dep})
      message(FATAL_ERROR "lstar: stage '${folder}' depends on '${dep}', which is not declared before it "
                          "(stages depend only on the stages below them on the path)")
    endif()
    target_link_libraries(${lib} PUBLIC lstar_${dep})
    get_property(below GLOBAL PROPERTY LSTAR_STAGE_USES_${dep})
    list(APPEND allowed ${below})
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  set_property(GLOBAL PROPERTY LSTAR_STAGE_USES_${folder} ${allowed})
  set_property(GLOBAL APPEND PROPERTY LSTAR_STAGES ${lib})

  file(GLOB_RECURSE files CONFIGURE_DEPENDS
       ${CMAKE_SOURCE_DIR}/${folder}/*.cpp ${CMAKE_SOURCE_DIR}/${folder}/*.hpp
       ${CMAKE_SOURCE_DIR}/${folder}/*.h ${CMAKE_SOURCE_DIR}/${folder}/*.S)
  set(stamp ${CMAKE_BINARY_DIR}/layers/${folder}.ok)
  string(REPLACE ";" "," allowed_list "${allowed}")
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DSTAGE=${folder} -DUSES=${allowed_list} -DROOT=${CMAKE_SOURCE_DIR}
            -DSTAMP=${stamp} -P ${CMAKE_SOURCE_DIR}/cmake/check_layer.cmake
    DEPENDS ${files} ${CMAKE_SOURCE_DIR}/cmake/check_layer.cmake
    COMMENT "lstar: layer check of ${folder}/"
    VERBATIM)
  add_custom_target(${lib}_layer DEPENDS ${stamp})
  add_dependencies(${lib} ${lib}_layer)
endfunction()
