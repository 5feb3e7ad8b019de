# mutex, semaphore, barrier
