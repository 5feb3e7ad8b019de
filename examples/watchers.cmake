# The watcher example: inotify events handled in a busy event loop's epoll vs on a thread of
# their own, run by tests/integration/examples_inotify_lateness_test.cpp.
sluice_example(inotify_lateness)
target_link_libraries(example_inotify_lateness PRIVATE Boost::headers)
# As in timers.cmake: Asio's fences upset GCC's -Wtsan, and here the only cross-thread hand-off
# is asio::post, whose queue is guarded by the io_context's mutex, not by a fence.
if(SLUICE_SANITIZE STREQUAL "thread")
  target_compile_options(example_inotify_lateness PRIVATE -Wno-tsan)
endif()
