# Part V, chapter 1: from `yield from` to `await` (Python 3.5+, PEP 492).
# Asserts what the chapter says; prints one line per check.
import types
import warnings

# ANCHOR: generator_based
@types.coroutine
def suspend():
    """The bottom of every await chain: a generator that yields to whoever drives."""
    received = yield "suspended"
    return received

@types.coroutine
def old_style():          # Python 3.4: @asyncio.coroutine and `yield from`
    value = yield from suspend()
    return value * 2

async def new_style():    # Python 3.5: async def and `await`
    value = await suspend()
    return value * 2

for make in (old_style, new_style):
    coro = make()
    assert coro.send(None) == "suspended"   # runs to the bare yield in suspend()
    try:
        coro.send(21)                       # the value goes back down the chain
    except StopIteration as stop:
        assert stop.value == 42             # the return value, as in PEP 380
print("yield from and await drive the same way")
# ANCHOR_END: generator_based

# ANCHOR: not_an_iterator
coro = new_style()
assert isinstance(coro, types.CoroutineType)
assert not hasattr(coro, "__next__")        # no next(), no for loop over it
try:
    iter(coro)
except TypeError:
    print("a native coroutine is not an iterator")
coro.close()

def plain_generator():
    yield

async def awaits_a_generator():
    await plain_generator()

try:
    awaits_a_generator().send(None)
except TypeError as error:
    print(error)
# ANCHOR_END: not_an_iterator

# ANCHOR: dunder_await
class Countdown:
    """An awaitable that is not a coroutine: __await__ returns an iterator."""
    def __init__(self, n):
        self.n = n

    def __await__(self):
        while self.n > 0:
            self.n -= 1
            yield                 # one step: back to the loop, as Poll::Pending
        return "liftoff"

async def launch():
    return await Countdown(3)

coro, sends = launch(), 0
while True:
    try:
        coro.send(None)
        sends += 1
    except StopIteration as stop:
        print(stop.value, "after", sends, "yields")
        break
# ANCHOR_END: dunder_await

# ANCHOR: never_awaited
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    new_style()                     # called, never awaited: the body never runs
    import gc; gc.collect()
print(caught[0].category.__name__, caught[0].message)
# ANCHOR_END: never_awaited
