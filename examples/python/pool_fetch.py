#!/usr/bin/python3
"""The right thread form: N workers take URLs from one bounded queue, each the next one the
moment it is done with the last, so a slow URL holds up only its own worker; each worker keeps
one requests.Session, whose connection it reuses for all its URLs.
Usage: pool_fetch.py (PREFIX COUNT | -) N"""
import queue
import threading
import time

import requests

from command_line import print_line, read_command_line


def fetch(session, url):
    """True for a 200; a failed URL is counted, not raised, so that its worker goes on."""
    try:
        return session.get(url, timeout=60).status_code == 200
    except requests.RequestException:
        return False


def main():
    urls, n = read_command_line("pool_fetch.py")
    start = time.monotonic()
    # A small queue is enough: the workers only need the next URL ready when they finish one.
    todo = queue.Queue(maxsize=2 * n)
    fetched = [0] * n  # each worker writes only its own entry

    # [article:session-workers]
    def work(index):
        with requests.Session() as session:
            while (url := todo.get()) is not None:
                fetched[index] += fetch(session, url)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for worker in workers:
        worker.start()
    for url in urls:
        todo.put(url)
    for _ in workers:
        todo.put(None)  # one end mark for each worker
    for worker in workers:
        worker.join()
    # [/article:session-workers]
    print_line(fetched=sum(fetched), urls=len(urls), elapsed_s=round(time.monotonic() - start, 3))


if __name__ == "__main__":
    main()
