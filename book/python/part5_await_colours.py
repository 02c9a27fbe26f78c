# Part V, chapter 4: the async colour. fetch() has to wait, so it becomes async, so
# summarize() awaits it and becomes async, so report() does too: the whole chain.
import asyncio

# ANCHOR: chain
async def fetch(id):
    await asyncio.sleep(0)        # the one place that waits
    return id * 10

async def summarize(id):
    return f"{id}: {await fetch(id)}"

async def report(ids):
    return [await summarize(id) for id in ids]
# ANCHOR_END: chain

async def heartbeat(beats):
    for _ in range(3):
        beats.append("beat")
        await asyncio.sleep(0)

async def main():
    beats = []
    lines, _ = await asyncio.gather(report([1, 2, 3]), heartbeat(beats))
    print(lines)
    print("beat between fetches:", len(beats))

asyncio.run(main())
