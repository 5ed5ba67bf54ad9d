"""Reading a memo's own number and date off its heading, told apart from the numbers and dates of memos it cites.

Every pattern here is bounded, so hostile text costs time linear in its length.
"""

import re
import unicodedata
from collections.abc import Iterator
from datetime import date

ODD_FACTOR = 0.7

Reading = tuple[str | date, float]

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_OCR_DIGITS = str.maketrans("OoIl|", "00111")
# OCR's accents on plain letters ("Décember"): one character for one, so positions in a line hold.
ACCENTS = {
    code: unicodedata.normalize("NFKD", chr(code))[0]
    for code in range(0xC0, 0x180)
    if unicodedata.normalize("NFKD", chr(code))[0].isascii() and unicodedata.normalize("NFKD", chr(code))[0].isalpha()
}

# "No.", "F.No.", "O.M. No.", "D.O.No.", "File No.", "Memo No.", OCR's "N0.", "Nq." and "No ,"; Hindi "सं." and "फा.सं.".
# A capital before the label is a scan's speck ("RNo."), so only a small letter rules a match out ("Techno.").
REF_LABEL = re.compile(
    r"(?<![a-z])(?:(?:F(?:ile)?|e-?File|O\s?\.?\s?M|D\s?\.?\s?O|U\s?\.?\s?O|Memo|Letter|Endst)\s?\.?\s{0,2})?"
    r"N[oO0a6q](?:\s{0,2}[.,:;]{1,2}|\s)\s{0,2}[:.\-–]?\s{0,2}['‘’]?"
    r"|(?:फा\s?\.?\s?)?सं\s?\.\s{0,2}|संख्या\s{0,2}[:.]?\s{0,2}"
)
# The number: one token (spaces next to a slash forgiven, for OCR), then "Part(1)", "(APAR)", "(Vol II-Pt.)"...
_REF_VALUE = re.compile(
    r"[A-Za-z0-9(](?:[A-Za-z0-9.()/&_\-–—]|\s(?=/)|(?<=/)\s){0,79}"
    r"(?: (?:\([^()\n\t]{1,30}\)|(?:Part|Pt|Vol|Volume)\b"
    r"(?:\([A-Za-z0-9.\-]{1,10}\)|[A-Za-z0-9.\-]{0,12}(?: (?:[IVX]{1,4}|\d{1,3})\b)?))){0,3}"
)
# "Trg." and "Estt." end in an abbreviation's full stop, which is part of the number.
_ABBREVIATION_END = re.compile(r"(?<![A-Za-z])[A-Z][a-z]{1,6}\.$")
# An e-Office computer number printed alone on a line, with no label.
_BARE_REF = re.compile(r"[A-Z][A-Za-z0-9\-]{1,30}(?:/[A-Za-z0-9\-.]{1,20}){3,8}")
# A scan's "No." lost to a speck ("0. 22/3/2025-CS.I (APAR)", "- 8/24/2023-AR", "F. 1७०. 25-3/2020-Acad."): a file
# number opening a heading line, with only specks or a label's remnant before it, in the "NUMBERS/YEAR-SECTION" form
# no date or phone number has; perhaps with its date after it.
_LABEL_LOST = re.compile(
    r"[^A-Za-z0-9\s]{0,2}\s?(?:[0-9ON][.,:]\s{0,2}|F\.?\s{0,2}[^\sA-Za-z]{1,3}[.,:]\s{0,2})?(?=\d)"
)
_DATED_AFTER = re.compile(r"\s{1,4}(?:Dated|Date|dated)\b.*$")
_FILE_NUMBER = re.compile(r"\d[\w\-.()]{0,20}(?:/[\w\-.()]{1,20}){0,4}/(?:19|20)\d\d-[A-Za-z]")
# A scanned heading's line mended before its number is read: OCR sets a space inside a number after a narrow "1"
# ("21011/1 1/2020", "K-2101 1/7/2021", "/201 6-5H5") and after the stop before a Roman numeral ("IS. II"), and
# reads an abbreviation's stop before a closing bracket as a colon ("Cab.(Vig:)").
_OCR_NUMBER_MENDS = (
    (re.compile(r"([/\-]\d{1,5}) (?=\d{1,4}[/\-])|(\d-[A-Z]{1,6}\.) (?=[IVX]{1,4}\b)"), r"\1\2"),
    (re.compile(r"(?<![\d/])(\d{2,5}) (?=\d{1,4}/\d{1,4}/)"), r"\1"),  # "No. 2201 1/3/2016-Cab."
    (re.compile(r"(?<=[A-Za-z])[:;,](?=\))"), "."),
)
# A file's series letter before its five-digit standard head ("I-11019/...", "K-21011/..."): never a lone digit, but
# OCR reads an "I" there as "1".
_SERIES_AS_DIGIT = re.compile(r"^1-(?=\d{5}/)")
# Words before a label that make the number someone else's: "vide O.M. No.", "this Department's No.", "Tel. No.",
# and a receipt stamp's "Diary No." (the number the receiving office gave, never the memo's; its "D" often lost to
# the stamp's ink: "piary No.").
_STAMP_WORDS = r"\w?iary|dy|receipt|inward"
CITED_BEFORE = re.compile(
    r"(?:\b(?:vide|even|ref|reference|referred|refer|continuation|under|in|of|this|our|your|its|letter|with|see"
    r"|and|to|tel|tele|phone|fax|mobile|room|page|" + _STAMP_WORDS + r")|['’]s)\W{0,4}$",
    re.IGNORECASE,
)
_STAMP_BEFORE = re.compile(rf"\b(?:{_STAMP_WORDS})\W{{0,4}}$", re.IGNORECASE)
_LETTER_LABEL = re.compile(r"(?:F(?:ile)?|e-?File|O\s?\.?\s?M|D\s?\.?\s?O|U\s?\.?\s?O|Memo|Letter)\b")
# In the part of a number after its year, letters are expected: OCR's "E.1(B)", "A-IIi", "CS.1I" are Roman numerals.
_YEAR_SUFFIX = re.compile(r"/(?:19|20)\d\d-")
_OCR_ROMAN = re.compile(r"(?<=[A-Za-z][.\-])[1Il|i]{1,4}(?=[VX]?(?![A-Za-z0-9]))")
# "A-II" with its strokes run together reads "A-H", or with a foot on its last "A-IL"; no office's part ends so.
_OCR_DOUBLE_I = re.compile(r"(?<=[A-Za-z][.\-])(?:H|IL)$")

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6}
_MONTHS |= {"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTHS |= {"जनवरी": 1, "फरवरी": 2, "फ़रवरी": 2, "मार्च": 3, "अप्रैल": 4, "मई": 5, "जून": 6, "जुलाई": 7}
_MONTHS |= {"अगस्त": 8, "सितंबर": 9, "सितम्बर": 9, "अक्टूबर": 10, "अक्तूबर": 10, "नवंबर": 11, "नवम्बर": 11}
_MONTHS |= {"दिसंबर": 12, "दिसम्बर": 12}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# A scan's speck beside a written date's words: "5th’ August", "January,’ 2020", "April,-2021".
_SPECK = r"[’'‘`\-]?"
# "14th January, 2026", "22th December, 2020", "7 July 2025", "2nd Sept. 2026", "14th day of Jan, 2026".
_TEXT_DATE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})\s{{0,2}}(?:st|nd|rd|th|h|d)?\.?{_SPECK}\s{{0,2}}(?:day\s(?:of\s)?|of\s)?"
    rf"(?P<month>{_MONTH})[a-z]{{0,6}}(?:\.?[,;]?|,\.){_SPECK}\s{{0,2}}(?P<year>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
