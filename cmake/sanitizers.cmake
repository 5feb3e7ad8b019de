# SLUICE_SANITIZE applies to every target of the build: sanitizers must see the whole
# program (a thread sanitizer that misses one library reports false races).
if(SLUICE_SANITIZE)
  if(NOT SLUICE_SANITIZE MATCHES "^(address,undefined|undefined,address|address|undefined|thread)$")
    message(FATAL_ERROR "SLUICE_SANITIZE must be 'address,undefined' or 'thread', not '${SLUICE_SANITIZE}'")
  endif()
  add_compile_options(-fsanitize=${SLUICE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SLUICE_SANITIZE})
endif()
