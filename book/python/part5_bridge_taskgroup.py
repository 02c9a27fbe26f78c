"""Structured concurrency: asyncio.TaskGroup (Part V, book/src/part5/cancellation.md).

Run by `tests/book_listings.rs` (the test `part5_bridges::python_originals_print_what_the_book_says`)
when python3 is installed. Python 3.11+ (TaskGroup, except*).
"""

# ANCHOR: program
import asyncio

async def slow(log):
    try:
        await asyncio.sleep(3600)
        return 0
    finally:
        log.append("release slow child")     # cancelled by the group

async def failing():
    await asyncio.sleep(0)
    raise ValueError("child 1 failed")

async def main():
    log = []
    try:
        async with asyncio.TaskGroup() as group:   # no child outlives this block
            group.create_task(slow(log))
            group.create_task(failing())
            group.create_task(asyncio.sleep(0, result=2))
    except* ValueError as errors:
        print("failed:", [str(e) for e in errors.exceptions], log)

asyncio.run(main())
# failed: ['child 1 failed'] ['release slow child']
# ANCHOR_END: program
