"""Part IV, chapter 2: call_later and call_at run callbacks by deadline, after the
callbacks that are ready."""
import asyncio

ran = []

def note(loop, name):
    ran.append(name)

loop = asyncio.new_event_loop()
now = loop.time()                       # the loop's clock: time.monotonic()
loop.call_later(0.03, note, loop, "c")
loop.call_at(now + 0.01, note, loop, "a")
loop.call_later(0.02, note, loop, "b")
loop.call_soon(note, loop, "soon")           # ready now: before every timer
loop.call_later(0.05, loop.stop)
loop.run_forever()
assert ran == ["soon", "a", "b", "c"], ran
loop.close()
