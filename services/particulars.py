"""Reading a memo's particulars off its text: reference number, date, issuing office and subject, with how sure we are.

A memo's own particulars sit in its heading, the lines above "Subject:"; numbers and dates in the body are those
of earlier memos it cites (services.memo_dates tells them apart). Every pattern here is bounded and each page is
cut to PAGE_CHARS, so hostile text costs time linear in its length.
"""

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date

from services.memo_dates import (
    ACCENTS,
    CITED_BEFORE,
    DATE_LABEL,
    ODD_FACTOR,
    REF_LABEL,
    Reading,
    date_in_body,
    dates,
    heading_date,
    labelled_refs,
    reference,
    reference_in_body,
)

PAGE_CHARS = 20_000
PAGES = 10
# Without a "Subject:" line or a salutation, a heading is taken to end here at the latest.
HEAD_LINES = 40
OCR_FACTOR = 0.85
LATER_PAGE_FACTOR = 0.7


@dataclass(frozen=True)
class Suggestion:
    """One particular as read off the memo, and how sure the reading is (0.0 .. 1.0)."""

    value: str | date
    confidence: float


_DEVANAGARI_RUN = re.compile(r"[\u0900-\u097f\ua8e0-\ua8ff][\u0900-\u097f\ua8e0-\ua8ff\s.,:;/|()\-–—]*")
_GAP = re.compile(r"[ \u00a0\u2000-\u200a\u202f\u3000]{3,}|\t+")  # a column gap in a laid-out line
_SPACES = re.compile(r"[ \u00a0\u2000-\u200b\u202f\u3000]+")

_SUBJECT_HINDI = re.compile(r"विषय\s{0,2}(?P<sep>(?:[:/|._\-–—]\s{0,2}){0,3})")
# A Hindi label a broken text layer has garbled ("वषय /"): taken as one only when "Subject" follows it.
_HINDI_WORD = re.compile(r"[\u0900-\u097f]{2,8}\s{0,2}[:/|.\-–—]{1,3}\s{0,2}")
# ...or that label read as Latin letters ("fasa / Subject:" for "विषय / Subject:"): a short word and a slash before it.
_GARBLED_HINDI_WORD = re.compile(r"[A-Za-z]{2,6}\s{0,2}/\s{0,2}(?=s?[uv]b)", re.IGNORECASE)
_SUBJECT_ENGLISH = re.compile(
    r"(?P<word>s?[uv]b\s?[ji1l][ec]{1,2}t|subj|sub)\s{0,2}(?P<sep>[:;.\-–—]{0,3})\s{0,2}", re.IGNORECASE
)
# Where a memo's body begins: the salutation, "The undersigned is directed", "In continuation of"...
# A scan's speck may stand before them (". Dear Dr. Misra,").
_BODY = re.compile(
    r"[.,'‘’*_\-\s]{0,3}(?:Sir|Madam|Dear|Respected|My dear|The undersigned|[I1l][ .]{0,2}am[ .,:;]{1,3}directed"
    r"|I am to|I have been directed|In continuation|With reference|Kindly|Please|Attention|Consequent|In pursuance"
    r"|In exercise|Whereas)\b"
)
# A subject wraps to five lines in a narrow column ("... Seventh Central Pay Commission – clarification\nregarding").
SUBJECT_LINES = 6
WRAPPED_CHARS = 45
_SALUTATION = re.compile(r"[.,'‘’*_\-\s]{0,3}(?:Sir|Madam|Dear|Respected|My dear)\b")
# Marks before a line's first letter or digit: a scan's specks, a quote.
_LEADING_MARKS = re.compile(r"[^A-Za-z0-9\u0900-\u097f\n]{0,4}")
_BARE_SUBJECT = re.compile(r"[^A-Za-z0-9\u0900-\u097f]{0,3}(?:Subject|SUBJECT)\s")
# Lines that follow a subject but are not part of it: references, headings, a numbered paragraph.
_SUBJECT_STOP = re.compile(
    r"(?:Ref\b|Ref\.|Reference|OFFICE MEMORANDUM|ORDER|NOTIFICATION|CIRCULAR|To\b\W{0,2}$"
    r"|Copy\b|\(?\d{1,2}[.)]\s|\(?[ivx]{1,4}\)\s)"
)
# "– reg.", "- regarding.", "reg.": a subject that says it is finished.
_SUBJECT_END = re.compile(r"(?:[-–—]\s?reg(?:arding)?\.?|\breg\.|\bregarding\.)\W{0,2}$", re.IGNORECASE)
_LABEL_WORD_END = re.compile(r"(?<![A-Za-z])(?:O\.?\s?M|D\.?\s?O|File|Memo|Letter|Order)\.?$", re.IGNORECASE)
_DO_LETTER = re.compile(r"(?<![A-Za-z])D\s?\.\s?O\s?\.?\s{0,2}(?:N[oO0]|letter)", re.IGNORECASE)
_CONNECTIVE_END = re.compile(r"(?:\b(?:and|of|for|the|to|in|on|by|with|from)|&|,)$", re.IGNORECASE)

