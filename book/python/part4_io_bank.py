"""The bank transfer, dangerous and locked (Part IV, book/src/part4/synchronisation.md).

Run by `tests/book_listings.rs` (the test `part4_io::python_originals_print_what_the_book_says`)
when python3 is installed.
"""

# ANCHOR: program
import asyncio

class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = asyncio.Lock()

async def transfer_dangerous(source, dest, amount):
    balance = source.balance
    await asyncio.sleep(0)            # some_io_operation(): others run here
    source.balance = balance - amount
    dest.balance += amount

async def transfer_locked(source, dest, amount):
    async with source.lock:
        balance = source.balance
        await asyncio.sleep(0)        # others run, but not on this account
        source.balance = balance - amount
    async with dest.lock:             # another transfer may hold a stale read of dest
        dest.balance += amount

async def main(transfer):
    a, b = Account(100), Account(100)
    await asyncio.gather(transfer(a, b, 30), transfer(b, a, 50))
    print(transfer.__name__, a.balance, b.balance)

asyncio.run(main(transfer_dangerous))   # transfer_dangerous 120 50: 30 lost
asyncio.run(main(transfer_locked))      # transfer_locked 120 80
# ANCHOR_END: program
