"""The author's preview (`scripts/serve`): MkDocs' live-reload server, showing build errors in the page.

`mkdocs serve` stops answering while a rebuild has failed: its server holds every request until
a build succeeds, so the author sees a page that never loads and has to look in the terminal.
This runs the same server (`mkdocs.livereload.LiveReloadServer`) and the same build, with two
differences: it hears saves through the system's file events instead of polling every 0.5 s
(`SaveObserver`), and a failed build still ends. The last good pages then carry the error on top (and any
page the failed build did not leave behind is an error page that retries every two seconds);
the browser reloads to show it, and the next good save rebuilds the site as usual.

    python -m site_src.serve [-a 127.0.0.1:8000] [-f mkdocs.yml]
"""

from __future__ import annotations

import argparse
import html
import logging
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from mkdocs.livereload import LiveReloadServer
from watchdog.events import FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent
from watchdog.observers import Observer

LOG = logging.getLogger("mkdocs.site_src.serve")
BANNER_START, BANNER_END = "<!-- build-error -->", "<!-- /build-error -->"
BANNER_STYLE = ("position:sticky;top:0;z-index:1000;margin:0;padding:0.8rem 1rem;background:#fff4e5;"
                "color:#3b2300;border-bottom:3px solid #b35900;font:0.8rem/1.4 system-ui,sans-serif")


def error_banner(message: str) -> str:
    """The notice put on top of every page while the last build has failed."""
    return (f'{BANNER_START}<div role="alert" id="build-error" style="{BANNER_STYLE}">'
            "<strong>The last build failed.</strong> This is the last good version of the page; fix the "
            "error below and save, and the preview rebuilds."
            f'<pre style="white-space:pre-wrap;margin:0.5rem 0 0">{html.escape(message)}</pre></div>{BANNER_END}')


def error_page(message: str) -> bytes:
    """What a page the failed build left missing shows (it retries until a build succeeds)."""
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">'
            f"<title>Build failed</title></head><body>{error_banner(message)}</body></html>").encode()


def without_banner(text: str) -> str:
    start = text.find(BANNER_START)
    end = text.find(BANNER_END)
    return text if start < 0 or end < 0 else text[:start] + text[end + len(BANNER_END):]


def mark_pages(site_dir: Path, message: str | None) -> None:
    """Put the error banner on every built page (replacing an older one), or remove it (None)."""
    for page in site_dir.rglob("*.html"):
        text = without_banner(page.read_text(encoding="utf-8"))
        if message is not None:
            body = text.find("<body")
            cut = text.find(">", body) + 1 if body >= 0 else 0
            text = text[:cut] + error_banner(message) + text[cut:]
        page.write_text(text, encoding="utf-8")


def describe(error: BaseException) -> str:
    """The error as an author reads it: the build's own message names the file and line."""
    return f"{type(error).__name__}: {error}"


class SaveObserver(Observer):
    """The system's file events (inotify on Linux) where MkDocs' server polls the watched folders
    every 0.5 s: a save is seen at once, which takes 0.25 s on average off every edit's wait.
    Only what a save does counts: the build reading a watched file (an open/close event) must not
    start another build."""

    SAVES = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent]

    def schedule(self, event_handler, path, *, recursive=False, event_filter=None, follow_symlink=False):
        return super().schedule(event_handler, path, recursive=recursive, event_filter=event_filter or self.SAVES,
                                follow_symlink=follow_symlink)


class WarningLines(logging.Handler):
    """The warnings of one build (strict mode fails a build on them: the page should say which)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


class Preview:
    """One preview: the temporary site folder, the builder the server calls, the current error."""

    def __init__(self, config_file: str, dev_addr: str | None) -> None:
        self.config_file = config_file
        self.overrides = {"dev_addr": dev_addr} if dev_addr else {}
        self.site_dir = Path(tempfile.mkdtemp(prefix="mkdocs_"))
        self.error: str | None = None
        self.config = self.load()
        host, port = self.config.dev_addr
        self.mount_path = urlsplit(self.config.site_url or "/").path
        self.serve_url = f"http://{host}:{port}{self.mount_path}"

    def load(self):
        return load_config(config_file=self.config_file, site_dir=str(self.site_dir), **self.overrides)

    def builder(self, config=None) -> None:
        """Build the site; on failure keep the last good pages, marked with the error."""
        LOG.info("Building documentation...")
        if config is None:
            config = self.load()
        config.site_url = self.serve_url
        warnings = WarningLines()
        logging.getLogger("mkdocs").addHandler(warnings)
        try:
            build(config, serve_url=self.serve_url)
        except (Exception, SystemExit) as err:  # Abort (strict mode) and a hook's sys.exit end a build too
            # An Abort only says that the build stopped; the logged errors and warnings say why.
            self.error = "\n".join(warnings.lines if isinstance(err, Abort) and warnings.lines else
                                   [*warnings.lines, describe(err)])
            LOG.error("The build failed; the preview shows the error on every page until a save fixes it:\n%s", self.error)
            mark_pages(self.site_dir, self.error)
        else:
            self.error = None
        finally:
            logging.getLogger("mkdocs").removeHandler(warnings)

    def error_response(self, code: int) -> bytes | None:
        if self.error is not None:
            return error_page(self.error)
        page = self.site_dir / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    def serve(self) -> None:
        host, port = self.config.dev_addr
        server = LiveReloadServer(builder=self.builder, host=host, port=port, root=str(self.site_dir),
                                  mount_path=self.mount_path)
        server.error_handler = self.error_response
        server.observer = SaveObserver()  # before the first watch()
        self.config.plugins.on_startup(command="serve", dirty=False)
        try:
            self.builder(self.config)
            server.watch(self.config.docs_dir)
            server.watch(self.config.config_file_path)
            server = self.config.plugins.on_serve(server, config=self.config, builder=self.builder)
            for path in self.config.watch:
                server.watch(path)
            try:
                server.serve()
            except KeyboardInterrupt:
                LOG.info("Shutting down...")
            finally:
                server.shutdown()
        finally:
            self.config.plugins.on_shutdown()
            shutil.rmtree(self.site_dir, ignore_errors=True)  # as `mkdocs serve` removes its own


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/serve", description=__doc__.splitlines()[0])
    parser.add_argument("-a", "--dev-addr", help="IP:PORT to serve on (default: mkdocs.yml's dev_addr, 127.0.0.1:8000)")
    parser.add_argument("-f", "--config-file", default="mkdocs.yml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)-7s -  %(message)s")
    Preview(args.config_file, args.dev_addr).serve()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