# "03.03.2026", "18/06/2026", "02-09-2024": the same separator twice, and not a piece of "22/5/2020-CS.I".
_NUM_DATE = re.compile(
    r"(?<![\w/])(?<![\w/]-)(?<!\d\.)(?P<day>\d{1,2})\s?(?P<sep>[./\-])\s?(?P<month>\d{1,2})\s?(?P=sep)\s?"
    r"(?P<year>\d{4}|\d{2})(?![\d/]|-\w|\.\d)"
)
_OCR_NUMBER = re.compile(r"(?<![A-Za-z0-9])[0-9OoIl|]{1,4}(?:[./\-][0-9OoIl|]{1,4}){2}(?![A-Za-z0-9])")
# "Ith May, 2021", "ith February": a day's 1 read as a letter, before its ordinal and month.
_OCR_DAY = re.compile(r"(?<![A-Za-z0-9])[Il|i](?=\d?(?:st|nd|rd|th)\s{0,2}[A-Z])")
# "02-10:2020", "02:06.2020": a speck turned one separator; the other one tells what it was.
_OCR_SEPARATOR = re.compile(r"(?<![\d./\-])(\d{1,2})([./\-])(\d{1,2})[:;,](?=\d{4}(?!\d))")
_OCR_FIRST_SEPARATOR = re.compile(r"(?<![\d./\-:])(\d{1,2})[:;,](\d{1,2})([./\-])(?=\d{4}(?!\d))")
DATE_LABEL = re.compile(r"\bd(?:a[tl]ed|ate|t)\b|दिनांक|दि\s?\.", re.IGNORECASE)
_BARE_DATE_LABEL = re.compile(r"\W{0,3}(?:dated|date|दिनांक)\W{0,5}", re.IGNORECASE)
_DATED_LINE = re.compile(r"\W{0,3}(?:dated|date|dt\.|दिनांक)(?![A-Za-z])", re.IGNORECASE)
# Words before a date that make it an earlier memo's: "vide O.M. dated", "of even number dated".
_CITED_DATE = re.compile(
    r"\b(?:vide|even\s{1,2}n|o\s?\.?\s?m\b|letter|notification|order|continuation|refer|circular|memo\b)",
    re.IGNORECASE,
)
_REF_LINE = re.compile(r"\W{0,3}(?:ref\b|ref\.|reference|refer)", re.IGNORECASE)


