"""Serve a built book on 127.0.0.1 with gzip, as any web host does (used by tests and benchmarks)."""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import sys
import threading
from pathlib import Path

# Types a host compresses; fonts (woff2) and images are compressed already.
COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".inv", ".ttf", ".xml")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; text types are sent gzip-compressed when the client accepts it."""

    _cache: dict[tuple[str, float], bytes] = {}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to "folder/", so relative links work
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.is_file() and path.suffix.lower() in COMPRESSIBLE):
            return super().send_head()
        key = (str(path), path.stat().st_mtime)
        body = self._cache.get(key)
        if body is None:
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            self._cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


class QuietServer(http.server.ThreadingHTTPServer):
    """A browser that closes a connection early (a page navigated away) is no error to print."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class _PlainHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(folder: Path, *, use_gzip: bool = True) -> tuple[str, http.server.ThreadingHTTPServer]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a daemon thread; return base URL and server."""
    handler = GzipHandler if use_gzip else _PlainHandler
    server = QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server
