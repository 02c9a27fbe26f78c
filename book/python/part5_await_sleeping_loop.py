# Part V, chapter 1: Brett Cannon's SleepingLoop ("How the heck does async/await work in
# Python 3.5?", 2016), on a fake clock so that it runs at once and prints the same lines
# every time. The loop knows nothing of async def: it sends None in and reads what the
# bare yield at the bottom of each await chain hands out.
import heapq
import types

# ANCHOR: sleep
@types.coroutine
def sleep(seconds):
    """Yields its wake-up request to the loop; the loop sends the new time back in."""
    now = yield ("sleep", seconds)
    return now
# ANCHOR_END: sleep

# ANCHOR: countdown
async def countdown(label, length, *, delay=0):
    await sleep(delay)
    print(f"{label} starts")
    while length:
        now = await sleep(1)
        print(f"{label} T-minus {length} at t={now}")
        length -= 1
    return label
# ANCHOR_END: countdown

# ANCHOR: loop
def run(*coros):
    clock, seq, waiting, results = 0, 0, [], []
    for coro in coros:      # (wake-up time, tie-break, coroutine, what to send it)
        heapq.heappush(waiting, (clock, seq, coro, None)); seq += 1
    while waiting:
        clock, _, coro, value = heapq.heappop(waiting)
        try:
            _, seconds = coro.send(value)   # run to the next bare yield
        except StopIteration as done:
            results.append(done.value)
        else:
            heapq.heappush(waiting, (clock + seconds, seq, coro, clock + seconds))
            seq += 1
    return results

print(run(countdown("A", 3), countdown("B", 2, delay=2)))
# ANCHOR_END: loop
