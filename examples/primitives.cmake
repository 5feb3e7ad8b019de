# mutex, semaphore, barrier: the standard primitives, one small program each
sluice_example(mutex)
sluice_example(semaphore)
sluice_example(barrier)
