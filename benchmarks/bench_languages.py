"""Language identification measured: accuracy per language, English called foreign, speed.

The detector research_kit uses (:func:`research_kit.text.detect_languages`: script rules, then
CLD2, then py3langid restricted to the expected languages) is compared with CLD2 alone
(``pycld2``, the runner-up, the only single detector here that knows all seven languages) and
py3langid alone (all its 142 languages; it has no Hmong). Labelled texts:

- ``../shared/data/multilingual/tatoeba_test_extract.tsv``: Tatoeba test sentences in Amharic,
  Lao, Somali (only 5), Vietnamese, Hmong (mww + hnj) and English (skipped when absent);
- ``benchmarks/data/sample_answer_languages.tsv``: every distinct answer of the bundled sample
  survey's Spanish- and Vietnamese-language respondents, labelled by hand (many are English);
- ``benchmarks/data/language_samples.tsv``: short survey-style answers written for this
  benchmark: 40 Spanish, 13 Somali, 8 Hmong (not checked by native speakers).

Oromo: both detectors support it, but no labelled Oromo text was available, so it is not
measured. The English false-"foreign" rate is measured on English answers: the sample survey's
English-language respondents and, when present, Banking77 and NaPiRE (``../shared/data``); for
research_kit's detector it counts answers *reliably* called another language (those a clusterer
would set aside), for the others any answer called a language other than English.

When the ``multilingual`` extra is installed it also measures the multilingual embeddings
(:mod:`research_kit.survey.multilingual`): for each non-English Tatoeba sentence, and each
Spanish answer of ``benchmarks/data/spanish_english_pairs.tsv``, is the nearest English sentence
(cosine) its translation (top-1 per language), and the speed.

``figures()`` returns (section, name, value, unit) rows for ``benchmarks/run.py``; run this file
alone to print the table and, with ``--mistakes``, the texts research_kit's detector gets wrong.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

try:
    import research_kit  # noqa: F401
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd
import pycld2
from _text_sets import TextSetMissing, load_text_set
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from research_kit.survey.multilingual import (
    MULTILINGUAL_MODEL_NAME,
    multilingual_embeddings,
    multilingual_model_available,
)
from research_kit.text import detect_languages

SECTION = "language identification"
REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data"
TATOEBA = REPO.parent / "shared" / "data" / "multilingual" / "tatoeba_test_extract.tsv"
SURVEYS = sorted((REPO / "interview_data" / "survey").glob("permitting_survey_*.csv"))
#: Tatoeba's ISO 639-3 codes -> the codes detect_languages returns.
TATOEBA_CODES = {
    "amh": "am",
    "lao": "lo",
    "som": "so",
    "vie": "vi",
    "mww": "hmn",
    "hnj": "hmn",
    "eng": "en",
}
#: English answer sets from ../shared/data/text-clustering (first rows of each).
ENGLISH_SETS = ("Banking77", "NaPiRE")
ENGLISH_ROWS = 3_000
#: Distinct texts timed for the speed figure.
SPEED_TEXTS = 50_000
EMBEDDING_SECTION = f"cross-language retrieval ({MULTILINGUAL_MODEL_NAME})"


def labelled_texts() -> pd.DataFrame:
    """Columns ``language``, ``text``, ``source`` of every labelled non-empty text."""
    frames = []
    if TATOEBA.exists():
        tatoeba = pd.read_csv(TATOEBA, sep="\t", keep_default_na=False)
        frames.append(
            pd.DataFrame(
                {"language": tatoeba["lang"].map(TATOEBA_CODES), "text": tatoeba["text"]}
            ).assign(source="tatoeba")
        )
    for name in ("sample_answer_languages", "language_samples"):
        frame = pd.read_csv(DATA / f"{name}.tsv", sep="\t", keep_default_na=False)
        frames.append(frame.assign(source=name))
    texts = pd.concat(frames, ignore_index=True)
    return texts[texts["language"] != "und"].reset_index(drop=True)


def english_answers() -> dict[str, list[str]]:
    """English answer sets: the sample survey's English respondents, then the shared sets."""
    answers: list[str] = []
    for path in SURVEYS:
        survey = pd.read_csv(path)
        english = survey[survey["Language"] == "English"]
        for column in survey.columns[-2:]:  # the two open-ended questions
            answers += english[column].dropna().astype(str).tolist()
    sets = {"sample survey (English respondents)": sorted(set(answers))}
    for name in ENGLISH_SETS:
        try:
            texts, _ = load_text_set(name)
        except TextSetMissing:
            continue
        sets[name] = list(texts)[:ENGLISH_ROWS]
    return sets


def _cld2_alone(texts: list[str]) -> pd.DataFrame:
    codes = []
    for text in texts:
        try:
            code = pycld2.detect(text, bestEffort=True)[2][0][1]
        except pycld2.error:
            code = "un"
        codes.append("und" if code == "un" else code)
    return pd.DataFrame({"language": codes, "reliable": True})


def _py3langid_alone() -> Callable[[list[str]], pd.DataFrame]:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)

    def detect(texts: list[str]) -> pd.DataFrame:
        codes = [identifier.classify(text)[0] for text in texts]
        return pd.DataFrame({"language": codes, "reliable": True})

    return detect


def detectors() -> dict[str, Callable[[list[str]], pd.DataFrame]]:
    """name -> function from texts to a frame with ``language`` and ``reliable``."""
    return {
        "research_kit": lambda texts: detect_languages(texts),
        "CLD2 alone": _cld2_alone,
        "py3langid alone": _py3langid_alone(),
    }


