# bounced_target_defaults(TARGET): the project's warning and sanitizer flags, per target.
function(bounced_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpedantic)
  if(BOUNCED_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(BOUNCED_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC 12's flow analysis under -fsanitize=address reports std::function members inside
      # <regex> as maybe-uninitialized (daemon/store/database.cpp); the sanitizers themselves
      # check what this warning guesses at.
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
  endif()
endfunction()
