"""The rules that find each kind of personal information in a text (private).

Regular expressions, English and Spanish, with no model needed: e-mails, phone numbers
(North American and international, but not record numbers), street addresses and
intersections, and names (listed, after a title, and the surnames that follow them). Each
``*_spans`` function returns ``(start, end, kind)`` spans; :mod:`research_kit.text.pii`
combines them.
"""

from __future__ import annotations

import functools
import re
import unicodedata


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


Span = tuple[int, int, str]

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# -- phones --
# A number is not after a word character, "$", "/", "#" or "-" (money, dates, "BP-2025-…",
# "#48213"), nor a digit and "." or "," ("2,500"); it is not followed by more of a number.
_NUMBER_START = r"(?<![\w$/#-])(?<!\d[.,])"
_NUMBER_END = r"(?!\w|[.,-]\d)"
_EXTENSION = r"(?:\s*,?\s*(?i:ext|extension|extensi[oó]n|x)\.?\s?\d{1,5})?"
# North American numbers: an exchange never starts with 0 or 1, so "1 500" or "100 2025" never
# match. With an area code any of space, "-" or "." separates (or nothing: "5035550199"); a
# local number needs "-", "." or one space ("555-0142", "555 0142").
_PHONE_US = re.compile(
    _NUMBER_START + r"(?:"
    r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])[2-9]\d{2}[\s.-]\d{4}"
    r"|1?[2-9]\d{2}[2-9]\d{6}"
    r"|[2-9]\d{2}(?:[.-]| )\d{4}"
    r")" + _EXTENSION + _NUMBER_END
)
# "+CC" and two to five groups ("+52 55 1234 5678", "+44 20 7946 0958", "+34 612 34 56 78");
# +1 is the US pattern's. Mexican local numbers are 2 + 4 + 4 digits ("55 1234 5678").
_PHONE_INTERNATIONAL = re.compile(
    _NUMBER_START + r"(?:\+[2-9]\d{0,2}(?:[ .-]\(?\d{1,5}\)?){2,5}"
    r"|[1-9]\d[ -]\d{4}[ -]\d{4})" + _EXTENSION + _NUMBER_END
)
# A number right after one of these words is an identifier, not a phone ("case 2025001234").
_ID_BEFORE = re.compile(
    r"(?i:\b(?:case|caso|permit|permiso|invoice|factura|folio|order|orden|account|cuenta|ref"
    r"|po|id|expediente|solicitud|application|record|ticket)\.?(?:\s+(?:number|n[uú]mero|no\.?))?"
    r"|\bn[oº°]\.|\bn[uú]m\.)\s*#?\s*$"
)
# Years then a zero-padded sequence ("2025001234") are record numbers.
_YEAR_RUN = re.compile(r"(?:19|20)\d\d00\d{4}")
_PHONE_MIN_DIGITS, _PHONE_MAX_DIGITS = 7, 15

