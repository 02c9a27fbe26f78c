"""A CPU loop that yields, and run_in_executor (Part IV, book/src/part4/dont-block-the-loop.md).

Run by `tests/book_listings.rs` (the test `part4_io::python_originals_print_what_the_book_says`)
when python3 is installed.
"""

# ANCHOR: program
import asyncio

async def compute_intensive_task():
    result = 0
    for i in range(1_000_000):
        result += i * i
        # Yield every 10,000 iterations to let other tasks run
        if i % 10000 == 0:
            await asyncio.sleep(0)  # Sleep for 0 seconds just to yield control
    return result

def cpu_hog():
    return sum(i * i for i in range(1_000_000))

async def heartbeat(beats):
    while True:
        beats.append(1)
        await asyncio.sleep(0)

async def main():
    beats = []
    ticker = asyncio.create_task(heartbeat(beats))
    await compute_intensive_task()
    print("yielding:", len(beats), "beats")                 # yielding: 100 beats
    beats.clear()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, cpu_hog)               # a pool thread computes
    print("run_in_executor:", len(beats) > 0)               # run_in_executor: True
    ticker.cancel()

asyncio.run(main())
# ANCHOR_END: program
