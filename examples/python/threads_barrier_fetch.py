#!/usr/bin/python3
"""Textbook design 1, reproduced: cut the list into chunks of len(urls) // N, give each chunk a
thread that fetches it one URL after another with a throwaway client, and meet the threads at a
barrier of N + 1 parties (N threads and main). More than N chunks (205 URLs, N = 10: eleven) make
more than N + 1 arrivals, and the barrier's last generation never completes: the program hangs.
Usage: threads_barrier_fetch.py (PREFIX COUNT | -) N"""
import threading
import time

import requests

from batched import batched
from command_line import print_line, read_command_line


def fetch(url):
    """True for a 200; a failed URL is counted, not raised, so that its thread goes on."""
    try:
        # requests.get builds a new Session for each call: a new connection for every URL.
        return requests.get(url, timeout=60).status_code == 200
    except requests.RequestException:
        return False


def main():
    urls, n = read_command_line("threads_barrier_fetch.py")
    start = time.monotonic()
    # [article:chunks-barrier]
    chunks = list(batched(urls, len(urls) // n))
    barrier = threading.Barrier(n + 1)  # N threads and main
    fetched = [0] * len(chunks)  # each thread writes only its own entry

    def fetch_chunk(index):
        for url in chunks[index]:
            fetched[index] += fetch(url)
        barrier.wait()

    for index in range(len(chunks)):
        threading.Thread(target=fetch_chunk, args=(index,)).start()
    print_line(chunks=len(chunks), parties=barrier.parties)
    barrier.wait()
    # [/article:chunks-barrier]
    print_line(fetched=sum(fetched), urls=len(urls), elapsed_s=round(time.monotonic() - start, 3))


if __name__ == "__main__":
    main()
