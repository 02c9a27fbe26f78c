"""Bridges between a loop and threads (Part V, book/src/part5/bridges.md).

Run by `tests/book_listings.rs` (the test `part5_bridges::python_originals_print_what_the_book_says`)
when python3 is installed. Python 3.9+ (asyncio.to_thread).
"""

# ANCHOR: program
import asyncio
import threading

def deep_work(n):                        # plain, blocking code on another thread
    return sum(range(n + 1))

async def price(item):                   # an async API, on the loop
    await asyncio.sleep(0)
    return len(item)

def worker(loop):                        # a thread awaits a coroutine of the loop
    future = asyncio.run_coroutine_threadsafe(price("tea"), loop)
    return future.result()               # blocks this OS thread, not the loop

async def main():
    loop = asyncio.get_running_loop()
    total = await asyncio.to_thread(deep_work, 100)      # the loop awaits a thread
    print("deep_work:", total)
    print("worker:", await asyncio.to_thread(worker, loop))

asyncio.run(main())
# deep_work: 5050
# worker: 3
# ANCHOR_END: program
