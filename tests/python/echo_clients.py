"""Many concurrent asyncio clients against an echo server; exits 0 if every echo matched.

    python3 tests/python/echo_clients.py HOST:PORT [--connections 200] [--messages 5]

Each connection (one asyncio task) sends a few messages of its own, reads each echo back
with `readexactly`, and compares. All connections are open at once (a barrier holds the
first message until every client has connected), so the server holds 200 connections
together. Prints one line `connections=N messages=M mismatches=K failures=F` and exits 1
if any echo differed or any connection failed; the whole run is bounded by a timeout.

tests/net_examples.rs runs it against the `echo_server` example when python3 is present.
"""

import argparse
import asyncio
import sys

TIMEOUT_SECONDS = 60


def message(connection: int, index: int) -> bytes:
    """The payload of message `index` of `connection`: distinct per client and message."""
    return f"client {connection} message {index} ".encode() * (1 + connection % 5)


async def client(host: str, port: int, connection: int, messages: int, everyone_connected: asyncio.Event, connected: list) -> int:
    """One connection: returns the number of echoes that differed from what was sent."""
    reader, writer = await asyncio.open_connection(host, port)
    connected.append(connection)
    await everyone_connected.wait()
    mismatches = 0
    try:
        for index in range(messages):
            sent = message(connection, index)
            writer.write(sent)
            await writer.drain()
            echo = await reader.readexactly(len(sent))
            mismatches += echo != sent
    finally:
        writer.close()
        await writer.wait_closed()
    return mismatches


async def run(host: str, port: int, connections: int, messages: int) -> tuple:
    """Starts every client, releases them once all are connected; (mismatches, failures)."""
    everyone_connected = asyncio.Event()
    connected = []
    tasks = [
        asyncio.create_task(client(host, port, n, messages, everyone_connected, connected))
        for n in range(connections)
    ]
    while len(connected) < connections and not any(t.done() for t in tasks):
        await asyncio.sleep(0.01)
    everyone_connected.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    for failure in failures[:3]:
        print(f"connection failed: {failure!r}", file=sys.stderr)
    mismatches = sum(r for r in results if not isinstance(r, BaseException))
    return mismatches, len(failures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("addr", help="HOST:PORT of the echo server")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    args = parser.parse_args()
    host, _, port = args.addr.rpartition(":")
    mismatches, failures = asyncio.run(
        asyncio.wait_for(run(host, int(port), args.connections, args.messages), TIMEOUT_SECONDS)
    )
    print(f"connections={args.connections} messages={args.messages} mismatches={mismatches} failures={failures}")
    return 1 if mismatches or failures else 0


if __name__ == "__main__":
    sys.exit(main())
