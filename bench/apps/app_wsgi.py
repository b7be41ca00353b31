"""The benchmark's WSGI app for gunicorn: the same paths as bench/apps/app.ts."""

import time

HELLO = b"Hello, world!\n"
BODY_64K = b"x" * (64 * 1024)


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    body, ctype = HELLO, "text/plain;charset=UTF-8"
    if path == "/64k":
        body, ctype = BODY_64K, "application/octet-stream"
    elif path == "/echo":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body, ctype = environ["wsgi.input"].read(length), "application/octet-stream"
    elif path == "/sleep":
        time.sleep(0.02)
    elif path in ("/slow", "/block"):
        # /block: time.sleep blocks the handling thread as Atomics.wait blocks a Deno worker
        # (the whole sync worker; one of the gthread worker's threads).
        time.sleep(0.5)
    start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]
