"""Python's side of Part III's depth table (book/src/part3/the-stack.md).

Python 3.3 or later (PEP 380's `yield from`). Usage:

    python3 book/python/delegation_depth.py VALUES DEPTH...

Prints the Python version, then one line per depth: the depth and the nanoseconds per value
pulled through a chain of that many generators, each delegating to the next with
`yield from`. `tests/book_listings.rs` (the test `part3::the_depth_table`) runs it when
python3 is installed and puts the numbers in the table's first column.
"""

import sys
import time


def leaf(n):
    yield from range(n)


def delegate(sub):
    return (yield from sub)


def chain(depth, n):
    """`depth` generators, each delegating to the next, then the leaf."""
    return leaf(n) if depth == 0 else delegate(chain(depth - 1, n))


def ns_per_value(depth, values):
    """The best of three runs, as on the Rust side."""
    best = None
    for _ in range(3):
        start = time.perf_counter_ns()
        count = 0
        for _ in chain(depth, values):
            count += 1
        assert count == values
        ns = (time.perf_counter_ns() - start) / values
        best = ns if best is None else min(best, ns)
    return best


def main():
    values = int(sys.argv[1])
    depths = [int(d) for d in sys.argv[2:]]
    sys.setrecursionlimit(max(1000, 2 * max(depths, default=0) + 100))
    print("Python %d.%d.%d" % sys.version_info[:3])
    for depth in depths:
        print(depth, round(ns_per_value(depth, values)))


if __name__ == "__main__":
    main()