def is_odd(value: str) -> bool:
    """Whether a reading looks wrong: very long, unbalanced brackets, or characters a memo would not print."""
    return len(value) > 60 or value.count("(") != value.count(")") or bool(re.search(r"[^\w\s./()\-&,:'’–]", value))


# Reference number


def reference(head: list[str], ocr: bool) -> Reading | None:
    """The memo's own number: the first labelled one in the heading not cited, else an e-Office number alone."""
    head = [_mend_number_line(line) for line in head] if ocr else head
    for line in head:
        for _, end, value, cited in labelled_refs(line):
            if not cited:
                value = _mend_ocr(value, line[end : end + 1]) if ocr else value
                return value, 0.95 * (ODD_FACTOR if is_odd(value) else 1.0)
    for line in head:
        for cell in line.split("\t"):
            # A scan's stray "|" or "." beside the number is a speck, not part of it.
            cell = re.sub(r"[$§]", "", cell.strip(" |.,:;'‘’_*-")) if ocr else cell
            # ...and a colon between capitals is a hyphen with a speck on it ("HFW:HLHS835A/...").
            cell = re.sub(r"(?<=[A-Z]):(?=[A-Z])", "-", cell) if ocr else cell
            # Alone in its cell, or with only the date after it ("HFW-.../2021 Dated the 25th August, 2021").
            bare = _BARE_REF.match(cell)
            if bare and (bare.end() == len(cell) or DATE_LABEL.match(cell[bare.end() :].lstrip())):
                return bare.group(), 0.7
    return _unlabelled(head) if ocr else None