# An office named by words before its kind ("Union Public Service Commission", "National Academy of ...").
_NAMED_BEFORE_KEYWORD = re.compile(r"(?:[A-Z][A-Za-z]{0,20}\s){1,5}(?i:secretariat|commission|academy|institute)\b")
# (pattern, rank): the more specific the office, the higher; the Department wins over its Ministry.
_OFFICES = (
    (re.compile(r"(?:de[pq][a-z]{2,6}n[tl]|deptt?\.)\s{1,2}of\b", re.IGNORECASE), 5),
    (re.compile(r"[A-Z][A-Za-z&'.]{0,30}(?:\s(?:[A-Z][A-Za-z&'.]{0,30}|and|of|&)){0,6}\s(?i:Department)\b"), 5),
    (re.compile(r"m[il1]n[il1]s[tl]ry\s{1,2}of\b", re.IGNORECASE), 4),
    (re.compile(r"(?i:cabinet\.?\s{1,2}secretariat|office of\b|directorate\b)"), 4),
    (_NAMED_BEFORE_KEYWORD, 4),
    (re.compile(r"\(?[A-Z][A-Za-z&.\- ]{0,40}\b(?i:division|wing)\)?$"), 2),
    (re.compile(r"gov(?:ernmen)?t\.?\s{1,2}of\s{1,2}(?!india)[a-z]", re.IGNORECASE), 1),
)
# "... to Government Haryana, Health Department": the office at the end of a sender's line.
_OFFICE_AFTER_COMMA = re.compile(r",\s{0,2}((?:[A-Z][A-Za-z&]{0,20}\s){1,5}Department)\b")
# OCR's misreadings of an office's first word ("Departrnent", "Minlstry"), mended: the rest stays as read.
_OCR_KEYWORDS = (
    (re.compile(r"De[pq][a-z]{2,6}n[tl](?= )"), "Department"),
    (re.compile(r"M[il1]n[il1]s[tl]r[yv](?= )"), "Ministry"),
)
# A speck's full stop after a whole word ("Ministry. of", "Cabinet. Secretariat"); "Deptt." and "Govt." keep theirs.
_STRAY_STOP = re.compile(
    r"\b(?!(?:Deptt|Dept|Govt|Estt|Secy|Addl|Asstt|Supdt|Misc|Acad|Admn|Regd)\.)([A-Za-z]{4,})\.(?= [A-Za-z(])"
)
# The rest of an office's name wrapped to the next line: words only ("Reforms and Public Grievances", "Training").
_NAME_REST = re.compile(r"[A-Z][A-Za-z'’]{0,25}(?:\s(?:[A-Za-z'’]{1,25}|&)){0,6}")
_NAME_PAIR = re.compile(r"(?:[A-Z][a-z'’]{1,25}\s){1,3}(?:and|&)\s[A-Z][a-z'’]{1,25}(?:\s[A-Z][a-z'’]{1,25}){0,2}")
# Specks OCR puts before a line's first word: "2 ‘Union ...", "a _ Department of".
_LEADING_SPECKS = re.compile(r"[^A-Za-z(]{0,8}(?:[a-z]{1,2}[^A-Za-z(]{1,8}){0,2}(?=[A-Z(])")
# ...or capitals ("ESE Department of Expenditure"): nothing is printed before "Department of" in an office's name.
# ("Department of ..." is a whole name from its first word; "Academy of Administration" is not.)
_KEYWORD_FIRST = re.compile(r"(?:Department(?!\s+of\b)|Academy|Commission|Secretariat|Institute)\b")
_RUN_TOGETHER = re.compile(r"(?<=[a-z]{3})(?=[A-Z][a-z]{2})")
_CAPITAL_SPECKS = re.compile(r"[A-Z]{1,3}\s(?=(?:Department|Ministry|Government)\s{1,2}of\b)")
_OFFICE_SURE = {5: 0.92, 4: 0.9, 3: 0.8, 2: 0.75, 1: 0.6}
_LETTERHEAD = re.compile(r"(?:gov(?:ernmen)?t\.?|m[il1]n[il1]s[tl]ry|de[pq][a-z]{2,6}n[tl])\s{1,2}of\b", re.IGNORECASE)
# Characters a typed subject hardly has but OCR of a speck or a signature does.
_GARBLED = re.compile(r"[|~{}<>^\\_=@#*¦‾]")
_FURNITURE = re.compile(r"tel\b|tele|fax|phone|e-?mail|@|www\.|\d{6}|\d{3} \d{3}\b|\*\*|memorandum", re.IGNORECASE)

