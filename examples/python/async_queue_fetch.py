#!/usr/bin/python3
"""The right asyncio form without a semaphore: N worker tasks take URLs from one asyncio.Queue
and share one aiohttp.ClientSession. The number of workers is the cap, and a task exists per
worker, not per URL, so a list of a million URLs costs N tasks.
Usage: async_queue_fetch.py (PREFIX COUNT | -) N"""
import asyncio
import time

import aiohttp

from command_line import print_line, read_command_line
from fetch_in_session import fetch


async def run(urls, n):
    # [article:queue-workers]
    todo = asyncio.Queue(maxsize=2 * n)

    async def work(session):
        fetched = 0
        while (url := await todo.get()) is not None:
            fetched += await fetch(session, url)
        return fetched

    async with aiohttp.ClientSession() as session:
        workers = [asyncio.create_task(work(session)) for _ in range(n)]
        for url in urls:
            await todo.put(url)
        for _ in workers:
            await todo.put(None)  # one end mark for each worker
        fetched = await asyncio.gather(*workers)
    # [/article:queue-workers]
    return sum(fetched)


def main():
    urls, n = read_command_line("async_queue_fetch.py")
    start = time.monotonic()
    fetched = asyncio.run(run(urls, n))
    print_line(fetched=fetched, urls=len(urls), elapsed_s=round(time.monotonic() - start, 3))


if __name__ == "__main__":
    main()
