# Part V, chapter 4: Python's stackful road. A greenlet has its own stack (the C stack
# slices that greenlet copies in and out), so a plain function deep in a call chain can
# switch away, as yieldpoint's yield_now does. gevent builds its hub on this.
# Needs the greenlet package (`pip install greenlet`); prints what the chapter says.
from collections import deque
from greenlet import greenlet, getcurrent

ready = deque()

# ANCHOR: yield_now
def yield_now():
    """Back to the scheduler, from any depth: no async, no await."""
    ready.append(getcurrent())
    scheduler.switch()
# ANCHOR_END: yield_now

# ANCHOR: chain
def fetch(id):
    yield_now()                   # the one place that waits
    return id * 10

def summarize(id):
    return f"{id}: {fetch(id)}"

def report(ids):
    return [summarize(id) for id in ids]
# ANCHOR_END: chain

def run(*functions):
    results = {}
    def task(f):
        results[f] = f()
    for f in functions:
        ready.append(greenlet(lambda f=f: task(f)))
    while ready:
        ready.popleft().switch()
    return [results[f] for f in functions]

beats = []
def heartbeat():
    for _ in range(3):
        beats.append("beat")
        yield_now()

scheduler = getcurrent()
lines, _ = run(lambda: report([1, 2, 3]), heartbeat)
print(lines)
print("beat between fetches:", len(beats))
