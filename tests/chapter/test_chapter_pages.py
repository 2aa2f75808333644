"""The built chapter covers the outline, with real figures, quoted numbers that match the results,
questions with hidden answers, live cells, a glossary and the references."""

from __future__ import annotations

import re

import pytest
from chapter_site import CHAPTER_PAGES, CONCEPT_PAGES, DOCS_DIR, visible_text

from site_src.markdown.results import parse_references

#: Every outline topic -> (page, the id of the section that covers it, a phrase the section shows).
OUTLINE_TOPICS = {
    "what hyperparameters are": ("index.md", "what-are-hyperparameters", "baking"),
    "parameters vs hyperparameters table": ("index.md", "who-decides-what", "Who decides?"),
    "the four main hyperparameters": ("index.md", "the-four-hyperparameters", "Batch size"),
    "sweet-spot table": ("index.md", "sweet-spot", "Too high"),
    "running example": ("index.md", "running-example", "hours they slept"),
    "learning rate": ("learning-rate.md", "what-a-step-is", "learning rate"),
    "learning-rate axis plot": ("learning-rate.md", "axis-plot", "logarithmic"),
    "learning-rate range test": ("learning-rate.md", "range-test", "range test"),
    "momentum": ("optimizers.md", "momentum", "effective step"),
    "learning-rate schedules": ("optimizers.md", "schedules", "warm"),
    "network sizing": ("network-size.md", "capacity", "Overfitting"),
    "decision boundaries": ("network-size.md", "decision-boundaries", "boundary"),
    "epochs": ("epochs-and-batch-size.md", "epochs", "epoch"),
    "batch size": ("epochs-and-batch-size.md", "batch-size", "batch"),
    "batch size and learning rate": ("epochs-and-batch-size.md", "batch-and-learning-rate", "learning rate"),
    "learning curves": ("learning-curves.md", "how-to-read", "validation loss"),
    "diagnosis table": ("learning-curves.md", "diagnosis-table", "What to change"),
    "early stopping": ("early-stopping.md", "how-it-works", "patience"),
    "patience trade-off": ("early-stopping.md", "patience", "Prechelt"),
    "grid search": ("search-strategies.md", "grid-search", "every combination"),
    "random search": ("search-strategies.md", "random-search", "Bergstra"),
    "best-so-far curves": ("search-strategies.md", "best-so-far", "best validation loss"),
    "successive halving": ("search-strategies.md", "successive-halving", "Hyperband"),
    "search spaces": ("search-strategies.md", "search-spaces", "log scale"),
    "continue learning": ("continue-learning.md", "papers", "Random Search for Hyper-Parameter Optimization"),
}


def section_text(page_html: str, section_id: str) -> str:
    """Visible text of the heading with `section_id` and its section, up to the next heading of the same or a higher level."""
    heading = re.search(rf'<h([1-6])[^>]*\bid="{re.escape(section_id)}"', page_html)
    assert heading, f"no heading with id={section_id!r}"
    level = heading.group(1)
    following = re.compile(rf"<h[1-{level}]\b").search(page_html, heading.end())
    return visible_text(page_html[heading.start() : following.start() if following else len(page_html)])


@pytest.mark.parametrize("topic", sorted(OUTLINE_TOPICS))
def test_every_outline_topic_has_its_section(page_html, topic):
    page, section_id, phrase = OUTLINE_TOPICS[topic]
    text = section_text(page_html(page), section_id)
    assert phrase.lower() in text.lower(), f"{page}#{section_id} ({topic}) does not mention {phrase!r}"
    assert len(text.split()) >= 30, f"{page}#{section_id} ({topic}) has only {len(text.split())} words"


def test_the_two_tables_of_the_outline_are_tables(page_html):
    index = page_html("index.md")
    tables = [visible_text(table) for table in re.findall(r"<table\b.*?</table>", index, flags=re.S)]
    assert any("Who decides?" in t and "Hyperparameter" in t and "before training" in t for t in tables)
    assert any("Too low" in t and "Too high" in t and all(name in t for name in ("Learning rate", "Hidden neurons", "Epochs", "Batch size")) for t in tables)


def test_no_directive_is_left_unreplaced(page_html):
    for page in CHAPTER_PAGES:
        assert "{{" not in visible_text(page_html(page)), f"{page} shows a raw '{{{{ ... }}}}' directive"


def references_of(page: str):
    return parse_references((DOCS_DIR / page).read_text(encoding="utf-8").splitlines())


def word_before(line: str, start: int) -> str:
    """The plain word right before column `start` of a source line ('' after math, markup or a line start)."""
    match = re.search(r"([A-Za-z]{2,})[ (]*$", line[:start])
    return match.group(1) if match else ""


# The expected text is worked out here, independently of the build's parser and formatter
# (site_src.markdown.results), so that a bug there cannot agree with itself: the directive's own
# syntax, the key path walked by hand, Python's format() with the one documented rule ('d' takes
# whole floats).
VALUE_DIRECTIVE = re.compile(r"\{\{\s*value:\s*(?P<name>\w+)\.(?P<path>[\w.-]+?)\s*(?:\|\s*(?P<spec>[^}]*?)\s*)?\}\}")
FENCE = re.compile(r"^\s*(```|~~~)")


def expected_text(result: dict, path: str, spec: str) -> str:
    value = result
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    if spec.endswith("d") and isinstance(value, float) and value == int(value):
        value = int(value)
    return format(value, spec)


