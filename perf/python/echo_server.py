"""Python's peer of the echo_server example, for scripts/perf-report's tcp_echo rows:
asyncio streams, standard library only.

Usage: python3 echo_server.py [ADDR]

One `handle_echo` coroutine per connection (`asyncio.start_server`), reading up to 16 KiB
and writing it back, TCP_NODELAY on. Prints `listening on ADDR` (default 127.0.0.1:7879;
port 0 picks a free port), then serves until killed.
"""

import asyncio
import socket
import sys

BUFFER = 16 * 1024


async def handle_echo(reader, writer):
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while data := await reader.read(BUFFER):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(addr):
    host, _, port = addr.rpartition(":")
    server = await asyncio.start_server(handle_echo, host, int(port))
    bound = server.sockets[0].getsockname()
    print(f"listening on {bound[0]}:{bound[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:7879"))
