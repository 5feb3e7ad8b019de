# The timer example: a periodic tick on a busy event loop vs on a thread of its own, run by
# tests/integration/examples_tick_lateness_test.cpp.
sluice_example(tick_lateness)
target_link_libraries(example_tick_lateness PRIVATE Boost::headers)
# Asio brackets handler calls with std::atomic_thread_fence, which GCC's -Wtsan reports because
# ThreadSanitizer does not model fences. Here only the loop thread touches Asio, so no fence
# orders anything between threads (see src/server/CMakeLists.txt for the same case).
if(SLUICE_SANITIZE STREQUAL "thread")
  target_compile_options(example_tick_lateness PRIVATE -Wno-tsan)
endif()
