"""The author's preview (`scripts/serve`): MkDocs' live-reload server, showing build errors in the
page, and the page being edited first.

`mkdocs serve` stops answering while a rebuild has failed: its server holds every request until
a build succeeds, so the author sees a page that never loads and has to look in the terminal.
This runs the same server (`mkdocs.livereload.LiveReloadServer`) and the same build, with three
differences. It hears saves through the system's file events instead of polling every 0.5 s
(`SaveObserver`). A failed build still ends: the last good pages then carry the error on top (and
any page the failed build did not leave behind is an error page that retries every two seconds);
the browser reloads to show it, and the next good save rebuilds the site as usual.

And the page being edited comes first. That is the page last asked of the server, the one open in
the author's browser, which the live reload asks for again after every build (a save of the
engine names no page; the browser does), and any page saved since the last build. A rebuild
makes what those pages need (their experiments, live cells, exercises and figures) and serves
them; what only other pages need and the cache lacks is shown as the last build made it, under a
banner that says what is still running and which pages wait for it, while `Preview.catch_up`
makes it in the background; the rebuild after that reloads them (`site_src.build.step.Deferral`).
So an edit of a module every experiment imports reruns one page's experiments and cells before
the author sees that page, not the whole chapter's.

    python -m site_src.serve [-a 127.0.0.1:8000] [-f mkdocs.yml]
"""

from __future__ import annotations

import argparse
import html
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from mkdocs.livereload import LiveReloadServer
from watchdog.events import FileCreatedEvent, FileSystemEventHandler, FileDeletedEvent, FileModifiedEvent, FileMovedEvent
from watchdog.observers import Observer

from site_src.build.step import BuildReport, Deferral, Interrupted
from site_src.plugin import ChapterPlugin

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


#: The log's words for the background build's start and end (scripts/bench_build.py waits for them).
BACKGROUND_STARTED = "Background build: what the other pages wait for"
BACKGROUND_DONE = "Background build done"
BACKGROUND_FAILED = "The background build failed"
BACKGROUND_YIELDED = "The background build gave way to a save"
#: How the running banner names each step's items.
STEP_WORDS = {"experiment": "experiments", "cells": "the live cells of", "exercise": "the checks of exercises",
              "figure": "figures", "notebook": "the run of"}


def running_banner(deferred: Mapping[tuple[str, str], list[str]]) -> str:
    """The notice put on top of the other pages while the background build makes what they wait for."""
    names: dict[str, list[str]] = {}
    for kind, name in sorted(deferred):
        names.setdefault(kind, []).append(name)
    running = "; ".join(f"{STEP_WORDS.get(kind, kind)} {', '.join(items)}" for kind, items in names.items())
    waiting = ", ".join(sorted({page for pages in deferred.values() for page in pages}))
    return (f'{BANNER_START}<div role="status" id="build-running" style="{BANNER_STYLE}">'
            f"<strong>Still running after the last save:</strong> {html.escape(running)}. "
            f"Pages that wait for it: {html.escape(waiting)}. Until it is done they show the results of the "
            f"build before; the preview then reloads them (the page last opened was built first).</div>{BANNER_END}")


def error_page(message: str) -> bytes:
    """What a page the failed build left missing shows (it retries until a build succeeds)."""
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">'
            f"<title>Build failed</title></head><body>{error_banner(message)}</body></html>").encode()


def without_banner(text: str) -> str:
    start = text.find(BANNER_START)
    end = text.find(BANNER_END)
    return text if start < 0 or end < 0 else text[:start] + text[end + len(BANNER_END):]


def mark_pages(site_dir: Path, banner: str | None, *, except_for: Path | None = None) -> None:
    """Put a banner on every built page but `except_for` (replacing an older one), or remove it (None)."""
    for page in site_dir.rglob("*.html"):
        if page == except_for:
            continue
        text = without_banner(page.read_text(encoding="utf-8"))
        if banner is not None:
            body = text.find("<body")
            cut = text.find(">", body) + 1 if body >= 0 else 0
            text = text[:cut] + banner + text[cut:]
        page.write_text(text, encoding="utf-8")


def describe(error: BaseException) -> str:
    """The error as an author reads it: the build's own message names the file and line."""
    return f"{type(error).__name__}: {error}"


#: How long the build waits after a save's last file event (MkDocs waits 0.1 s, tuned for polling).
#: One save's events (an editor's write, or its temporary file and rename) arrive within a
#: millisecond or two of each other through inotify; every edit's wait is shorter by the difference.
SAVE_SETTLE_SECONDS = 0.02


