"""Part IV, chapter 3: a future's done callbacks run from the loop, never from set_result;
the rules for result() and cancel()."""
import asyncio

loop = asyncio.new_event_loop()
seen = []

fut = loop.create_future()
try:
    fut.result()
except asyncio.InvalidStateError:
    seen.append("pending: InvalidStateError")
fut.add_done_callback(lambda f: seen.append(f"callback: {f.result()}"))
fut.set_result(42)
assert seen == ["pending: InvalidStateError"], seen   # set_result returned first
loop.call_soon(loop.stop)
loop.run_forever()
assert seen[-1] == "callback: 42", seen
assert fut.cancel() is False and fut.result() == 42     # done: cancel() changes nothing

cancelled = loop.create_future()
assert cancelled.cancel() is True
try:
    cancelled.result()
except asyncio.CancelledError:
    seen.append("cancelled: CancelledError")

failed = loop.create_future()
failed.set_exception(ValueError("boom"))
assert str(failed.exception()) == "boom"
try:
    failed.set_result(1)
except asyncio.InvalidStateError:
    seen.append("set twice: InvalidStateError")
assert seen[-2:] == ["cancelled: CancelledError", "set twice: InvalidStateError"], seen
loop.close()
