# threads_barrier_fetch, async_semaphore_fetch, pool_fetch