class SaveObserver(Observer):
    """The system's file events (inotify on Linux) where MkDocs' server polls the watched folders
    every 0.5 s: a save is seen at once, which takes 0.25 s on average off every edit's wait.
    Only what a save does counts: the build reading a watched file (an open/close event) must not
    start another build, nor the build's own writes (`SourceSaves`)."""

    SAVES = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent]

    def __init__(self, build_outputs: tuple[Path, ...] = (), on_save: Callable[[Path], None] = lambda path: None) -> None:
        super().__init__()
        self.build_outputs, self.on_save = build_outputs, on_save

    def schedule(self, event_handler, path, *, recursive=False, event_filter=None, follow_symlink=False):
        return super().schedule(SourceSaves(event_handler, self.build_outputs, self.on_save), path, recursive=recursive,
                                event_filter=event_filter or self.SAVES, follow_symlink=follow_symlink)


class SourceSaves(FileSystemEventHandler):
    """Passes on the events of sources only: not those of what the build writes (its generated
    folder and caches, when a watched folder holds them) nor of Python's bytecode of an engine it
    imports (`__pycache__`). A rebuild for them would be one more, and would wait for the
    background build (`Preview.catch_up`)."""

    def __init__(self, handler: FileSystemEventHandler, build_outputs: tuple[Path, ...],
                 on_save: Callable[[Path], None]) -> None:
        self.handler, self.build_outputs, self.on_save = handler, build_outputs, on_save

    def dispatch(self, event) -> None:
        path = Path(str(event.src_path))
        if "__pycache__" in path.parts or any(folder == path or folder in path.parents for folder in self.build_outputs):
            return
        for saved in (path, Path(str(getattr(event, "dest_path", "") or path))):  # an editor may save by renaming
            self.on_save(saved)
        self.handler.dispatch(event)


class PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, which also remembers the page last asked for (`last_page`, its
    path on the server), can be asked for a rebuild without a save (`request_rebuild`), and starts
    a build sooner after a save (`SAVE_SETTLE_SECONDS`)."""

    last_page: str | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.build_delay = SAVE_SETTLE_SECONDS

    def serve_request(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/livereload/") and (path.endswith("/") or path.endswith(".html")):
            self.last_page = path
        return super().serve_request(environ, start_response)

    def request_rebuild(self) -> None:
        """What a save in a watched folder does (`LiveReloadServer.watch`'s callback): the build
        loop rebuilds, then tells the open pages to reload."""
        with self._rebuild_cond:
            self._want_rebuild = True
            self._rebuild_cond.notify_all()


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
        self.server: PreviewServer | None = None
        #: The builds and the background build share the build's Pyodides and generated folder: one at a time.
        self.working = threading.Lock()
        #: (step kind, item) -> the key of the bytes the last build published: what a deferred item shows.
        self.published_keys: dict[tuple[str, str], str] = {}
        #: The background build failed: the next build makes everything, so that its error is shown.
        self.build_everything = False
        #: Pages saved since the last build began (``docs/<path>``): built first too, whichever page is open.
        self.saved_pages: set[str] = set()
        #: A save's build waits for the lock: the background build stops at its next item.
        self.build_waiting = False
        self.config = self.load()
        host, port = self.config.dev_addr
        self.mount_path = urlsplit(self.config.site_url or "/").path
        self.serve_url = f"http://{host}:{port}{self.mount_path}"

    def load(self):
        return load_config(config_file=self.config_file, site_dir=str(self.site_dir), **self.overrides)

    def builder(self, config=None) -> None:
        """Build the site, the page being edited first; on failure keep the last good pages, marked
        with the error."""
        self.build_waiting = True
        with self.working:
            self.build_waiting = False
            LOG.info("Building documentation...")
            if config is None:
                config = self.load()
            config.site_url = self.serve_url
            plugin = chapter_plugin(config)
            edited = None if self.build_everything else self.edited_page(config)
            saved, self.saved_pages = self.saved_pages, set()
            if plugin is not None and edited is not None:
                plugin.deferral = Deferral(frozenset({edited[0], *saved}), self.published_keys)
            self.build_everything = False
            warnings = WarningLines()
            logging.getLogger("mkdocs").addHandler(warnings)
            try:
                build(config, serve_url=self.serve_url)
            except (Exception, SystemExit) as err:  # Abort (strict mode) and a hook's sys.exit end a build too
                # An Abort only says that the build stopped; the logged errors and warnings say why.
                self.error = "\n".join(warnings.lines if isinstance(err, Abort) and warnings.lines else
                                       [*warnings.lines, describe(err)])
                LOG.error("The build failed; the preview shows the error on every page until a save fixes it:\n%s", self.error)
                mark_pages(self.site_dir, error_banner(self.error))
                return
            finally:
                logging.getLogger("mkdocs").removeHandler(warnings)
            self.error = None
            if plugin is not None and plugin.last_report is not None:
                self._published(plugin.last_report, config, plugin, edited)

    def _published(self, report: BuildReport, config, plugin: ChapterPlugin, edited: tuple[str, Path] | None) -> None:
        """After a good build: keep its keys; if items were left to the background, say so on the
        other pages and start making them."""
        self.published_keys = dict(report.item_keys)
        if not report.deferred or edited is None:
            return
        page, served_file = edited
        LOG.info("%s is up to date; the other pages wait for %d items, made in the background now",
                 page, len(report.deferred))
        mark_pages(self.site_dir, running_banner(report.deferred), except_for=served_file)
        threading.Thread(target=self.catch_up, args=(config, plugin), name="preview-catch-up", daemon=True).start()

    def catch_up(self, config, plugin: ChapterPlugin) -> None:
        """The background build: every item the pages use (what the last build left waiting),
        then a rebuild from the cache, which reloads the pages that waited."""
        with self.working:
            LOG.info("%s...", BACKGROUND_STARTED)
            try:
                plugin.run_steps(config, interrupted=lambda: self.build_waiting)
            except Interrupted:
                LOG.info("%s: its build goes first, and starts the background build again if pages still wait",
                         BACKGROUND_YIELDED)
                return
            except Exception as err:  # shown by the full build it asks for: with its file and line, on every page
                LOG.error("%s (the next build shows why): %s", BACKGROUND_FAILED, describe(err))
                self.build_everything = True
            else:
                LOG.info("%s: rebuilding the pages that waited", BACKGROUND_DONE)
        if self.server is not None:
            self.server.request_rebuild()

    def page_saved(self, path: Path) -> None:
        """A save under docs/: that page is built first as well (its cells' code may have changed)."""
        docs = Path(self.config.docs_dir)
        if docs in path.parents and path.suffix in (".md", ".ipynb"):
            self.saved_pages.add(f"{docs.name}/{path.relative_to(docs).as_posix()}")

    def edited_page(self, config) -> tuple[str, Path] | None:
        """The page being edited: the source (``docs/<path>``, as the build names pages) and the
        site file of the page last asked of the server; None before any was."""
        path = self.server.last_page if self.server is not None else None
        if path is None or not path.startswith(self.mount_path.rstrip("/")):
            return None
        relative = path[len(self.mount_path.rstrip("/")):].lstrip("/")
        served = Path(config.site_dir) / relative / "index.html" if relative.endswith("/") or not relative else \
            Path(config.site_dir) / relative
        stem = relative.removesuffix("index.html").removesuffix(".html").strip("/")
        docs = Path(config.docs_dir)
        names = [f"{stem}.md", f"{stem}/index.md", f"{stem}.ipynb", f"{stem}/README.md"] if stem else ["index.md", "README.md"]
        for name in names:
            if (docs / name).is_file():
                return f"{docs.name}/{name}", served
        return None

    def build_outputs(self) -> tuple[Path, ...]:
        """The folders the build writes in the project (watching the project's own folder sees them)."""
        plugin = chapter_plugin(self.config)
        if plugin is None:
            return ()
        project = plugin.project(self.config)
        return (project.generated_dir.resolve(), project.cache_dir.resolve())

    def error_response(self, code: int) -> bytes | None:
        if self.error is not None:
            return error_page(self.error)
        page = self.site_dir / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    def serve(self) -> None:
        host, port = self.config.dev_addr
        server = self.server = PreviewServer(builder=self.builder, host=host, port=port, root=str(self.site_dir),
                                             mount_path=self.mount_path)
        server.error_handler = self.error_response
        server.observer = SaveObserver(self.build_outputs(), self.page_saved)  # before the first watch()
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


def chapter_plugin(config) -> ChapterPlugin | None:
    return next((plugin for plugin in config.plugins.values() if isinstance(plugin, ChapterPlugin)), None)


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
