"""Part IV, chapter 2: call_later and call_at; timers with the same deadline run in the
order they were scheduled (PEP 3156, "Callback Sequencing")."""
import asyncio

ran = []

def note(loop, name):
    ran.append(name)

loop = asyncio.new_event_loop()
now = loop.time()                       # the loop's clock: time.monotonic()
loop.call_later(0.03, note, loop, "c")
loop.call_at(now + 0.01, note, loop, "a1")
loop.call_later(0.02, note, loop, "b")
loop.call_at(now + 0.01, note, loop, "a2")   # the same deadline as a1: after it
loop.call_soon(note, loop, "soon")           # ready now: before every timer
loop.call_later(0.05, loop.stop)
loop.run_forever()
assert ran == ["soon", "a1", "a2", "b", "c"], ran
loop.close()