# A scanned subject's specks, mended in this order (each line says what it mends).
_OCR_SUBJECT_MENDS = (
    (re.compile(r"[|_~©®¦*•«»<>]"), " "),  # marks no subject prints
    (re.compile(r" [.·2] (?=reg\b)"), " - "),  # the dash before "reg." read as a stop or a 2
    (re.compile(r"(?<=[\"”’'])\.(?= [A-Z])"), ""),  # "Karmayogi". Capacity
    (re.compile(r"(?<= )\.(?=[A-Za-z0-9])|(?<=[a-z]):(?= [a-z])"), ""),  # ".Aadhaar", "Implementation: of"
    (re.compile(r"(?<=[a-z])/ (?=[A-Z])"), "/"),  # "Ministries/ Departments"
    (_STRAY_STOP, r"\1"),  # "Performance. Appraisal"
    (re.compile(r"(?<!\S)[0-9A-Za-z]{0,2}[\u0900-\u097f]{1,2}(?!\S)"), " "),  # a lone Devanagari letter, "3५"
    (re.compile(r"(?<!\S)[b-z](?!\S)"), " "),  # a lone small letter ("portal – s reg.")
    (re.compile(r"(?<!\S)(?=[\-–—]{0,2}[.,:;'‘’`])[.,:;'‘’`\-–—]{1,5}(?!\S)"), " "),  # a lone run of stops and quotes
    (re.compile(r"\b(of|the|and|to|in|for|on|by|with|from|at|be|is|are)[.,](?= )"), r"\1"),  # "of. National"
    (re.compile(r"(?<=\d(?:st|nd|rd|th))[:;.] ?(?=[A-Z])"), " "),  # "27th: October", "51st.Round"
    (re.compile(r"(?<=[a-z])['\"](?=\d)"), " "),  # "Campaign'4.0"
    (
        re.compile(r"(?<![\w-])(of|for|and|in|on|to|by|with|from)-(?=the\b)"),
        r"\1 ",
    ),  # "of-the" ("state-of-the-art" kept)
    (re.compile(r"\b(All|The|and|for|the)\.(?= [A-Za-z])"), r"\1"),  # "All. India", too short for _STRAY_STOP
    (re.compile(r"(?<!\S)-(?=[a-z]{2})"), ""),  # "monitoring of -the": a speck before a small word
    (re.compile(r"\b(of|the|and|for|to|in|on|by|with|from)[-:;](?= )"), r"\1"),  # "Conduct of- Civil", "of: Medical"
    (re.compile(r"(?<=\))\.(?= [a-z])"), ""),  # "(Phase-IV). for IAS officers"
    (re.compile(r"(?<=\d):(?=\d\b)"), "."),  # "Campaign 4:0"
    (re.compile(r"(?<=[a-z]{3}):(?= \d)"), ""),  # "for the reporting period: 2025-26"
    (re.compile(r"\bO\.M[:;,](?= )"), "O.M."),  # "withdrawal of O.M: dated"
    (re.compile(r"(?<=\bdated)[.:,;](?=\d)"), " "),  # "dated.12.08.2019"
    (re.compile(r"(?<=[a-z]) 8 (?=[A-Z])"), " – "),  # "employees 8 Revised rates": the dash read as an 8
    (re.compile(r"[{\[](?=[A-Za-z0-9.\-]{1,12}\))"), "("),  # "{IPR)"
    (re.compile(r"(?<=[a-z]{2})[.:](?=\()| :(?=\()"), " "),  # "Officers.(HCMS)", "Services :(Preliminary)"
    (re.compile(r"(?:(?<=[a-z]{4})|(?<=[A-Z]{3}))\.(?= \d)"), ""),  # "year ending. 31.12.2025", "e-HRMS. 2.0"
    # "deputation.basis" (a web address's "igotkarmayogi.gov.in" is kept)
    (re.compile(r"(?<=[a-z]{3})\.(?!(?:gov|nic|org|com|net|in)\b)(?=[a-z]{3})"), " "),
    (re.compile(r"(?<=\bregarding)\s+\d\W*$"), ""),  # "– clarification regarding 2"
    (re.compile(r"(?<= )\d (?=(?:19|20)\d\d\b)"), ""),  # "for the year 5 2026-27": a speck before a year
    (re.compile(r"(?:(?<=\d{4})|(?<=\"))\.(?= [-–—] )"), ""),  # "2026. – deployment", 'posts". – maximum'
    # "Services.and" (a web address's ".gov.in" is kept)
    (re.compile(r"(?<=[a-z]{2})(?<!gov)(?<!nic)[.,](?=(?:and|of|the|for|to|in|on|by|with|from)\b)"), " "),
    (re.compile(r"(?:\s+[a-z]{1,2})+\W*$"), ""),  # specks read as small letters after the last word ("2026-27 ie")
    # A lone digit after the last bracket or year, a stop after the last number, anything short after "reg.".
    (re.compile(r"(?:(?<=\))|(?<=\d{4}))\s+\d\W*$|(?<=\d)\.\s*$|(?<=\breg\.)\s+\W{0,3}\w{0,2}\W{0,2}$"), ""),
    (re.compile(r"\s?-{2}\s?(?=\w)"), " – "),  # "(AEBAS) --reg."
    (re.compile(r"(?<=[a-z])[\-.]{2,3}(?=[a-z])"), " "),  # "be-.observed"
    (re.compile(r"\b(and|of|the|for|to|in|on|by|with|from) [\-–—] "), r"\1 "),  # a wrapped line begun with a speck
    (re.compile(r"\s{2,}"), " "),
    (re.compile(r"([\"“”])\1+"), r"\1"),  # '""Deputation'
    # OCR cannot tell a dash from a hyphen; between spaces it is a typed dash ("Portal – reg."), as Word makes it.
    (re.compile(r"(?<=\S) [-–—](?:[.,:'] ?| )(?=\S)"), " – "),
)
# OCR cannot tell a curly quote from a straight one either; a read subject takes the plain form, which every
# search, email header and spreadsheet handles alike.
_CURLY_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
# A scan's "reg." whose stop was lost, doubled or read as a colon, or with a speck after it ("reg: 4", "reg.'").
_UNFINISHED_REG = re.compile(r"\breg[.:;,'’]{0,3}(?:\s\W{0,2}\d?)?$")
_LOOSE_ENDS = re.compile(r"^[^\w(\"“‘']+|[\s\-–—:;,]+$")