# -- addresses --
_SUFFIX_WORDS = (
    "Street|Avenue|Boulevard|Road|Drive|Lane|Way|Court|Place|Terrace|Parkway|Highway|Circle"
    "|Square|Trail|Loop|Alley"
)
_SUFFIX_ABBREVIATIONS = "St|Ave|Av|Blvd|Rd|Dr|Ln|Ct|Pl|Ter|Pkwy|Hwy|Cir|Sq|Trl"
_STREET_SUFFIX = rf"(?:(?:{_SUFFIX_WORDS})\b|(?:{_SUFFIX_ABBREVIATIONS})\b\.?)"
#: Suffixes that are also everyday words ("each way", "court", "place"): only capitalised.
_COMMON_WORD_SUFFIXES = _word_set("lane way court place terrace circle square trail loop alley")
_SUFFIXES = frozenset(
    word.lower() for word in f"{_SUFFIX_WORDS}|{_SUFFIX_ABBREVIATIONS}".split("|")
)
_DIRECTION = r"(?i:NE|NW|SE|SW|North|South|East|West|[NSEW])\.?"
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)"
# A word of a street name; a full stop only after the usual abbreviations ("Jr.", "Mt."), so a
# sentence end is never inside an address.
_WORD = r"(?:(?:Jr|Sr|St|Mt|Ft)\.|[^\W\d_][\w'’-]*)"
#: DC-style quadrants after the suffix ("14th Street NW").
_QUADRANT = r"(?:[ \t]+(?:NE|NW|SE|SW)\b)"
_UNIT = (
    r"(?:,?\s+(?i:Apt|Apto|Apartment|Apartamento|Unit|Suite|Ste|Depto|Dpto|Departamento"
    r"|Int|Interior|Local)\.?\s*[\w-]+|\s*#\s*\w[\w-]*)"
)
# A house number, an optional direction, one to four words (or "5th"), a suffix, an optional
# unit. Words may be lower case ("412 harmon ave") only with a suffix that is not an everyday
# word. A street name without a number ("Harmon Avenue") is a place, not an address.
_ADDRESS_EN = re.compile(
    r"(?<![\w$.,#-])\d{1,6}[A-Za-z]?[ \t]+"
    rf"(?:{_DIRECTION}[ \t]+)?"
    rf"(?P<name>(?:{_ORDINAL}|{_WORD})(?:[ \t]+{_WORD}){{0,3}}?)[ \t]+"
    rf"(?P<suffix>(?i:{_STREET_SUFFIX})){_QUADRANT}?(?P<unit>{_UNIT})?(?!\w)"
)
# Spanish: a street type, its name (words, "de la", numbers as in "5 de Mayo"), then the house
# number, perhaps after "No.", "núm." or "#" ("Calle Olmo 123", "Av. Juárez 45").
_STREET_TYPE_ES = (
    r"(?:(?:Calle|Avenida|Av|Avda|Blvd|Bulevar|Calzada|Calz|Callej[oó]n|Privada|Priv|Paseo"
    r"|Carretera|Camino|Cerrada|Circuito|Andador|Prolongaci[oó]n|Diagonal)"
    r"|(?:calle|avenida|av|avda|blvd|calzada|callej[oó]n|privada))\b\.?"
)
_ADDRESS_ES = re.compile(
    rf"(?<![\w-]){_STREET_TYPE_ES}\s+"
    rf"(?P<name>(?:{_WORD}|\d{{1,2}})(?:\s+(?:{_WORD}|\d{{1,2}})){{0,4}}?)\s*,?\s*"
    r"(?:(?i:No|N[uú]m|N[uú]mero|N[°º])\.?\s*|#\s*)?"
    r"\d{1,5}[A-Za-z]?(?![\w/:]|[.,-]\d)"
    rf"(?P<unit>{_UNIT})?"
)
#: Words that may join a Spanish street name ("5 de Mayo", "Paseo de la Reforma").
_STREET_NAME_JOINERS = _word_set("de del la las los el y")
# Intersections. A street here is an ordinal ("5th", "82nd") or one or two capitalised words,
# with an optional direction and suffix ("SE 82nd Ave", "Main St", "Alder").
_STREET_NAME = (
    rf"(?:(?:NE|NW|SE|SW|[NSEW])\.?\s+)?"
    rf"(?:{_ORDINAL}|[A-ZÁÉÍÓÚÑ][^\W\d_]+(?:[ \t]+[A-ZÁÉÍÓÚÑ][^\W\d_]+)?)"
    rf"(?:[ \t]+{_STREET_SUFFIX})?{_QUADRANT}?"
)
# After "corner of" / "esquina de", any two streets (and a bare number: "la 82").
_CORNER = re.compile(
    r"(?i:corner\s+of|intersection\s+of|esquina\s+de|esquina\s+con|esquina)\s+"
    r"(?:(?i:the|la|el)\s+)?"
    rf"(?P<span>(?:{_STREET_NAME}|\d{{1,3}})\s+(?i:and|&|y|with|con)\s+(?:(?i:the|la|el)\s+)?"
    rf"(?:{_STREET_NAME}|\d{{1,3}}))(?!\w)"
)
# Without such words, "X & Y" (or "X and Y", "X y Y" right after "at" / "en": a place, not a
# list of corridors) only when X or Y has a suffix or is an ordinal, and not two bare ordinals
# ("the 2nd and 4th Tuesday").
_CROSSING = re.compile(
    rf"(?:(?<![\w-])(?P<x>{_STREET_NAME})[ \t]*&[ \t]*(?P<y>{_STREET_NAME})"
    rf"|(?<=\b(?i:at|en)[ \t])(?P<x2>{_STREET_NAME})[ \t]+(?i:and|y)[ \t]+(?P<y2>{_STREET_NAME}))"
    r"(?!\w)"
)
_ORDINAL_WORD = re.compile(_ORDINAL + r"$")