def _unlabelled(head: list[str]) -> Reading | None:
    """A scanned number whose label OCR lost, alone on its heading line; a weaker guess than a labelled one."""
    for line in head:
        lost = _LABEL_LOST.match(line)
        line = _DATED_AFTER.sub("", line)
        found = _REF_VALUE.fullmatch(line.rstrip(" .,;:|'_-"), lost.end()) if lost else None
        if found and _FILE_NUMBER.match(found.group()):
            return _mend_ocr(_clean_ref(found.group()), ""), 0.6
    return None


def reference_in_body(lines: list[str], start: int, ocr: bool) -> Reading | None:
    """A number labelled at the start of a line below the heading, as an endorsement repeats it; a poor guess."""
    for index in range(max(start, 1), len(lines)):
        # A wrapped sentence ("... vide O.M.\nNo. 1/2/2020 ...") ends its line long; an endorsement stands apart.
        if len(lines[index - 1]) > 50:
            continue
        for begins, _, value, _ in labelled_refs(lines[index]):
            if begins == 0:
                value = _mend_roman(value) if ocr else value
                return value, 0.5 * (ODD_FACTOR if is_odd(value) else 1.0)
    return None


def labelled_refs(line: str) -> Iterator[tuple[int, int, str, bool]]:
    """Each labelled number on a line: where its label begins, where it ends, the number, and whether it is cited."""
    for label in REF_LABEL.finditer(line):
        found = _REF_VALUE.match(line, label.end())
        if not found:
            continue
        value = _clean_ref(found.group())
        if "/" in value and re.search(r"\d", value):
            before = line[max(0, label.start() - 40) : label.start()]
            # A receipt stamp beside the number on a scan's line ("RECEIPT D.O. No. 5/3/2020-Trg.") numbers nothing
            # but a bare "No." of its own: a letter's "D.O. No." or "F. No." is the letter's.
            stamped = _STAMP_BEFORE.search(before) and _LETTER_LABEL.match(label.group())
            yield label.start(), found.end(), value, bool(CITED_BEFORE.search(before)) and not stamped


def _clean_ref(value: str) -> str:
    """A number without what is not part of it: dashes made plain, a final comma or full stop, a stray bracket."""
    value = re.sub(r"\s?/\s?", "/", value.replace("–", "-").replace("—", "-"))
    for _ in range(3):
        value = value.rstrip(",;:-/_ ")
        # "Trg." and "Estt." are abbreviations and keep their full stop; "2026." and "CS.I." end a sentence.
        if value.endswith(".") and not value.endswith(".)") and not _ABBREVIATION_END.search(value):
            value = value[:-1]
        if value.endswith(")") and value.count(")") > value.count("("):
            value = value[:-1]
        if value.startswith("(") and value.count("(") > value.count(")"):
            value = value[1:]
    return value


def _mend_number_line(line: str) -> str:
    for pattern, mend in _OCR_NUMBER_MENDS:
        line = pattern.sub(mend, line)
    return line


def _mend_ocr(value: str, after: str) -> str:
    """A scanned number mended by what follows it on its line (`after`): an abbreviation's full stop that OCR read as
    a colon or comma ("54-7/2025-Acad:" is "Acad.") or lost, a Roman numeral's stroke read as "]"; its series letter
    read as a digit; then _mend_roman."""
    # ...or lost altogether at the end of its line or before "Dated" ("1/31/8/2021-Cab" is "Cab.").
    if after in ":;, " and _ABBREVIATION_END.search(value + "."):
        value += "."
    # A Roman numeral's last stroke read as a bracket or bar ("Estt.A-II]" for "Estt.A-III").
    if after in "]|" and after and re.search(r"[.\-]I{1,3}$", value):
        value += "I"
    return _mend_roman(_SERIES_AS_DIGIT.sub("I-", value))


