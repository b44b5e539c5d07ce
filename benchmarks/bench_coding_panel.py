"""Coding panel on a two-hour transcript: render time and select → apply → refresh.

A temporary copy of the sample study gets one synthetic note of 20,000 words (about 120,000
characters, Q/A turns built from the sample notes' vocabulary) and 1,500 codings by one coder,
applied in one transaction with ``apply_codes``. Measured in Python, best of 3: drawing the
whole note with ``render_document_html`` (the payload the note view receives; the panel shows
the whole note as one page), opening the note in the panel, choosing a segment, a mouse
selection as the note view reports it (snapped to words, then redrawn), an Apply click (the
write through ``apply_codes``, then redrawing the note, legend and lists), the redraw alone,
and a Reload click (reading the note and all its codings again).

With Playwright and Debian's chromium, the same note is also opened in JupyterLab and timed
in the browser: the note view's first draw (from setting its HTML to the next painted frame,
as the front end measures it), and a mouse selection (from the button's release) → ``1``
(tick) → ``a`` (apply), each step until the selection is marked, the preview line changed or
the note is redrawn (wall clock seen by Playwright, so it includes its own round trips).
"""

from __future__ import annotations

import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from research_kit import open_study
from research_kit.interviews import apply_codes, codings
from research_kit.widgets import CodingPanel, render_document_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "interview_data"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WORDS = 20_000
CODINGS = 1_500
DOCUMENT_ID = "T01_transcript"
SECTION = f"coding panel, {WORDS:,}-word note, {CODINGS:,} codings"


def best_of(action: Callable[[], object], repeat: int = 3) -> float:
    """Shortest wall-clock time of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def transcript(rng: random.Random) -> str:
    """A 20,000-word interview in Q/A turns, from the sample notes' words."""
    vocabulary = re.findall(r"[A-Za-z']+", " ".join(p.read_text() for p in SAMPLE.glob("notes/*")))
    words_left, turns = WORDS, []
    while words_left > 0:
        size = min(
            words_left, rng.randrange(10, 30) if len(turns) % 2 == 0 else rng.randrange(60, 160)
        )
        words_left -= size
        body = " ".join(rng.choice(vocabulary) for _ in range(size))
        turns.append(f"{'QA'[len(turns) % 2]}: {body}.")
    front = (
        "---\nparticipant: T01\nrole: resident\nward: Ward 3\ndate: 2026-03-20\n"
        "interviewer: J.R.\n---\n\n"
    )
    return front + "\n\n".join(turns) + "\n"


def synthetic_codings(text: str, code_ids: list[str], rng: random.Random) -> pd.DataFrame:
    """Word-aligned spans of 5–80 words with random codes (overlaps included)."""
    word_spans = [match.span() for match in re.finditer(r"\S+", text)]
    rows = []
    for _ in range(CODINGS):
        first = rng.randrange(0, len(word_spans) - 80)
        last = first + rng.randrange(5, 80)
        rows.append(
            {
                "document_id": DOCUMENT_ID,
                "start": word_spans[first][0],
                "end": word_spans[last][1],
                "code_id": rng.choice(code_ids),
                "coder": "J.R.",
            }
        )
    return pd.DataFrame(rows).drop_duplicates(["start", "end", "code_id"])


def figures() -> list[tuple[str, str, float, str]]:
    """Render and refresh times of the coding panel on a two-hour transcript."""
    rng = random.Random(20260320)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "study"
        shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("study.db*"))
        (folder / "notes" / f"{DOCUMENT_ID}.md").write_text(transcript(rng), encoding="utf-8")
        study = open_study(folder)
        try:
            rows = _measure(study, rng)
        finally:
            study.close()
        return rows + _in_the_browser(folder, Path(tmp))