# -- names --
_CAPITALISED = r"[A-ZÁÉÍÓÚÑÜ][a-záéíóúñü]+(?:['’-][A-ZÁÉÍÓÚÑÜa-záéíóúñü][a-záéíóúñü]+)*"
# After a listed first name: one or two capitalised words, its surname ("Denise Tran",
# "Marisol Ortega-Ruiz", "Marisol Ortega Ruiz"). All-caps words are not taken ("DENISE WAS").
_NEXT_CAPITALISED = re.compile(r"[ \t]+[A-ZÁÉÍÓÚÑÜ]")
_SURNAME_AFTER = re.compile(rf"[ \t]+({_CAPITALISED})(?:[ \t]+({_CAPITALISED}))?(?!\w)")
# Titles and honorifics, English and Spanish, then a capitalised name: "Officer Ramirez",
# "Ms. Chen", "la señora Gómez", "Sr. Pérez", "doña Rosa". The title is not part of the span.
_HONORIFIC = re.compile(
    r"(?<![\w./])(?i:(?:mr|mrs|ms|mx|dr|sr|sra|srta|lic|ing|arq|prof)\.?"
    r"|officer|inspector|inspectora|detective|sergeant|sgt\.?|deputy|captain|chief|judge"
    r"|commissioner|councilor|councillor|councilmember|director|directora|professor|oficial"
    r"|agente|se[ñn]or|se[ñn]ora|se[ñn]orita|don|do[ñn]a|licenciad[oa]|ingenier[oa]"
    r"|doctor|doctora|profesor|profesora)"
    rf"[ \t]+({_CAPITALISED})(?:[ \t]+({_CAPITALISED}))?(?!\w)"
)
# "ms chen": after Mr, Mrs or Ms a lower-case word is a name too (survey answers).
_HONORIFIC_LOWER = re.compile(r"(?<![\w./])(?i:mr|mrs|ms)\.?[ \t]+([^\W\d_]{2,})(?!\w)")
_WEEKDAYS_MONTHS = _word_set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may"
    " june july august september october november december lunes martes miércoles miercoles"
    " jueves viernes sábado sabado domingo enero febrero marzo abril mayo junio julio agosto"
    " septiembre setiembre octubre noviembre diciembre"
)
#: Counting words: "3 weeks", "45 días", "2 months each way" are never street names.
_UNITS = _word_set(
    "sq ft feet foot mi mile miles block blocks yard yards min mins minute minutes second"
    " seconds hour hours hr hrs day days week weeks month months year years time times"
    " people person percent dollar dollars bucks cents pie pies metro metros cuadra cuadras"
    " minuto minutos hora horas dia día dias días semana semanas mes meses año años ano anos"
    " vez veces persona personas dólar dólares dolar dolares peso pesos"
)
#: Titles are not names ("Deputy Director", "Inspector General").
_HONORIFIC_WORDS = _word_set(
    "mr mrs ms mx dr sr sra srta lic ing arq prof officer inspector inspectora detective"
    " sergeant sgt deputy captain chief judge commissioner councilor councillor councilmember"
    " director directora professor oficial agente señor señora señorita senor senora senorita"
    " don doña dona licenciado licenciada ingeniero ingeniera doctor doctora profesor profesora"
    " general"
)


@functools.cache
def _ordinary_words() -> frozenset[str]:
    """Lower-case words that are never part of a street name: stop words and units."""
    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH
    from spacy.lang.es.stop_words import STOP_WORDS as SPANISH

    return frozenset(ENGLISH | SPANISH) | _UNITS


def _is_ordinary(word: str) -> bool:
    return word.strip(".’'").lower() in _ordinary_words()


def _is_title(word: str) -> bool:
    return word.strip(".").lower() in _HONORIFIC_WORDS


