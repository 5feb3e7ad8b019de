# The timer example: a periodic tick on a busy event loop vs on a thread of its own, run by
# tests/integration/examples_tick_lateness_test.cpp.
sluice_example(tick_lateness)
target_link_libraries(example_tick_lateness PRIVATE Boost::headers)
