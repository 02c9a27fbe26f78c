"""PEP 3156's add_reader, level-triggered (Part IV, book/src/part4/selectors.md).

Run by `tests/book_listings.rs` (the test `part4_io::python_originals_print_what_the_book_says`)
when python3 is installed.
"""

# ANCHOR: program
import asyncio
import socket

async def main():
    loop = asyncio.get_running_loop()
    a, b = socket.socketpair()
    a.setblocking(False)
    calls = []

    def on_readable():
        calls.append(a.recv(2))       # reads 2 bytes of the 4 ready

    loop.add_reader(a, on_readable)   # level-triggered: called while a is readable
    b.send(b"ping")
    await asyncio.sleep(0.01)
    loop.remove_reader(a)
    print(calls)                      # [b'pi', b'ng']

asyncio.run(main())
# ANCHOR_END: program
