"""Part IV, chapter 1: Part I's countdown and countup as callbacks on asyncio's loop."""
import asyncio

lines = []

def countdown(loop, n):
    if n > 0:
        lines.append(f"Down {n}")
        loop.call_soon(countdown, loop, n - 1)   # the next step, in a later pass

def countup(loop, x, stop):
    if x < stop:
        lines.append(f"Up {x}")
        loop.call_soon(countup, loop, x + 1, stop)

loop = asyncio.new_event_loop()
loop.call_soon(countdown, loop, 3)
loop.call_soon(countup, loop, 0, 3)
# stop() ends run_forever() after the current pass: callbacks scheduled during that pass
# wait for the next run.
loop.call_soon(loop.stop)
loop.run_forever()           # one pass: Down 3, Up 0, stop
assert lines == ["Down 3", "Up 0"], lines
loop.call_soon(loop.stop)    # behind the two steps the first pass scheduled
loop.run_forever()
assert lines == ["Down 3", "Up 0", "Down 2", "Up 1"], lines
loop.close()
