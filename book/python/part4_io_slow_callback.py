"""asyncio debug mode's slow-callback report (Part IV, book/src/part4/dont-block-the-loop.md).

Run by `tests/book_listings.rs` (the test `part4_io::python_originals_print_what_the_book_says`)
when python3 is installed.
"""

# ANCHOR: program
import asyncio
import time

async def hog():
    time.sleep(0.2)                   # blocks the whole loop: no await inside

async def main():
    asyncio.get_running_loop().slow_callback_duration = 0.05  # 0.1 s unless set
    await asyncio.create_task(hog(), name="hog")

asyncio.run(main(), debug=True)
# Executing <Task finished name='hog' coro=<hog() done, ...> ...> took 0.201 seconds
# ANCHOR_END: program