def suggest(pages: list[str], ocr_pages: Collection[int] = ()) -> dict[str, Suggestion]:
    """Keys among "reference_no", "dated", "issued_by", "subject"; a key is absent when nothing plausible was found.
    pages: the text of each page in order (page 1 first);
    ocr_pages: 0-based indexes of pages whose text came from OCR."""
    found: dict[str, Suggestion] = {}
    for index, text in enumerate(pages[:PAGES]):
        ocr = index in ocr_pages
        # Page 1 is where a memo's particulars are printed; a later page only fills what page 1 lacks.
        factor = (1.0 if index == 0 else LATER_PAGE_FACTOR) * (OCR_FACTOR if ocr else 1.0)
        for name, (value, sure) in _read_page(_lines(text), ocr).items():
            if name not in found:
                found[name] = Suggestion(value, round(min(1.0, sure * factor), 2))
        if len(found) == 4:
            break
    return found


def _read_page(lines: list[str], ocr: bool) -> dict[str, Reading]:
    """The particulars found on one page, with how sure each reading is before page and OCR are counted."""
    subject_at, subject = _subject(lines, ocr)
    head = lines[: _heading_end(lines, subject_at)]
    readings = {
        "reference_no": reference(head, ocr) or reference_in_body(lines, len(head), ocr),
        "dated": heading_date(head, ocr) or date_in_body(lines, len(head), ocr),
        "issued_by": _office(head, ocr),
        "subject": subject or _do_subject(lines, head, ocr),
    }
    return {name: reading for name, reading in readings.items() if reading is not None}


