"""The downloaded notebook's install cell, and the build's warning when SITE_URL is not set
(issue 21: a site built without it and served elsewhere gave a notebook whose install failed)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import nbformat

from site_src.build.notebook import install_tag, serialize_notebook, with_wheel_url
from site_src import plugin
from site_src.plugin import ChapterPlugin

WHEEL = "http://127.0.0.1:8000/lab/lesson-0.1.0-py3-none-any.whl"


def lesson_wheel_url(config: SimpleNamespace) -> str:
    """The address the plugin writes into the downloaded notebook's install cell."""
    plugin = ChapterPlugin()
    plugin.load_config({})
    return plugin._download_wheel_url(config)


def install_cell_source(source: str) -> str:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source, metadata={"tags": [install_tag("lesson")]})])
    written = with_wheel_url(serialize_notebook(notebook), WHEEL, source_name="lab.ipynb", engine="lesson")
    return nbformat.reads(written.decode("utf-8"), as_version=4).cells[0].source


def test_the_install_cell_says_which_address_to_put_in_place_of_the_builds():
    source = install_cell_source('if True:\n    %pip install numpy matplotlib ./written-by-the-site-build/lesson.whl')
    assert source.splitlines() == [
        "if True:",
        "    # The wheel lies beside lab.ipynb on the site this notebook came from. If that site is not at",
        "    # the address below, put its address there (the notebook's own, without lab/lab.ipynb).",
        f"    %pip install numpy matplotlib {WHEEL}",
    ]


def test_without_site_url_in_the_environment_the_build_warns_once_outside_strict_mode(monkeypatch, caplog):
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setattr(plugin, "_WARNED_ABOUT", set())  # as in a new process
    with caplog.at_level(logging.WARNING):
        assert lesson_wheel_url(SimpleNamespace(site_url="http://127.0.0.1:8000/")) == WHEEL
        assert lesson_wheel_url(SimpleNamespace(site_url="http://127.0.0.1:8000/")) == WHEEL  # a serve rebuild
    [warning] = caplog.records  # once a process, not once a rebuild
    assert warning.levelno == logging.WARNING
    assert not warning.name.startswith("mkdocs"), "mkdocs' strict mode would fail every local build on it"
    message = warning.getMessage()
    assert message.startswith("SITE_URL is not set"), "a configured handler names the level: not twice"
    assert "http://127.0.0.1:8000/" in message
    assert "install cell" in message and "SITE_URL=https://example.org/chapter/ scripts/build" in message


def test_with_site_url_in_the_environment_the_build_is_quiet(monkeypatch, caplog):
    monkeypatch.setenv("SITE_URL", "https://example.org/chapter/")
    with caplog.at_level(logging.WARNING):
        url = lesson_wheel_url(SimpleNamespace(site_url="https://example.org/chapter/"))
    assert url == "https://example.org/chapter/lab/lesson-0.1.0-py3-none-any.whl"
    assert caplog.records == []
