"""One slow feed against one fast feed under the poller (loopback, a few seconds).

The figure: how often the fast feed was polled while the slow one dripped a
byte at a time into its fetch deadline.  Before feeds were polled
independently, a poll round waited for the slowest feed.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Row = tuple[str, str]

WINDOW = 5.0
INTERVAL = 0.5
DEADLINE = 4.0


def run() -> list[Row]:
    """Poll a dripping feed and a fast one for ``WINDOW`` s; count the fast feed's polls."""
    from app.cli import sample_feed_path
    from bot.config import FetchSettings, Settings
    from bot.engine import make_engine
    from bot.schedule.poller import FeedPoller
    from bot.timing import SystemClock

    feed = sample_feed_path().read_bytes()
    hits: list[str] = []
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            if self.path == "/drip":
                self.end_headers()
                try:
                    while not stop.wait(0.5):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except OSError:
                    pass
                return
            self.send_header("Content-Length", str(len(feed)))
            self.end_headers()
            self.wfile.write(feed)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    settings = Settings(fetch=FetchSettings(timeout_seconds=20, deadline_seconds=DEADLINE))
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(settings, db_path=Path(tmp) / "poll.db")
        poller = FeedPoller(
            engine,
            [f"{base}/drip", f"{base}/ok"],
            clock=SystemClock(),
            interval=timedelta(seconds=INTERVAL),
        )

        async def window() -> None:
            done = asyncio.Event()
            task = asyncio.create_task(poller.run(done))
            await asyncio.sleep(WINDOW)
            done.set()
            await task

        quiet = logging.getLogger("bot.schedule.poller")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # the slow feed's expected failure is no news here
        try:
            asyncio.run(window())
        finally:
            stop.set()
            httpd.shutdown()
            httpd.server_close()
            engine.close()
            quiet.setLevel(level)
    fast = hits.count("/ok")
    return [
        (
            "slow feed: a fast feed polled",
            f"{fast} times in {WINDOW:g} s (due every {INTERVAL:g} s) while another dripped"
            f" into its {DEADLINE:g} s fetch deadline",
        )
    ]
