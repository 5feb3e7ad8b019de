"""itertools.batched, which Python 3.12 added and Debian 12's Python 3.11 lacks: the helper
both textbook designs cut their URL list with."""
import itertools


# [article:batched]
def batched(iterable, n):
    """Consecutive tuples of n items; the last one may be shorter."""
    if n < 1:
        raise ValueError("n must be at least one")  # the words of itertools.batched
    iterator = iter(iterable)
    while batch := tuple(itertools.islice(iterator, n)):
        yield batch
# [/article:batched]