def _cannot_be_a_name(word: str) -> bool:
    """Stop words, units, weekdays, months, titles and street suffixes are not names."""
    bare = word.strip(".’'").lower()
    return (
        bare in _ordinary_words()
        or bare in _WEEKDAYS_MONTHS
        or bare in _HONORIFIC_WORDS
        or bare in _SUFFIXES
    )


def phone_spans(text: str) -> list[Span]:
    spans = []
    for pattern in (_PHONE_US, _PHONE_INTERNATIONAL):
        for match in pattern.finditer(text):
            digits = sum(char.isdigit() for char in match.group())
            if not _PHONE_MIN_DIGITS <= digits <= _PHONE_MAX_DIGITS:
                continue
            if not match.group().startswith(("+", "(")) and _looks_like_an_id(text, match):
                continue
            spans.append((match.start(), match.end(), "phone"))
    return spans


def _looks_like_an_id(text: str, match: re.Match) -> bool:
    """A number after "case", "permit", "#" …, or a year run: a record number."""
    if _ID_BEFORE.search(text, max(0, match.start() - 24), match.start()):
        return True
    return bool(_YEAR_RUN.fullmatch(match.group()))


def address_spans(text: str) -> list[Span]:
    spans = _scan(_ADDRESS_EN, text, _plausible_english_street)
    spans += _scan(_ADDRESS_ES, text, _plausible_spanish_street)
    spans += [(m.start("span"), m.end("span"), "address") for m in _CORNER.finditer(text)]
    spans += _scan(_CROSSING, text, _plausible_crossing)
    return spans


def _scan(pattern: re.Pattern, text: str, accept) -> list[Span]:
    """Every match ``accept`` takes; after a refused one, look again one character later."""
    spans = []
    position = 0
    while (match := pattern.search(text, position)) is not None:
        if accept(text, match):
            spans.append((match.start(), match.end(), "address"))
            position = match.end()
        else:
            position = match.start() + 1
    return spans


def _plausible_english_street(text: str, match: re.Match) -> bool:
    words = match.group("name").split()
    if any(_is_ordinary(word) for word in words):
        return False  # "2 Months Each Way", "3 trips to Alder St"
    suffix = match.group("suffix")
    named = [word for word in words if not word[0].isdigit()]
    if suffix[0].isupper() and any(word[0].islower() for word in named):
        return False  # "in 2025 connecting lower Wisconsin Avenue"
    if suffix.islower():
        if any(word[0].isupper() for word in named):
            return False
        clash = any(word.strip(".").lower() in _SUFFIXES for word in words)
        everyday = suffix.strip(".").lower() in _COMMON_WORD_SUFFIXES
        return not (clash or everyday)  # not "a 2 lane road", "2 months each way"
    return True


def _plausible_spanish_street(text: str, match: re.Match) -> bool:
    words = [word for word in match.group("name").split() if not word.isdigit()]
    named = [word for word in words if word.lower() not in _STREET_NAME_JOINERS]
    if not named or any(_is_ordinary(word) for word in named):
        return False  # "la calle hay 3 baches"
    following = text[match.end() :].split(maxsplit=1)
    return not (following and following[0].strip(".,;").lower() in _UNITS)


def _plausible_crossing(text: str, match: re.Match) -> bool:
    x_words = (match.group("x") or match.group("x2")).split()
    y_words = (match.group("y") or match.group("y2")).split()
    if x_words[0].strip(".").lower() in _SUFFIXES:
        return False  # "Street NW & …": the start of the name was before
    if any(_is_ordinary(word) or word.lower() in _WEEKDAYS_MONTHS for word in x_words + y_words):
        return False  # "The", "April"
    before = text[: match.start()].split()[-1:]
    if before and before[0].lower() in _WEEKDAYS_MONTHS:
        return False  # "March 3rd and April 10th"

    def street_like(words: list[str]) -> bool:
        return words[-1].strip(".").lower() in _SUFFIXES or any(
            _ORDINAL_WORD.match(word) for word in words
        )

    def bare_ordinal(words: list[str]) -> bool:
        return len(words) == 1 and bool(_ORDINAL_WORD.match(words[0]))

    if bare_ordinal(x_words) and bare_ordinal(y_words):
        return False  # "the 2nd and 4th Tuesday"
    return street_like(x_words) or street_like(y_words)


