"""The benchmark's WSGI app for gunicorn: the same 14-byte body as bench/apps/hello.ts."""

BODY = b"Hello, world!\n"


def app(environ, start_response):
    start_response(
        "200 OK",
        [("Content-Type", "text/plain;charset=UTF-8"), ("Content-Length", str(len(BODY)))],
    )
    return [BODY]