def accuracy_table(labelled: pd.DataFrame, detect) -> pd.DataFrame:
    """Per language: texts, accuracy, and the share both right and reliable."""
    found = detect(labelled["text"].tolist())
    right = found["language"].to_numpy() == labelled["language"].to_numpy()
    scored = pd.DataFrame(
        {"language": labelled["language"], "right": right, "acted": right & found["reliable"]}
    )
    return (
        scored.groupby("language")
        .agg(texts=("right", "size"), accuracy=("right", "mean"), reliable=("acted", "mean"))
        .reset_index()
    )


def false_foreign(texts: list[str], detect) -> float:
    """Share of English texts called (reliably) a language other than English."""
    found = detect(texts)
    foreign = ~found["language"].isin(["en", "und"]) & found["reliable"]
    return float(foreign.mean())


def detection_rate(detect) -> float:
    """Distinct texts per second through ``detect`` (short answers and longer texts)."""
    texts: list[str] = []
    for name in ("StackOverflow", "Banking77", "NaPiRE"):
        try:
            texts += list(load_text_set(name)[0])
        except TextSetMissing:
            continue
    texts += labelled_texts()["text"].tolist()
    texts = list(dict.fromkeys(texts))
    while texts and len(texts) < SPEED_TEXTS:  # make distinct variants up to the target
        texts += [f"{text} ({len(texts)})" for text in texts[: SPEED_TEXTS - len(texts)]]
    texts = texts[:SPEED_TEXTS]
    start = time.perf_counter()
    detect(texts)
    return len(texts) / (time.perf_counter() - start)


def figures() -> list[tuple[str, str, float, str]]:
    """Accuracy per language, English false-foreign rate and speed, per detector."""
    labelled = labelled_texts()
    english = english_answers()
    rows: list[tuple[str, str, float, str]] = []
    for name, detect in detectors().items():
        for row in accuracy_table(labelled, detect).itertuples(index=False):
            label = f"{name}: {row.language} accuracy ({row.texts} texts)"
            rows.append((SECTION, label, float(row.accuracy), "share"))
            if name == "research_kit":
                rows.append(
                    (SECTION, f"{name}: {row.language} right and reliable", row.reliable, "share")
                )
        for set_name, texts in english.items():
            rate = false_foreign(texts, detect)
            label = f"{name}: English called foreign, {set_name} ({len(texts)})"
            rows.append((SECTION, label, rate, "share"))
        rows.append((SECTION, f"{name}: speed", detection_rate(detect), "texts/s"))
    return rows + embedding_figures()


def translation_retrieval(embed) -> tuple[pd.DataFrame, float]:
    """Per language, how often a sentence's nearest English sentence is its translation.

    Tatoeba's non-English sentences against its English ones (same ``meaning_id`` = right),
    and the Spanish survey answers against their English translations. Also texts/s.
    """
    frames = []
    if TATOEBA.exists():
        tatoeba = pd.read_csv(TATOEBA, sep="\t", keep_default_na=False)
        english = tatoeba[tatoeba["lang"] == "eng"]
        other = tatoeba[tatoeba["lang"] != "eng"]
        frames.append((other["lang"].map(TATOEBA_CODES), other, english, "meaning_id"))
    pairs = pd.read_csv(DATA / "spanish_english_pairs.tsv", sep="\t").reset_index()
    spanish = pairs.rename(columns={"spanish": "text"})
    english = pairs.rename(columns={"english": "text"})
    frames.append((pd.Series("es", index=pairs.index), spanish, english, "index"))
    rows, texts, start = [], 0, time.perf_counter()
    for languages, other, english, key in frames:
        english_vectors = embed(english["text"].tolist())
        other_vectors = embed(other["text"].tolist())
        texts += len(english) + len(other)
        nearest = (other_vectors @ english_vectors.T).argmax(axis=1)
        right = english[key].to_numpy()[nearest] == other[key].to_numpy()
        rows.append(pd.DataFrame({"language": languages.to_numpy(), "right": right}))
    rate = texts / (time.perf_counter() - start)
    table = pd.concat(rows).groupby("language")["right"].agg(["size", "mean"]).reset_index()
    return table.rename(columns={"size": "texts", "mean": "top1"}), rate


def embedding_figures() -> list[tuple[str, str, float, str]]:
    """Top-1 translation retrieval per language and speed, when the extra is installed."""
    if not multilingual_model_available():
        return [(EMBEDDING_SECTION, "skipped: the multilingual extra is not installed", 0.0, "")]
    table, rate = translation_retrieval(multilingual_embeddings)
    rows = [
        (EMBEDDING_SECTION, f"{row.language} top-1 ({row.texts} texts)", float(row.top1), "share")
        for row in table.itertuples(index=False)
    ]
    return [*rows, (EMBEDDING_SECTION, "speed", rate, "texts/s")]


def main(argv: list[str]) -> None:
    """Print the figures (and, with ``--mistakes``, research_kit's wrong calls)."""
    for _, name, value, unit in figures():
        print(f"{name:<75} {value:>12,.3f} {unit}")
    if "--mistakes" in argv:
        labelled = labelled_texts()
        found = detect_languages(labelled["text"])
        wrong = labelled[found["language"] != labelled["language"]]
        for row, found_row in zip(
            wrong.itertuples(), found.loc[wrong.index].itertuples(), strict=True
        ):
            print(f"{row.source}: {row.language} -> {found_row.language}  {row.text!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
