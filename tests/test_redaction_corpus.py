"""Redaction measured on the hand-labelled PII corpus (``tests/data/pii``), plus one test per rule.

The corpus targets, offline (no trained spaCy pipeline): recall ≥ 0.95 for e-mails, phones,
addresses and listed names with their surnames; precision ≥ 0.90 for every kind ``find_pii``
reports. The scoring rule is in ``benchmarks/_pii_corpus.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from research_kit.text import find_pii, redact, redaction_spans

ROOT = Path(__file__).resolve().parents[1]


def _load_corpus_module():
    spec = importlib.util.spec_from_file_location(
        "_pii_corpus", ROOT / "benchmarks" / "_pii_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_pii_corpus", module)
    spec.loader.exec_module(module)
    return sys.modules["_pii_corpus"]


corpus = _load_corpus_module()
MIN_RECALL = 0.95
MIN_PRECISION = 0.90


@pytest.fixture(scope="module")
def scored():
    texts = corpus.load_corpus()
    table, mistakes, over_redacted = corpus.evaluate(
        texts, corpus.listed_names(), find=find_pii, hide=redaction_spans
    )
    return table.set_index("kind"), mistakes, over_redacted


def _mistakes_of(mistakes, kind: str) -> str:
    return "\n".join(f"{m.source}:{m.line} {m.what} {m.text!r}" for m in mistakes if m.kind == kind)


# -- the corpus ---------------------------------------------------------------------------------
def test_corpus_is_big_enough_and_bilingual():
    texts = corpus.load_corpus()
    spanish = [t for t in texts if t.source.endswith("_es.txt")]
    assert len(texts) >= 300
    assert len(spanish) >= 80
    kinds = {span.kind for text in texts for span in text.gold}
    assert kinds == set(corpus.GOLD_KINDS)
    # Every gold span is where the markup put it.
    for text in texts:
        for span in text.gold:
            assert text.text[span.start : span.end].strip() == text.text[span.start : span.end]


def test_markup_is_parsed_into_text_and_spans():
    text, spans = corpus.parse_line("Ask {{name|Denise Tran}} at {{phone|555 0142}}.")
    assert text == "Ask Denise Tran at 555 0142."
    assert [(text[s.start : s.end], s.kind) for s in spans] == [
        ("Denise Tran", "name"),
        ("555 0142", "phone"),
    ]
    with pytest.raises(corpus.CorpusError):
        corpus.parse_line("{{nickname|Lupe}}")
    with pytest.raises(corpus.CorpusError):
        corpus.parse_line("{{name|Lupe}")


def test_matching_rule_needs_the_whole_gold_span():
    text = "Ask Denise Tran."
    gold = corpus.Span(4, 15, "name")
    assert not corpus.matches(text, corpus.Span(4, 10, "name"), gold)  # the surname leaks
    assert corpus.matches(text, corpus.Span(4, 16, "name"), gold)  # "." is not needed
    assert not corpus.matches(text, corpus.Span(4, 15, "address"), gold)


@pytest.mark.parametrize("kind", ["email", "phone", "address", "name"])
def test_recall_on_the_corpus(scored, kind):
    table, mistakes, _ = scored
    assert table.loc[kind, "recall"] >= MIN_RECALL, _mistakes_of(mistakes, kind)


@pytest.mark.parametrize("kind", ["email", "phone", "address", "name"])
def test_precision_on_the_corpus(scored, kind):
    table, mistakes, _ = scored
    assert table.loc[kind, "precision"] >= MIN_PRECISION, _mistakes_of(mistakes, kind)


def test_little_is_left_visible_or_hidden_by_mistake(scored):
    table, _, over_redacted = scored
    for kind in ("email", "phone", "address", "name"):
        assert table.loc[kind, "leak"] <= 0.05, kind
    assert over_redacted <= 20


# -- phones -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "phone",
    [
        "5035550199",
        "15035550199",
        "503 555 0199",
        "(503)555-0199",
        "503.555.0199",
        "555-0142",
        "555 0142",
        "+1 503 555 0199",
        "1-800-555-0199",
        "503-555-0100 ext. 12",
        "503 555 0100 x204",
        "+52 55 1234 5678",
        "+52 1 33 1234 5678",
        "+44 20 7946 0958",
        "+34 612 34 56 78",
        "55 1234 5678",
    ],
)
def test_phone_forms(phone):
    found = find_pii(f"call me at {phone} tonight")
    assert found[["kind", "text"]].values.tolist() == [["phone", phone]]


@pytest.mark.parametrize(
    "sentence",
    [
        "case 2025001234 is still open",
        "our account number 5035550199 is on the bill",
        "Folio 2025001234 sigue abierto",
        "permit #48213 and BP-2025-00123",
        "case 2025-001234, invoice 2025-0047",
        "the record 2025000871 was lost",  # a year then a zero-padded sequence
        "from 100 2025 entries, 1 500 were late",
        "call 311 or press 3; 14 of 120 cases",
    ],
)
def test_numbers_that_are_not_phones(sentence):
    assert find_pii(sentence).empty, find_pii(sentence)


# -- addresses ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("at 1418 SE Harmon Ave, Apt 4B today", "1418 SE Harmon Ave, Apt 4B"),
        ("at 1300 SE 82nd Ave. today", "1300 SE 82nd Ave."),  # the abbreviation's stop
        ("i live at 412 harmon ave and", "412 harmon ave"),
        ("fix 77 Oak Street #3 please", "77 Oak Street #3"),
        ("vivo en 1220 SE Alder St apartamento 3", "1220 SE Alder St apartamento 3"),
        ("antes en Calle Olmo 123, en Jalisco", "Calle Olmo 123"),
        ("mi taller en Av. Juárez 45, colonia Centro", "Av. Juárez 45"),
        ("mi mama vive en av juarez 45 en Leon", "av juarez 45"),
        ("la tienda en Avenida Reforma No. 45.", "Avenida Reforma No. 45"),
        ("en Calle 5 de Mayo #120, depto. 3.", "Calle 5 de Mayo #120, depto. 3"),
        ("en Calle Hidalgo número 12", "Calle Hidalgo número 12"),
        ("at the corner of 5th and Alder, by the stop", "5th and Alder"),
        ("en la esquina de Juárez y Morelos pusieron", "Juárez y Morelos"),
        ("en la esquina de la 82 y Division", "82 y Division"),
        ("carts parked at Main St & 3rd Ave until", "Main St & 3rd Ave"),
        ("needs a stop sign at Main & 3rd!", "Main & 3rd"),
        ("a stop sign at 13th and Alder St NE, please", "13th and Alder St NE"),
        ("nos vemos en 5th y Alder", "5th y Alder"),
        ("at 1707 8th St NW today", "1707 8th St NW"),
    ],
)
def test_address_forms(text, address):
    found = find_pii(text)
    assert found[["kind", "text"]].values.tolist() == [["address", address]]


@pytest.mark.parametrize(
    "sentence",
    [
        "Plan Review wants 2 Months Each Way for a remodel",
        "it was a 20 minute drive each way",
        "they made it a 4 lane road",
        "potholes on Harmon Avenue for years",
        "la calle 5 de Mayo, en el centro",
        "la calle tiene 3 baches desde 2024",
        "vivo en la calle principal 24 horas",
        "Building & Safety, Fire Prevention, Parks & Recreation",
        "the hearing moved from March 3rd to April 10th",
        "between March 3rd and April 10th",
        "meets the 2nd and 4th Tuesday",
        "the 3rd floor and the 5th Floor",
        "Ward 4 and Ward 12; Route 26 and Highway 217",
        "the lot is 2,500 sq ft, $1,500 a month, at 8:30 am in 2025",
        "la audiencia fue el 3 de marzo; tardé 45 días",
        "zip 97214 only",
        # Streets named together are corridors, not a place someone is, unless after "at"/"en".
        "bike lanes between Calvert Street and Nebraska Avenue",
        "5th Ave and Main are closed",
        "along 14th Street NW and Columbia Road",
        "in 2025 connecting lower Wisconsin Avenue",
        "the bus priority corridor.\n\n10 corridor.    Street",
    ],
)
def test_look_alikes_are_not_addresses(sentence):
    assert find_pii(sentence).empty, find_pii(sentence)


# -- names --------------------------------------------------------------------------------------
def test_surname_after_a_listed_first_name_is_hidden_here_and_alone():
    text = "A: I called Denise Tran at the permit desk. Later Tran said TRAN was her name."
    assert redact(text, names=["Denise"]) == (
        "A: I called [name] at the permit desk. Later [name] said [name] was her name."
    )


def test_hyphenated_and_two_word_surnames():
    found = find_pii("Marisol Ortega-Ruiz and Marisol Ortega Ruiz", names=["Marisol"])
    assert found["text"].tolist() == ["Marisol Ortega-Ruiz", "Marisol Ortega Ruiz"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("DENISE WAS GREAT", "DENISE"),  # capitals are not a surname
        ("I saw Denise Tuesday at the desk", "Denise"),
        ("Denise, mostly. She walked me through Plan Review.", "Denise"),
        ("Denise Tran Plan Review was slow", "Denise Tran"),
        ("tomas fue amable", "tomas"),  # accents are optional
        ("TOMAS ES EL MEJOR", "TOMAS"),
    ],
)
def test_what_a_listed_name_takes_with_it(text, name):
    found = find_pii(text, names=["Denise", "Tomás"])
    assert found["text"].tolist() == [name]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Officer Ramirez was rude", "Ramirez"),
        ("officer Ramirez took a report", "Ramirez"),
        ("Ms. Chen at the counter", "Chen"),
        ("ms chen fixed it", "chen"),
        ("Inspector Sarah Walsh came on time", "Sarah Walsh"),
        ("la señora Gómez del mostrador", "Gómez"),
        ("la sra Gomez me ayudo", "Gomez"),
        ("el Sr. Pérez no quiso", "Pérez"),
        ("doña Rosa nos ayudo", "Rosa"),
        ("el Lic. Vargas nos cobro", "Vargas"),
        ("la Srta. Luna de la biblioteca", "Luna"),
        ("Deputy Director Alvarez signed it", "Alvarez"),  # two titles, then the name
    ],
)
def test_names_after_a_title(text, name):
    assert find_pii(text)[["kind", "text"]].values.tolist() == [["name", name]]
    assert name not in redact(text)


def test_a_titled_surname_is_hidden_alone_later():
    assert redact("Dr. Hollis saw us. Hollis was kind.") == "Dr. [name] saw us. [name] was kind."


def test_titles_without_a_name_and_bare_unlisted_names_are_left():
    # Bare names nobody listed need a trained pipeline (nlp=...); offline they stay.
    for sentence in (
        "the inspector never came",
        "fire prevention inspector was rude",
        "P12 - Deputy Director, Permit Center",
        "John said",
    ):
        assert find_pii(sentence).empty, sentence


def test_redaction_spans_do_not_overlap_and_match_redact():
    text = "Dana (dana@example.org) lives at 5 Dana Way; call 555-0100."
    spans = redaction_spans(text, names=["Dana"])
    assert spans["kind"].tolist() == ["name", "email", "address", "phone"]
    ends = spans["end"].tolist()
    assert all(end <= start for end, start in zip(ends, spans["start"].tolist()[1:], strict=False))
    assert redact(text, names=["Dana"]) == "[name] ([email]) lives at [address]; call [phone]."
