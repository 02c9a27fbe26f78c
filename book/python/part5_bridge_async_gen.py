"""An async generator (PEP 525) and its early close (Part V, book/src/part5/bridges.md).

Run by `tests/book_listings.rs` (the test `part5_bridges::python_originals_print_what_the_book_says`)
when python3 is installed. Python 3.10+ (anext; async generators are Python 3.6+, PEP 525).
"""

# ANCHOR: program
import asyncio

async def ticks(n, log):
    try:
        for i in range(n):
            await asyncio.sleep(0)           # an await between two items
            log.append(f"yield {i}")
            yield i
    finally:
        log.append("closed")                 # at the end, or at aclose()

async def main():
    log = []
    print([i async for i in ticks(3, log)], log)
    log = []
    stream = ticks(10, log)
    first_two = [await anext(stream), await anext(stream)]   # anext: Python 3.10
    await stream.aclose()                    # GeneratorExit at the suspended yield
    print(first_two, log)

asyncio.run(main())
# [0, 1, 2] ['yield 0', 'yield 1', 'yield 2', 'closed']
# [0, 1] ['yield 0', 'yield 1', 'closed']
# ANCHOR_END: program