def quoted_values(page: str, results) -> list[tuple[int, str, str, str]]:
    """(line, directive, word before it, expected text) for every `{{ value: }}` of a page outside
    fenced code, in order."""
    quoted, in_fence = [], False
    for number, line in enumerate((DOCS_DIR / page).read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for match in VALUE_DIRECTIVE.finditer(line):
            expected = expected_text(results(match["name"]), match["path"], match["spec"] or "")
            quoted.append((number, match[0], word_before(line, match.start()), expected))
    return quoted


def test_the_independent_reading_of_directives_agrees_with_the_builds_on_every_page(results):
    """The build's parser finds the same directives (so neither misses one the other sees)."""
    for page in CHAPTER_PAGES:
        if not page.endswith(".md"):
            continue
        lines = (DOCS_DIR / page).read_text(encoding="utf-8").splitlines()
        built = [(r.line, r.text) for r in parse_references(lines) if r.kind == "value"]
        ours = [(line, directive) for line, directive, _, _ in quoted_values(page, results)]
        assert ours == built, f"{page}: the test reads other directives than the build"


@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_quoted_numbers_match_the_results(page_html, results, page):
    """Each `{{ value: }}` appears in the built page formatted from the served JSON, in order and after
    the same word as in the source (so a number cannot be matched by its twin in a caption)."""
    text = visible_text(page_html(page))
    position = 0
    for line, directive, word, expected in quoted_values(page, results):
        pattern = (rf"\b{re.escape(word)}\s*\(?\s*" if word else "") + re.escape(expected)
        found = re.compile(pattern).search(text, position)
        assert found, f"{page}:{line}: {directive} should read {word + ' ' if word else ''}{expected!r} (after {text[max(0, position - 60):position]!r})"
        position = found.end()


@pytest.mark.parametrize("page", CONCEPT_PAGES)
def test_concept_pages_have_figures_with_numeric_alt_text_and_data(site_dir, page_html, page):
    figures = [r.target for r in references_of(page) if r.kind == "figure"]
    assert figures, f"{page} has no {{{{ figure: ... }}}}"
    built = page_html(page)
    page_dir = (site_dir / page.removesuffix(".md")) if page != "index.md" else site_dir
    for name in figures:
        block = re.search(rf'<figure class="result-figure" id="figure-{name}">(.*?)</figure>', built, flags=re.S)
        assert block, f"{page}: figure {name!r} was not rendered"
        image = re.search(r"<img ([^>]*)>", block.group(1))
        assert image, f"{page}: figure {name!r} has no image"
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', image.group(1)))
        src, alt = attributes.get("src", ""), attributes.get("alt", "")
        assert (page_dir / src).resolve().is_file(), f"{page}: figure {name!r} points at missing {src}"
        assert re.search(r"\d", alt) and len(alt.split()) >= 15, f"{page}: alt text of {name!r} should say what it shows in numbers: {alt!r}"
        data = re.search(r'<a class="result-figure__data"[^>]* href="([^"]+)"', block.group(1))
        assert data and (page_dir / data.group(1)).resolve().is_file(), f"{page}: figure {name!r} has no data download"
        caption = visible_text(re.search(r"<figcaption>(.*?)</figcaption>", block.group(1), flags=re.S).group(1))
        assert re.search(r"\d", caption), f"{page}: caption of {name!r} quotes no number"


@pytest.mark.parametrize("page", CONCEPT_PAGES)
def test_concept_pages_ask_a_question_with_a_hidden_answer(page_html, page):
    questions = re.findall(r'<details class="question">(.*?)</details>', page_html(page), flags=re.S)
    assert questions, f"{page} has no collapsed 'Check yourself' question"
    for question in questions:
        text = visible_text(question)
        assert "Check yourself" in text and "Answer" in text, f"{page}: question without summary or answer: {text[:120]!r}"


@pytest.mark.parametrize("page", CONCEPT_PAGES)
def test_concept_pages_show_a_live_cell(page_html, page):
    built = page_html(page)
    assert re.search(r'class="live-cell[ "]', built), f"{page} has no live cell"
    # that a cell trains with the engine is checked by running it: test_live_cells_code.py


def test_glossary_defines_every_term_with_a_link_to_its_explanation(page_html):
    glossary = page_html("key-concepts.md")
    entries = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd>(.*?)</dd>", glossary, flags=re.S)
    assert len(entries) >= 20, f"only {len(entries)} glossary entries"
    for term, definition in entries:
        assert "<a " in definition, f"glossary entry {visible_text(term)!r} links to no explanation"
    terms = {visible_text(term).strip().lower() for term, _ in entries}
    for needed in ("learning rate", "grid search", "random search", "learning curve", "early stopping", "epoch", "batch size",
                   "overfitting", "underfitting", "hyperparameter", "parameter", "validation set", "patience"):
        assert needed in terms, f"the glossary lacks {needed!r}"


def test_continue_learning_cites_the_primary_references(page_html):
    text = visible_text(page_html("continue-learning.md"))
    for reference in ("Bergstra", "1506.01186", "1803.09820", "Prechelt", "Karpathy", "tuning_playbook", "d2l.ai",
                      "Hyperband", "Masters", "Keskar", "Shallue", "playground.tensorflow.org"):
        assert reference in text, f"continue-learning does not cite {reference!r}"


def test_the_headline_claim_is_backed_by_the_measured_accuracies(results):
    """The overview's headline: the same network reaches about 95 % with good settings, and with bad
    ones stays where its random starting weights put it (the overview's claim tests check the rest)."""
    measured = results("bad_vs_good")
    assert measured["good"]["mean_test_acc"] >= 0.9
    assert measured["bad"]["mean_test_acc"] <= 0.75
