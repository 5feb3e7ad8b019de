"""One GET in an aiohttp.ClientSession, shared by the right asyncio forms."""
import asyncio

import aiohttp


async def fetch(session, url):
    """True for a 200; a failed URL is counted, not raised, so that the run goes on."""
    try:
        async with session.get(url) as response:
            await response.read()  # the whole body, so that the connection can be reused
            return response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False