def _lines(text: str) -> list[str]:
    """A page's lines, cut to PAGE_CHARS, spaces collapsed and wide column gaps kept as a tab."""
    text = text[:PAGE_CHARS].replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return [_SPACES.sub(" ", _GAP.sub("\t", line)).strip() for line in text.split("\n")]


def _heading_end(lines: list[str], subject_at: int | None) -> int:
    """Where the heading ends: at "Subject:", else at the salutation or the first words of the body."""
    if subject_at is not None:
        return subject_at
    for index, line in enumerate(lines[:HEAD_LINES]):
        if _BODY.match(line):
            return index
    return min(len(lines), HEAD_LINES)


# Issuing office


def _office(head: list[str], ocr: bool) -> Reading | None:
    """The most specific office in the heading (the Department over its Ministry), as printed in English (a scan's
    quotes in their plain form, as a scanned subject's)."""
    best: tuple[int, str] | None = None
    lines = list(_outside_addressees(head))
    for index, line in enumerate(lines):
        for cell in line.split("\t"):
            english = _with_name_above(_english(cell), lines[max(0, index - 3) : index])
            found = _office_in(english)
            if found and (best is None or found[0] > best[0]):
                # A name wrapped in a letterhead column goes on below; a laid-out row's cell does not.
                wrapped = "\t" not in line and found[1] == english.rstrip(" ,;:.")
                best = (found[0], _continued(found[1], lines[index + 1 : index + 3])) if wrapped else found
    if best is None:
        return None
    rank, value = best
    value = value.translate(_CURLY_QUOTES) if ocr else value
    return value, _OFFICE_SURE[rank] * (ODD_FACTOR if len(value) > 100 else 1.0)


def _with_name_above(english: str, above: list[str]) -> str:
    """A line begun by an office's last word ("Department", "Academy of Administration") with the first words of
    its name from the line above, where a letterhead column wrapped them ("General Administration" / "Department");
    on a scan, blank lines or the Hindi column's may come between ("Union Public Service" / "" / "Commission")."""
    if not (_KEYWORD_FIRST.match(english) or _NAMED_BEFORE_KEYWORD.match(english)):
        return english
    latin = [(line, _english(line)) for line in above]
    latin = [(line, words) for line, words in latin if re.search(r"[A-Za-z]{2}", words)]
    if not latin or "\t" in latin[-1][0]:
        return english
    first = latin[-1][1]
    if not _NAME_REST.fullmatch(first) or _office_in(first) or _LETTERHEAD.match(first) or _FURNITURE.search(first):
        return english
    return f"{first} {english}"


def _continued(name: str, below: list[str]) -> str:
    """An office's name with the rest of it from the lines below, when it was cut ("Department of Personnel and" /
    "Training") or the next line is plainly more of it ("Department of Administrative" / "Reforms and Public ...")."""
    for line in below:
        rest = _english(line)
        # "of Administration" after "... National Academy", "and Public Grievances" after "... Reforms": the rest of
        # the name, whatever the line above ends in.
        if re.fullmatch(r"(?:of|and|&) [A-Z][A-Za-z]{1,25}(?: [A-Z][A-Za-z]{1,25}){0,3}", line.strip()):
            name = f"{name} {line.strip()}"
            continue
        if "\t" in line or not _NAME_REST.fullmatch(rest) or _office_in(rest) or _LETTERHEAD.match(rest):
            break
        # Cut after a connective ("Personnel and") or a possessive ("Pensioners'"), or more of it ("Reforms and ...").
        if not (_CONNECTIVE_END.search(name) or re.search(r"s['’]$", name) or _NAME_PAIR.fullmatch(rest)):
            break
        name = f"{name} {rest}"
    return name


def _office_in(text: str) -> tuple[int, str] | None:
    """The office a heading line names, and its rank, if it names one."""
    # "(Department of Official Language)" under its Ministry is a Department all the same.
    bare = text[1:] if text.startswith("(") else text
    for pattern, rank in _OFFICES:
        if pattern.match(text) or pattern.match(bare):
            value = text.rstrip(" ,;:.")
            if value.startswith("(") and value.endswith(")"):
                value = value[1:-1].strip()
            return rank, _mend_keyword(value)
    after_comma = _OFFICE_AFTER_COMMA.search(text)
    return (3, after_comma.group(1)) if after_comma else None


def _mend_keyword(value: str) -> str:
    """An office's name with OCR's misreading of its first word put right, and a speck's full stop taken out."""
    for pattern, word in _OCR_KEYWORDS:
        value = pattern.sub(word, value, count=1) if pattern.match(value) else value
    return _STRAY_STOP.sub(r"\1", value)


