"""Turn the sample study's coding judgments into the codings file the sample study ships.

What this makes
---------------
``interview_data/codings/sample_codings.csv``: the codings of two coders on the sample study's
interview notes, in research_kit's codings-file format (``document_id``, ``start``, ``end``,
``code_id``, ``coder``, ``origin``, ``text``), which
``research_kit.interviews.coding_io.import_codings`` reads. "J.R." coded all 14 notes; "M.K."
coded six of them (P01, P03, P05, P08, P10, P12) independently, so the study can show
inter-coder agreement. Like the rest of the sample study the codings are synthetic: the
research_kit developers played the two coders.

Where the judgments are
-----------------------
``scripts/sample_codings_source.yml`` holds them in a form a person can review: per coder, per
note, a list of ``{quote: "exact passage", codes: [code ids]}``. This script only finds each
quote in its note (it must occur exactly once) to get the offsets, checks that every code is a
leaf code of ``interview_data/codebook.yml``, and writes the rows sorted by coder, document,
start, end and code. Anything wrong (a quote missing or repeated in its note, an unknown note
or code, a theme id, no codes) stops the script with the source line to fix; nothing is
written then.

Run from the repository root: ``python scripts/make_sample_codings.py``. The output is
deterministic and byte-identical on every run.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from research_kit.interviews.documents import read_note
from research_kit.yamlfiles import read_yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "scripts" / "sample_codings_source.yml"
STUDY = ROOT / "interview_data"
OUTPUT = STUDY / "codings" / "sample_codings.csv"
COLUMNS = ["document_id", "start", "end", "code_id", "coder", "origin", "text"]
MAX_CODES = 3


class SourceError(Exception):
    """A judgment in the source file cannot be turned into a coding."""


def leaf_codes(codebook_path: Path) -> tuple[set[str], set[str]]:
    """The codebook's leaf code ids and its theme (parent) ids."""
    data, _ = read_yaml(codebook_path)
    codes = {str(entry["id"]): entry.get("parent") for entry in data["codes"]}
    parents = {str(parent) for parent in codes.values() if parent}
    return set(codes) - parents, parents


def build_rows(source: Path = SOURCE, study: Path = STUDY) -> list[list]:
    """Every coding of the source file as a CSV row, sorted; raise SourceError on a bad entry."""
    data, _ = read_yaml(source)
    leaves, themes = leaf_codes(study / "codebook.yml")
    notes = {path.stem: path for path in sorted((study / "notes").glob("*.md"))}
    rows = []
    for coder, documents in data["coders"].items():
        for document_id, entries in documents.items():
            if document_id not in notes:
                where = f"{source.name}:{documents.line_of(document_id)}"
                raise SourceError(f"{where}: there is no note {document_id!r}")
            text = read_note(notes[document_id]).text
            for entry, line in zip(entries, entries.item_lines, strict=True):
                start, end = _locate(entry.get("quote"), text, document_id, f"{source.name}:{line}")
                for code in _checked_codes(entry.get("codes"), leaves, themes, source, line):
                    rows.append(
                        [document_id, start, end, code, str(coder), "manual", text[start:end]]
                    )
    rows.sort(key=lambda row: (row[4], row[0], row[1], row[2], row[3]))
    _refuse_duplicates(rows)
    return rows


def write_csv(rows: list[list], path: Path = OUTPUT) -> None:
    """Write the rows as UTF-8 CSV, text cells quoted (the format export_codings writes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def _locate(quote: object, text: str, document_id: str, where: str) -> tuple[int, int]:
    if not isinstance(quote, str) or not quote.strip():
        raise SourceError(f"{where}: the entry has no quote")
    count = text.count(quote)
    if count == 0:
        raise SourceError(
            f"{where}: the quote is not in {document_id}: {quote[:70]!r} "
            "(copy it exactly from the note, punctuation and line breaks included)"
        )
    if count > 1:
        raise SourceError(
            f"{where}: the quote occurs {count} times in {document_id}: {quote[:70]!r} "
            "(quote a longer passage so it is unique)"
        )
    start = text.index(quote)
    return start, start + len(quote)


def _checked_codes(codes: object, leaves: set[str], themes: set[str], source: Path, line: int):
    where = f"{source.name}:{line}"
    if not isinstance(codes, list) or not 1 <= len(codes) <= MAX_CODES:
        raise SourceError(f"{where}: give 1 to {MAX_CODES} codes as a list")
    if len(set(codes)) != len(codes):
        raise SourceError(f"{where}: a code is listed twice")
    for code in codes:
        if code in themes:
            raise SourceError(f"{where}: {code!r} is a theme; use one of its codes")
        if code not in leaves:
            raise SourceError(f"{where}: {code!r} is not a code of the codebook")
    return [str(code) for code in codes]


def _refuse_duplicates(rows: list[list]) -> None:
    seen = set()
    for row in rows:
        key = tuple(row[:5])
        if key in seen:
            raise SourceError(f"{row[4]} codes the same passage of {row[0]} as {row[3]} twice")
        seen.add(key)


def main() -> int:
    try:
        rows = build_rows()
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_csv(rows)
    by_coder: dict[str, int] = {}
    for row in rows:
        by_coder[row[4]] = by_coder.get(row[4], 0) + 1
    counts = ", ".join(f"{coder}: {n}" for coder, n in sorted(by_coder.items()))
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(rows)} codings ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
