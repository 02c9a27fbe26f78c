"""Python's side of scripts/perf-report: standard library only.

Usage: python3 workloads.py WORKLOAD TARGET_MS

Runs WORKLOAD long enough to take about TARGET_MS milliseconds (after a calibration that
doubles as warm-up) and prints nanoseconds per operation on one line.
"""

import asyncio
import sys
import time
from collections import deque


def generator_send(n):
    """coroutine_send_round_trip: g.send(x) into `x = yield x + 1` (PEP 342)."""

    def echo():
        x = yield
        while True:
            x = yield x + 1

    g = echo()
    next(g)
    start = time.perf_counter_ns()
    for i in range(n):
        g.send(i)
    return time.perf_counter_ns() - start


def generator_round_robin_switch(n):
    """green_yield_switch: the round-robin run(tasks) over two generators of Milko
    Rodríguez's "Context Switching and Cooperative Multitasking in Python"; n switches."""

    def run(tasks):
        tasks = deque(tasks)
        while tasks:
            task = tasks.popleft()
            try:
                next(task)
                tasks.append(task)
            except StopIteration:
                pass

    def countdown(k):
        while k > 0:
            yield
            k -= 1

    start = time.perf_counter_ns()
    run([countdown(n // 2), countdown(n // 2)])
    return time.perf_counter_ns() - start


def asyncio_switch(n):
    """green_yield_switch: two asyncio tasks awaiting sleep(0); n switches."""

    async def yielder(k):
        for _ in range(k):
            await asyncio.sleep(0)

    async def main():
        start = time.perf_counter_ns()
        await asyncio.gather(yielder(n // 2), yielder(n // 2))
        return time.perf_counter_ns() - start

    return asyncio.run(main())


def asyncio_spawn_join(n):
    """spawn_join: await asyncio.create_task(empty())."""

    async def empty():
        pass

    async def main():
        start = time.perf_counter_ns()
        for _ in range(n):
            await asyncio.create_task(empty())
        return time.perf_counter_ns() - start

    return asyncio.run(main())


def asyncio_ping_pong(n):
    """channel_ping_pong: round trips between two tasks over two asyncio.Queues."""

    async def echo(inbox, outbox):
        while True:
            v = await inbox.get()
            if v is None:
                return
            outbox.put_nowait(v)

    async def main():
        to_echo, to_main = asyncio.Queue(), asyncio.Queue()
        task = asyncio.create_task(echo(to_echo, to_main))
        start = time.perf_counter_ns()
        for i in range(n):
            to_echo.put_nowait(i)
            await to_main.get()
        took = time.perf_counter_ns() - start
        to_echo.put_nowait(None)
        await task
        return took

    return asyncio.run(main())


WORKLOADS = {
    "generator_send": generator_send,
    "generator_round_robin_switch": generator_round_robin_switch,
    "asyncio_switch": asyncio_switch,
    "asyncio_spawn_join": asyncio_spawn_join,
    "asyncio_ping_pong": asyncio_ping_pong,
}


def measure(workload, target_ns):
    """Calibrates like the Rust side (grow n by 4x until a run takes a quarter of the
    target), then measures one run of about target_ns; returns ns per operation."""
    n = 2
    while True:
        took = workload(n)
        if took >= target_ns / 4 or n >= 1 << 32:
            n = max(2, int(n * target_ns / max(took, 1)))
            return workload(n) / n
        n *= 4


def main():
    name, target_ms = sys.argv[1], float(sys.argv[2])
    print(f"{measure(WORKLOADS[name], target_ms * 1e6):.3f}")


if __name__ == "__main__":
    main()