def _outside_addressees(head: list[str]) -> Iterator[str]:
    """The heading's lines, less those under "To" (addressees' offices are not the sender's)."""
    addressees = False
    for line in head:
        if re.match(r"To\b\W{0,2}", line):
            addressees = True
        elif addressees and (not line or REF_LABEL.match(line) or DATE_LABEL.match(line) or line.startswith("From")):
            addressees = False
        if not addressees:
            yield line


def _english(text: str) -> str:
    """The English part of a bilingual line ("कार्मिक एवं प्रशिक्षण विभाग / Department of Personnel & Training"),
    without specks before its first word."""
    parts = _DEVANAGARI_RUN.split(text)
    english = max(parts, key=lambda part: len(re.findall(r"[A-Za-z]", part)))
    # Quotes at either end are specks, but for a possessive's ("Department of Pension & Pensioners'" / "Welfare").
    english = re.sub(r"^['’‘]+|(?<!s)['’‘]+$", "", english.strip(' /|:-–—,;*•·"`~_'))
    specks = _LEADING_SPECKS.match(english)
    english = english[specks.end() :] if specks else english
    capitals = _CAPITAL_SPECKS.match(english)
    english = english[capitals.end() :] if capitals else english
    # A letterhead column's wrapped words run together in a text layer ("Union Public ServiceCommission").
    return _RUN_TOGETHER.sub(" ", english)


# Subject


def _subject(lines: list[str], ocr: bool) -> tuple[int | None, Reading | None]:
    """Where the "Subject:" line is, and the subject (the English one of a bilingual pair)."""
    first: int | None = None
    hindi: Reading | None = None
    for index, line in enumerate(lines):
        start = _subject_label(line)
        if start is None:
            continue
        first = index if first is None else first
        text, finished = _subject_text(lines, index, start)
        # The English label first on its line, after any specks ("‘Subject (CSMOP), ..."): a garbled Hindi one may
        # have sat above it beside the subject's first line.
        if ocr and _SUBJECT_ENGLISH.match(line, _first_letter(line)):
            text = _stacked_above(lines, index) + " " + text
        text = _tidy(text, ocr)
        if text and _latin(text):
            odd = len(text) > 250 or _GARBLED.search(text)
            return first, (text, (0.95 if finished else 0.75) * (ODD_FACTOR if odd else 1.0))
        hindi = hindi or ((text, 0.6) if text else None)
        # The English subject of a bilingual memo follows its Hindi one closely, or not at all.
        if index - first > 6:
            break
    return first, hindi


def _stacked_above(lines: list[str], at: int) -> str:
    """The first line of a subject set beside a stacked "विषय /" over "Subject:", where OCR garbled the Hindi label
    ("5 7 Timelines for completion of the Annual Performance" above "Subject: Appraisal Reports ..."); "" if none."""
    above = next((line for line in reversed(lines[max(0, at - 2) : at]) if line), "")
    slash = above.find("/", 0, 14)
    specks = _LEADING_SPECKS.match(above)
    rest = above[slash + 1 :].lstrip() if slash >= 0 else above[specks.end() :] if specks else above
    # A subject whose label's line goes on mid-phrase ("Subject (CSMOP), 2022 – ...") began above, though its words
    # may look like an office's ("Central Secretariat Manual of Office Procedure"); a number or a date never begins it.
    below = lines[at][_subject_label(lines[at]) or 0 :].lstrip()
    continues = below[:1] == "(" or below[:1].islower()
    dated = bool(REF_LABEL.search(rest) or DATE_LABEL.search(rest) or any(True for _ in dates(rest)))
    furniture = dated if continues else _is_furniture(rest)
    # Only a garbled label leaves specks before the words; a clean line above is an addressee or a heading.
    if rest == above or not _latin(rest) or _subject_label(rest) is not None or furniture:
        return ""
    # The slash of "विषय /" right above, with nothing Latin before it, is the label's (a heading's "परिपत्र / CIRCULAR"
    # is not); with any other slash the line must read unfinished.
    label = slash >= 0 and not re.search(r"[A-Za-z]", above[:slash]) and lines[at - 1] == above
    label = label and not _SUBJECT_STOP.match(rest)
    unfinished = _CONNECTIVE_END.search(rest) or (len(rest) >= WRAPPED_CHARS and not re.search(r"[.)\"”'’]$", rest))
    return rest if label or unfinished else ""