def _measure(study, rng: random.Random) -> list[tuple[str, str, float, str]]:
    document = study.document(DOCUMENT_ID)
    text = document.text
    leaf_codes = [code.id for code in study.codebook().leaf_codes()]
    frame = synthetic_codings(text, leaf_codes, rng)
    bulk_s = best_of(lambda: apply_codes(study, frame), repeat=1)
    stored = codings(study, document_id=DOCUMENT_ID)

    panel = CodingPanel(study, coder="J.R.")
    colours, labels = panel.colours, panel.names
    whole_s = best_of(lambda: render_document_html(text, stored, colours, labels=labels))
    whole_kib = len(render_document_html(text, stored, colours, labels=labels).encode()) / 1024
    open_s = best_of(lambda: setattr(panel.document_picker, "value", DOCUMENT_ID), repeat=1)
    page = panel._pages[0]
    page_s = best_of(
        lambda: render_document_html(text, stored, colours, labels=labels, window=page)
    )
    segments = iter(range(10, 10_000, 7))
    choose_s = best_of(lambda: setattr(panel.segment_list, "value", (next(segments),)))

    word_starts = [match.start() for match in re.finditer(r"\w+", text)]
    mouse_clicks, mouse_selects = [], []
    for _ in range(3):
        # a drag from inside one word to inside a word about 15 words on, as the browser sends
        first = rng.randrange(0, len(word_starts) - 20)
        message = {"kind": "select", "start": word_starts[first] + 1}
        message["end"] = word_starts[first + 15] + 1
        began = time.perf_counter()
        panel.text_view.receive(message)
        mouse_selects.append(time.perf_counter() - began)
        panel.code_boxes[rng.choice(leaf_codes)].value = True
        panel.apply_button.click()
        mouse_clicks.append(time.perf_counter() - began)
        if not panel.last_message.startswith("Applied"):
            raise RuntimeError(f"the Apply click failed: {panel.last_message}")

    clicks = []
    for _ in range(3):
        panel.segment_list.value = (next(segments),)
        panel.code_boxes[rng.choice(leaf_codes)].value = True
        clicks.append(best_of(panel.apply_button.click, repeat=1))
        if not panel.last_message.startswith("Applied"):
            raise RuntimeError(f"the Apply click failed: {panel.last_message}")
    redraw_s = best_of(panel._refresh_views)
    reload_s = best_of(panel.reload_button.click)
    return [
        (SECTION, "note length", len(text), "characters"),
        (SECTION, "apply_codes, 1,500 codings in one transaction", bulk_s, "s"),
        (SECTION, "render_document_html, whole note (best of 3)", whole_s * 1e3, "ms"),
        (SECTION, "HTML size, whole note", whole_kib, "KiB"),
        (SECTION, f"render one page ({page[1] - page[0]:,} chars, best of 3)", page_s * 1e3, "ms"),
        (SECTION, "pages in the panel", len(panel._pages), "pages"),
        (SECTION, "open the note in the panel", open_s * 1e3, "ms"),
        (SECTION, "choose a segment (redraw, best of 3)", choose_s * 1e3, "ms"),
        (
            SECTION,
            "mouse selection: snap + mark, no redraw (best of 3)",
            min(mouse_selects) * 1e3,
            "ms",
        ),
        (SECTION, "select → apply → refresh, Python (best of 3)", min(mouse_clicks) * 1e3, "ms"),
        (SECTION, "Apply click: save + refresh (best of 3)", min(clicks) * 1e3, "ms"),
        (SECTION, "  of which the redraw (page, legend, lists)", redraw_s * 1e3, "ms"),
        (SECTION, "Reload click: re-read note and codings, redraw", reload_s * 1e3, "ms"),
    ]


def _in_the_browser(folder: Path, tmp: Path) -> list[tuple[str, str, float, str]]:
    """The note view in JupyterLab: its draw time, and select → apply → refresh."""
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        return []
    if CHROMIUM is None:
        return []
    sys.path.insert(0, str(ROOT))
    from tests._jupyterlab import POINTS_OF, jupyterlab, run_notebook, write_notebook

    write_notebook(
        tmp / "panel.ipynb",
        "from research_kit import open_study\nfrom research_kit.widgets import CodingPanel\n"
        f"study = open_study({str(folder)!r})\npanel = CodingPanel(study, coder='J.R.')\n"
        f"panel.document_picker.value = {DOCUMENT_ID!r}\npanel",
    )
    text = (folder / "notes" / f"{DOCUMENT_ID}.md").read_text(encoding="utf-8")
    needle = " ".join(text.split("\n\n")[40].split()[3:15])
    with jupyterlab(tmp) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            run_notebook(page, url, "panel.ipynb")
            note = page.locator(".rk-note")
            expect(page.locator(".rk-doc")).to_be_attached(timeout=600_000)
            expect(note).to_have_attribute("data-frame-ms", re.compile("."), timeout=600_000)
            page.set_default_timeout(120_000)  # hang guards from here on
            draw_ms = float(note.get_attribute("data-frame-ms"))
            (x1, y1), (x2, y2) = page.evaluate(POINTS_OF, [needle, [2, len(needle) - 2]])
            page.mouse.move(x1, y1)
            page.mouse.down()
            page.mouse.move(x2, y2, steps=8)
            marked = int(note.get_attribute("data-marked"))  # read before, or a fast mark is missed
            began = time.perf_counter()  # from the mouse button's release
            page.mouse.up()
            _wait_for_redraw(page, marked, "marked")
            selected = time.perf_counter()
            page.keyboard.press("1")
            expect(page.locator(".rk-preview")).to_contain_text("Apply will add", timeout=120_000)
            drawn = int(note.get_attribute("data-drawn"))
            ticked = time.perf_counter()
            page.keyboard.press("a")
            _wait_for_redraw(page, drawn, "drawn")
            applied = time.perf_counter()
            if not page.evaluate("[...CSS.highlights.get('rk-selection')].length === 1"):
                raise RuntimeError("the selection is not marked in the browser")
            redraw_ms = float(note.get_attribute("data-render-ms"))
        finally:
            browser.close()
    return [
        (SECTION, "browser: first draw of the note view, to the painted frame", draw_ms, "ms"),
        (SECTION, "browser: mouse selection until marked", (selected - began) * 1e3, "ms"),
        (
            SECTION,
            "browser: key 1 until the preview names the code",
            (ticked - selected) * 1e3,
            "ms",
        ),
        (SECTION, "browser: key a until saved and redrawn", (applied - ticked) * 1e3, "ms"),
        (SECTION, "browser:   of which the redraw (HTML + layout)", redraw_ms, "ms"),
        (SECTION, "browser: select → apply → refresh in all", (applied - began) * 1e3, "ms"),
    ]


def _wait_for_redraw(page, count: int, what: str) -> None:
    """Wait until the note view has ``drawn`` (or ``marked``) more than ``count`` times."""
    page.wait_for_function(
        "([count, what]) => Number(document.querySelector('.rk-note').dataset[what]) > count",
        arg=[count, what],
        timeout=120_000,
        polling=10,
    )


if __name__ == "__main__":
    for row in figures():
        print(f"{row[1]:<55} {row[2]:>10.1f} {row[3]}")