def _mend_roman(value: str) -> str:
    """A scanned number with OCR's digits and small letters for a Roman numeral in its office's part made capital
    I's: "21/7/2024-E.1(B)" is "E.I(B)"; the first part ("T-1/...") and the numbers are left as read."""
    year = _YEAR_SUFFIX.search(value)
    # The office's part sits after the year ("21/7/2024-E.I(B)") or between the numbers and it ("7(1)/E.Coord-I/2023").
    at = year.end() if year else value.find("/") + 1
    if not at:
        return value
    office = _OCR_ROMAN.sub(lambda run: "I" * len(run.group()), value[at:])
    return value[:at] + _OCR_DOUBLE_I.sub("II", office)


# Date


def heading_date(head: list[str], ocr: bool) -> Reading | None:
    """The memo's own date: the best-placed date in the heading, a labelled one or one after the number first."""
    best: Reading | None = None
    for index, line in enumerate(head):
        if _REF_LINE.match(line):
            continue
        labelled_above = index > 0 and bool(_BARE_DATE_LABEL.fullmatch(head[index - 1]))
        for found, sure in _line_dates(line, ocr, labelled_above):
            if best is None or sure > best[1]:
                best = found, sure
    return best


def _line_dates(line: str, ocr: bool, labelled_above: bool) -> Iterator[tuple[date, float]]:
    """The dates on one heading line that can be the memo's own, with how sure each is."""
    refs = list(labelled_refs(line))
    if any(cited for *_, cited in refs):
        return
    # On the line with the memo's number, look only after it: "22/5/2020" in "No.22/5/2020-CS.I" is no date.
    start = refs[0][1] if refs else 0
    text = _ocr_digits(line) if ocr else line
    for at, found, form in dates(text[start:]):
        before = text[start : start + at][-45:]
        if _CITED_DATE.search(before):
            continue
        labelled = labelled_above or DATE_LABEL.search(before)
        sure = 0.95 if labelled else 0.93 if refs else 0.85
        yield found, sure * form


def date_in_body(lines: list[str], start: int, ocr: bool) -> Reading | None:
    """A date on a line that begins "Dated" below the heading, when the heading has none; a poor guess."""
    for line in lines[start:]:
        if _DATED_LINE.match(line):
            for _, found, form in dates(_ocr_digits(line) if ocr else line):
                return found, 0.6 * form
    return None


def dates(text: str) -> Iterator[tuple[int, date, float]]:
    """Every real date in a piece of text, day first: where it begins, the date, and how sure its form is."""
    text = text.translate(_DEVANAGARI_DIGITS).translate(ACCENTS)
    found = []
    for match in _TEXT_DATE.finditer(text):
        month = _MONTHS.get(match["month"].lower()[:3]) or _MONTHS.get(match["month"], 0)
        found.append((match.start(), _date(match["year"], month, match["day"]), 1.0))
    for match in _NUM_DATE.finditer(text):
        # A two-digit year is read as this century, and trusted a little less.
        form = 1.0 if len(match["year"]) == 4 else 0.9
        found.append((match.start(), _date(match["year"], int(match["month"]), match["day"]), form))
    for at, day, form in sorted(found, key=lambda item: item[0]):
        if day is not None:
            yield at, day, form


def _date(year: str, month: int, day: str) -> date | None:
    """The date, if it is a real one within the years a memo might carry."""
    whole_year = int(year) + (2000 if len(year) == 2 else 0)
    if not 1947 <= whole_year <= 2100:
        return None
    try:
        return date(whole_year, month, int(day))
    except ValueError:
        return None


def _ocr_digits(line: str) -> str:
    """OCR's letters read for digits inside a number like "O3.O3.2O26", and its specks for a date's separator
    (same length, so positions hold)."""
    line = _OCR_NUMBER.sub(lambda match: match.group().translate(_OCR_DIGITS), line)
    line = _OCR_DAY.sub("1", line)
    return _OCR_FIRST_SEPARATOR.sub(r"\1\3\2\3", _OCR_SEPARATOR.sub(r"\1\2\3\2", line))
