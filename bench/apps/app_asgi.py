"""The benchmark's ASGI app for uvicorn: the same paths as bench/apps/app.ts."""

import asyncio
import time

HELLO = b"Hello, world!\n"
BODY_64K = b"x" * (64 * 1024)
TEXT = b"text/plain;charset=UTF-8"
BYTES = b"application/octet-stream"


async def read_body(receive):
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    path = scope["path"]
    body, ctype = HELLO, TEXT
    if path == "/64k":
        body, ctype = BODY_64K, BYTES
    elif path == "/echo":
        body, ctype = await read_body(receive), BYTES
    elif path == "/sleep":
        await asyncio.sleep(0.02)
    elif path == "/slow":
        await asyncio.sleep(0.5)
    elif path == "/block":
        # Blocks the event loop, as Atomics.wait blocks a Deno worker and time.sleep a WSGI one.
        time.sleep(0.5)
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