def _first_letter(line: str) -> int:
    """Where a line's first letter or digit is, past any specks or quote before it (at most four)."""
    marks = _LEADING_MARKS.match(line)
    return marks.end() if marks else 0


def _subject_label(line: str) -> int | None:
    """Where the subject begins on a line labelled "Subject:", "Sub.:-", "विषय / Subject:"...; None if unlabelled."""
    start = _first_letter(line)
    hindi = _SUBJECT_HINDI.match(line, start)
    label = hindi or _HINDI_WORD.match(line, start) or _GARBLED_HINDI_WORD.match(line, start)
    english = _SUBJECT_ENGLISH.match(line, label.end() if label else start)
    if english and _is_subject_label(english, line):
        return english.end()
    if hindi and hindi["sep"]:
        return hindi.end()
    return None


def _is_subject_label(english: re.Match[str], line: str) -> bool:
    """Whether "Sub..." is the label: "Sub" needs its colon, and "Sub-rule", "subject to the..." are words of a body."""
    after_sep = line[english.end("sep") : english.end("sep") + 1]
    if english["sep"] in ("-", "–", "—") and after_sep.isalpha():
        return False
    rest = line[english.end() : english.end() + 1]
    return bool(english["sep"]) or (len(english["word"]) > 4 and not rest.islower())


def _subject_text(lines: list[str], at: int, start: int) -> tuple[str, bool]:
    """The subject from its label on, joined across lines; and whether it ended cleanly (not cut at the limit)."""
    parts = [lines[at][start:]] if lines[at][start:] else []
    printed = lines[at]  # the last part's line as printed, label and all: its width tells a wrapped line
    # "विषय / Submission of ..." over "Subject: Government pensioners ...": the labels stacked beside one subject.
    hindi_only = not _SUBJECT_ENGLISH.search(lines[at][:start])
    for index in range(at + 1, min(len(lines), at + 3 * SUBJECT_LINES)):
        line = lines[index]
        if parts and _SUBJECT_END.search(parts[-1]):
            return _join(parts), True
        below = lines[index + 1 : index + 2]
        stacked = hindi_only and bool(below) and _english_beside(below[0])
        if not line and parts and (_wraps_on(parts[-1], len(printed), below) or stacked):
            continue
        label = _subject_label(line)
        if hindi_only and parts and (english := _english_beside(line)):
            parts.append(english)
            printed, hindi_only = line, False
            continue
        if not line or _SUBJECT_STOP.match(line) or _BODY.match(line) or label is not None:
            if parts:
                return _join(parts), True
            continue
        if parts and _begins_after_subject(line, parts):
            return _join(parts), True
        if len(parts) == SUBJECT_LINES:
            return _join(parts), False
        parts.append(line)
        printed = line
    return _join(parts), bool(parts)


def _english_beside(line: str) -> str | None:
    """The subject's words on an English "Subject:" line, as stacked below a Hindi "विषय /" line; None if not one.
    Below "विषय /" the whole word "Subject" is the label even without its colon (a speck may take it)."""
    bare = _BARE_SUBJECT.match(line)
    label = bare.end() if bare else _subject_label(line)
    if label is None or not _latin(line[label:]) or _hindi(line[:label]):
        return None
    return line[label:]


def _wraps_on(last: str, width: int, below: list[str]) -> bool:
    """Whether a subject goes on past a blank line (OCR sets one between a scan's lines): its last line is plainly
    unfinished ("... for the", an open quote or bracket), or the line below goes on in small letters."""
    last = last.rstrip(" ,;:|_'‘’-")
    after = below[0].lstrip(" -–—_|'‘’.,:;*") if below else ""
    if not after or _SUBJECT_STOP.match(after) or _BODY.match(after) or _subject_label(after) is not None:
        return False
    unclosed = sum(map(last.count, '"“”')) % 2 == 1 or last.count("(") > last.count(")")
    # "ie Sir/Madam" is a speck before the salutation, not the subject's last words.
    goes_on = after[0].islower() and len(after.split()) > 2 and not _SALUTATION.search(after)
    # A line as wide as a subject's column that does not read finished was wrapped, not ended.
    wrapped = width >= WRAPPED_CHARS and not re.search(r"[.)\"”'’]$|\breg\w*$", last)
    return bool(_CONNECTIVE_END.search(last)) or unclosed or goes_on or wrapped