def name_spans(text: str, names: tuple[str, ...]) -> list[Span]:
    """Listed names (with the surname that follows), titled names, then those surnames alone."""
    spans: list[Span] = []
    # The surname of a listed full name ("Denise Tran") is hidden alone too ("Tran said"),
    # unless it is an ordinary word ("Ward", "May") that would hide far more than a name.
    surnames: set[str] = {
        word
        for name in names
        for word in str(name).split()[1:]
        if word[:1].isupper() and not _cannot_be_a_name(word)
    }
    pattern = _names_pattern(names)
    if pattern is not None:
        for match in pattern.finditer(text):
            end = match.end()
            words = match.group().split()
            if len(words) > 1:
                surnames.update(words[1:])
            elif following := _SURNAME_AFTER.match(text, end):
                taken = _leading_names(_surname_words(text, following))
                if taken:
                    surnames.update(taken)
                    end = following.end(len(taken))
            spans.append((match.start(), end, "name"))
    for pattern_ in (_HONORIFIC, _HONORIFIC_LOWER):
        for match in pattern_.finditer(text):
            # A second title comes before the name: "Deputy Director Alvarez".
            first = 2 if match.lastindex == 2 and _is_title(match.group(1)) else 1
            words = [word for word in match.groups()[first - 1 :] if word]
            taken = _leading_names(words)
            if taken:
                spans.append((match.start(first), match.end(first + len(taken) - 1), "name"))
                surnames.update(word for word in taken if word[0].isupper())
    spans += _surname_spans(text, surnames, names)
    return spans


def _surname_words(text: str, following: re.Match) -> list[str]:
    """The one or two capitalised words after a listed name; only one if more follow.

    A longer capitalised run is a title or a department ("Denise Tran Plan Review"), of which
    only the first word is taken as the surname.
    """
    words = [word for word in following.groups() if word]
    if len(words) == 2 and _NEXT_CAPITALISED.match(text, following.end()):
        return words[:1]
    return words


def _leading_names(words: list[str]) -> list[str]:
    """The words up to the first that cannot be a name ("Tran" of "Tran Monday")."""
    taken = []
    for word in words:
        if _cannot_be_a_name(word):
            break
        taken.append(word)
    return taken


def _surname_spans(text: str, surnames: set[str], names: tuple[str, ...]) -> list[Span]:
    """Each surname alone, as written or in capitals ("later Tran said", "TRAN")."""
    # A listed name's first word is already found on its own by the names pattern.
    listed = {str(name).split()[0].casefold() for name in names if str(name).split()}
    wanted = sorted(
        (s for s in surnames if len(s) >= 2 and s.casefold() not in listed), key=len, reverse=True
    )
    if not wanted:
        return []
    variants = {form for surname in wanted for form in (surname, surname.upper())}
    # Not before a number: "Ward 4" is a place even where a "Kim Ward" took part.
    alone = re.compile(
        r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(variants, key=len, reverse=True))) + r")"
        r"(?!\w)(?!\s+\d)"
    )
    return [(m.start(), m.end(), "name") for m in alone.finditer(text)]


@functools.lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    """One case-insensitive whole-word pattern for the names and their first words.

    Accents are optional ("Tomás" finds "Tomas" and "TOMAS"): survey answers often drop them.
    """
    wanted: set[str] = set()
    for name in names:
        words = name.split()
        wanted.add(name)
        if len(words) > 1 and len(words[0].strip(".")) >= 2:
            wanted.add(words[0])
    if not wanted:
        return None
    # Longest first, so "Maria Lopez" wins over "Maria"; any run of spaces between words.
    parts = [
        r"\s+".join(_accents_optional(word) for word in name.split())
        for name in sorted(wanted, key=len, reverse=True)
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def _accents_optional(word: str) -> str:
    """A pattern for ``word`` in which each accented letter may also be written without it."""
    parts = []
    for char in word:
        base = unicodedata.normalize("NFD", char)[0]
        parts.append(f"[{char}{base}]" if base != char else re.escape(char))
    return "".join(parts)
