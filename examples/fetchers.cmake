# The fetch examples: the two textbook answers and the right thread form, each run by
# tests/integration/examples_fetchers_test.cpp against the embedded server.
sluice_example(threads_barrier_fetch)
sluice_example(async_semaphore_fetch)
sluice_example(pool_fetch)