def _begins_after_subject(line: str, parts: list[str]) -> bool:
    """Whether a line is past the subject: Hindi after English, the memo's number or date, or "The ..." after a
    subject that reads finished (a subject may wrap before "The ..." or before a cited "No. 1/2/2020")."""
    if _latin(" ".join(parts)) and _hindi(line):
        return True
    if line.startswith("The "):
        return bool(re.search(r"[.)\"”'’]$|\breg$", parts[-1]))
    # "... to this Department's O.M.\nNo. 1/2/2020" is one citation wrapped, not the memo's own number below.
    cited = bool(CITED_BEFORE.search(parts[-1][-40:]) or _LABEL_WORD_END.search(parts[-1]))
    numbered = any(begins == 0 for begins, *_ in labelled_refs(line))
    return not cited and (numbered or bool(re.match(r"Dated\b|Date\b|DATED", line)))


def _join(parts: list[str]) -> str:
    """Lines joined with single spaces, a word broken at a hyphen or slash ("2024-\\n25", "Ministries/\\nDepartments")
    joined whole."""
    text = ""
    for part in parts:
        part = part.replace("\t", " ").strip()
        text += part if re.search(r"\w[-/]$", text) else (" " + part if text else part)
    return text.strip()


def _tidy(text: str, ocr: bool) -> str:
    """A subject without what OCR made of specks and smudges, and without loose marks at either end."""
    if ocr:
        # An opening quote never closed is a speck ("Allowance ‘to Central ...").
        if "‘" in text and not re.search(r"[’']", text[text.index("‘") :]):
            text = text.replace("‘", "")
        # An English subject has no accents: "coursés", "employées" are OCR's.
        text = text.translate(_CURLY_QUOTES).translate(ACCENTS)
        # A double quote without its pair, glued to a small word ('for the "year', '– "reg.'), is a speck too.
        text = re.sub(r'(?<!\S)"(?=[a-z])', "", text) if text.count('"') % 2 else text
        # ...and so is a lone single quote before a small word or a bracket ("Committees' for", "the' offices"), or
        # after a word a possessive's could not follow ("Central' Government"; "Pensioners' Welfare" is kept).
        text = re.sub(r"(?<=[a-z])'(?= [a-z(]|$)|(?<=[a-rt-z])'(?= )", "", text) if text.count("'") % 2 else text
        for pattern, mend in _OCR_SUBJECT_MENDS:
            text = pattern.sub(mend, text)
        return _UNFINISHED_REG.sub("reg.", _LOOSE_ENDS.sub("", text.strip()))
    return _LOOSE_ENDS.sub("", text.strip())


def _latin(text: str) -> bool:
    """Whether a text is mostly English (Latin letters) rather than Hindi."""
    latin = len(re.findall(r"[A-Za-z]", text))
    return latin > 0 and latin >= len(re.findall(r"[\u0900-\u097f]", text))


def _hindi(text: str) -> bool:
    """Whether a text is mostly Hindi (Devanagari) rather than English."""
    return len(re.findall(r"[\u0900-\u097f]", text)) > len(re.findall(r"[A-Za-z]", text))


def _do_subject(lines: list[str], head: list[str], ocr: bool) -> Reading | None:
    """A D.O. letter's title: the line(s) just above "Dear ...", below the number, date and letterhead."""
    salutation = next((i for i, line in enumerate(lines[:HEAD_LINES]) if _SALUTATION.match(line)), None)
    if salutation is None:
        return None
    title: list[str] = []
    for line in reversed(lines[max(0, salutation - 6) : salutation]):
        if not line and not title:
            continue
        if not line or len(title) == 3 or _is_furniture(line):
            break
        title.insert(0, line)
    text = _tidy(_join(title), ocr)
    if not text or not _latin(text):
        return None
    # A D.O. letter is titled this way by custom; in any other letter the guess is weaker.
    return text, 0.6 if any(_DO_LETTER.search(line) for line in head) else 0.45


def _is_furniture(line: str) -> bool:
    """Whether a line is letterhead, address or reference rather than a title ("... of your Ministry" is a title;
    "Ministry of Finance" is letterhead)."""
    english = _english(line)
    return (
        bool(_FURNITURE.search(line) or REF_LABEL.search(line) or DATE_LABEL.search(line))
        or bool(_LETTERHEAD.match(english) or _office_in(english))
        or any(True for _ in dates(line))
        or line.endswith(",")
        or len(line) < 4
    )
