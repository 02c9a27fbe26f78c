"""Part IV, chapter 4: a task sends results in and throws errors and the cancel in; a
coroutine that catches the cancel carries on, and its task is not cancelled."""
import asyncio

log = []

async def total(price, tax):
    p = await price                 # the task sends the result in
    try:
        t = await tax               # ... or throws the exception in
    except ValueError as e:
        log.append(f"caught {e}")
        t = 0
    return p + t

async def stubborn():
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:  # thrown in at the await
        log.append("caught the cancel")
    await asyncio.sleep(0)
    return "carried on"

async def main():
    loop = asyncio.get_running_loop()
    price, tax = loop.create_future(), loop.create_future()
    task = asyncio.create_task(total(price, tax))
    loop.call_soon(price.set_result, 100)
    loop.call_later(0.01, tax.set_exception, ValueError("no tax table"))
    assert await task == 100

    s = asyncio.create_task(stubborn())
    await asyncio.sleep(0)          # it starts and sleeps
    assert s.cancel() is True
    assert await s == "carried on" and not s.cancelled()

asyncio.run(main())
assert log == ["caught no tax table", "caught the cancel"], log
