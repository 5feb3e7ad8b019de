#!/usr/bin/python3
"""Textbook design 2, reproduced: one coroutine per chunk of len(urls) // N URLs, all gathered;
each holds one permit of asyncio.Semaphore(N) for its whole chunk and awaits its URLs one after
another, each with a throwaway client. At most N requests are in flight, but while there are at
most N chunks the semaphore holds no one back, and an (N+1)-th chunk waits for a whole chunk.
Usage: async_semaphore_fetch.py (PREFIX COUNT | -) N"""
import asyncio
import time

import aiohttp

from batched import batched
from command_line import print_line, read_command_line


async def fetch(url):
    """True for a 200; a failed URL is counted, not raised, so that its chunk goes on."""
    try:
        # [article:throwaway-client]
        async with aiohttp.ClientSession() as session:  # a new connection for every URL
            async with session.get(url) as response:
                await response.read()
                return response.status == 200
        # [/article:throwaway-client]
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False


async def run(urls, n):
    # [article:chunk-permits]
    chunks = list(batched(urls, len(urls) // n))
    semaphore = asyncio.Semaphore(n)

    async def fetch_chunk(chunk):
        fetched = 0
        async with semaphore:  # one permit for the whole chunk
            for url in chunk:
                fetched += await fetch(url)
        return fetched

    fetched = await asyncio.gather(*(fetch_chunk(chunk) for chunk in chunks))
    # [/article:chunk-permits]
    return len(chunks), sum(fetched)


def main():
    urls, n = read_command_line("async_semaphore_fetch.py")
    start = time.monotonic()
    chunks, fetched = asyncio.run(run(urls, n))
    print_line(chunks=chunks, fetched=fetched, urls=len(urls),
               elapsed_s=round(time.monotonic() - start, 3))


if __name__ == "__main__":
    main()
