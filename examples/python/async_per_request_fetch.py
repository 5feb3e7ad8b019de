#!/usr/bin/python3
"""The right asyncio form with a semaphore: one aiohttp.ClientSession for the whole run, whose
pool reuses connections, and one task per URL that holds a permit only while its request is in
flight, so that a slow URL holds up no other and at most N requests are ever in flight.
Usage: async_per_request_fetch.py (PREFIX COUNT | -) N"""
import asyncio
import time

import aiohttp

from command_line import print_line, read_command_line
from fetch_in_session import fetch


async def run(urls, n):
    # [article:permit-per-request]
    semaphore = asyncio.Semaphore(n)

    async def fetch_with_permit(session, url):
        async with semaphore:  # one permit per request
            return await fetch(session, url)

    async with aiohttp.ClientSession() as session:
        fetched = await asyncio.gather(*(fetch_with_permit(session, url) for url in urls))
    # [/article:permit-per-request]
    return sum(fetched)


def main():
    urls, n = read_command_line("async_per_request_fetch.py")
    start = time.monotonic()
    fetched = asyncio.run(run(urls, n))
    print_line(fetched=fetched, urls=len(urls), elapsed_s=round(time.monotonic() - start, 3))


if __name__ == "__main__":
    main()
