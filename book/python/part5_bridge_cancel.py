"""Cancelling a task: CancelledError thrown in at its await (Part V,
book/src/part5/cancellation.md).

Run by `tests/book_listings.rs` (the test `part5_bridges::python_originals_print_what_the_book_says`)
when python3 is installed. Python 3.8+ (CancelledError is a BaseException).
"""

# ANCHOR: program
import asyncio

async def transfer(log):
    try:
        log.append("debit")
        await asyncio.sleep(3600)            # the network; cancelled here
        log.append("credit")
    except asyncio.CancelledError:
        log.append("caught CancelledError")
        await asyncio.sleep(0)               # cleanup that awaits
        log.append("refund")
        raise                                # still cancelled
    finally:
        log.append("release lock")

async def main():
    log = []
    task = asyncio.create_task(transfer(log))
    await asyncio.sleep(0)                   # it starts and waits
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("cancelled:", task.cancelled(), log)

asyncio.run(main())
# cancelled: True ['debit', 'caught CancelledError', 'refund', 'release lock']
# ANCHOR_END: program
