"""A tiny HTTP server for the demo media (and for tests): serves a directory on 127.0.0.1.

    with MediaServer("data/demo/media") as srv:   # port 0 = any free port
        print(srv.url)                             # http://127.0.0.1:PORT

`python -m pipeline.demo.server --dir data/demo/media --port 8765` serves until Ctrl-C.
"""
from __future__ import annotations

import argparse
import errno
import functools
import html
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEFAULT_PORT = 8765
PAGE = """<!doctype html><html><head><title>{title}</title>
<meta property="og:title" content="{title}"><meta property="og:description" content="{desc}">
</head><body><video src="/media/{id}.mp4" poster="/media/{id}.jpg"></video></body></html>"""
PAGE_TEMPLATE = "/video/{id}.html"   # appended to MediaServer.url: pipeline.collect's --url-template


def write_video_page(root, vid: str, description: str, video, cover) -> None:
    """A video's page under ``root`` as yt-dlp's generic extractor reads one: a ``<video>``
    (``video``, bytes or a file) with a poster (``cover``) and the description in its meta
    tags. Served by a MediaServer, it stands in for a TikTok in pipeline.collect's tests."""
    root = Path(root)
    (root / "video").mkdir(parents=True, exist_ok=True)
    (root / "media").mkdir(parents=True, exist_ok=True)
    text = html.escape(description, quote=True)
    (root / "video" / f"{vid}.html").write_text(
        PAGE.format(id=vid, title=text[:60], desc=text), encoding="utf-8")
    for src, dest in ((video, root / "media" / f"{vid}.mp4"), (cover, root / "media" / f"{vid}.jpg")):
        if isinstance(src, bytes):
            dest.write_bytes(src)
        elif src is not None:
            shutil.copyfile(src, dest)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


class MediaServer:
    """Serve `directory` over HTTP in a daemon thread; `port` falls back to a free one if taken."""

    def __init__(self, directory, port: int = 0, host: str = "127.0.0.1", fallback: bool = True):
        self.directory = str(Path(directory).resolve())
        handler = functools.partial(_QuietHandler, directory=self.directory)
        try:
            self.httpd = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            if not (fallback and port and exc.errno == errno.EADDRINUSE):
                raise
            self.httpd = ThreadingHTTPServer((host, 0), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "MediaServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="demo-media",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> "MediaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv=None) -> int:
    from pipeline.demo.generator import default_out

    p = argparse.ArgumentParser(description="Serve the demo media directory on 127.0.0.1")
    p.add_argument("--dir", type=Path, default=default_out() / "media")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    a = p.parse_args(argv)
    if not a.dir.is_dir():
        p.error(f"--dir {a.dir}: no such directory (generate the demo first: python -m "
                f"pipeline.demo.generator)")
    srv = MediaServer(a.dir, a.port)
    print(f"serving {srv.directory} at {srv.url} (Ctrl-C to stop)", flush=True)
    try:
        srv.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
