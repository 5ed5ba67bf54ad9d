"""A corpus of Office Memoranda to measure reading against: text PDFs, photocopy-like scans, and their particulars.

Run: `.venv/bin/python bench/corpus.py /tmp/corpus [--seed N] [--count N]`, then
`.venv/bin/python bench/extraction.py /tmp/corpus`.

Writes, for each memo, NAME.pdf (born digital, rendered by WeasyPrint) and NAME-scan.pdf (image only: the pages
rendered grey at 150-200 dpi by Poppler's pdftoppm, then greyed, skewed, blurred and speckled like a receipt-counter
photocopy, some with a diary stamp or a scribbled noting in a free margin), and DIR/memos.json with the particulars
a registrar reads off each one. The founding samples from shared/samples are copied in beside them.

The memos vary on purpose: eleven offices (Union and Haryana), six layouts (reference above the letterhead, reference
and date on one row, both under the title, a two-column Hindi/English letterhead, a State "From/To" letter, a D.O.
letter), eight date styles, six subject labels, and bodies that cite earlier O.M.s with numbers and dates of their
own. The same seed gives the same memos. Needs Poppler (pdftoppm) and a Devanagari font (fonts-lohit-deva).

The particulars follow shared/samples/memos.json: reference_no without its label ("No.", "F.No.", "D.O. No."),
dated as ISO, issued_by the Department-level line of the letterhead in English (not the Ministry above it, nor a
wing or branch printed in brackets below it), and the subject joined onto one line (a D.O. letter's heading line).
"""

import argparse
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
from weasyprint import HTML

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "corpus_templates"
SAMPLES = ROOT.parent / "shared" / "samples"
SAMPLE = "dopt-igot-email-om"
STAMP_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"

LAYOUTS = ["centred", "row", "stack", "columns"]
DATE_STYLES = ["dotted", "the", "city_dated", "dated_city", "slash", "dashed", "sic", "hindi"]
LABELS = ["Subject:", "Sub:", "Sub.:-", "SUBJECT :", "विषय / Subject:", "Subject :-"]
FONTS = ['"DejaVu Serif"', '"DejaVu Sans"', '"DejaVu Serif Condensed"', '"DejaVu Sans Condensed"']
MARGINS = ["2cm 2.2cm", "2.5cm 2.4cm 2cm", "1.8cm 2cm", "2.2cm 2.6cm 2.4cm 2.8cm"]
FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2026, 6, 30)


def ordinal(day: int, sic: bool = False) -> str:
    """5th, 22nd; `sic` writes every day with "th" (22th), as some offices do."""
    if sic or 11 <= day <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def date_text(style: str, when: date, city: str) -> str:
    """The memo's own date line in one of the styles offices print."""
    long = f"{ordinal(when.day)} {when:%B}, {when.year}"
    return {
        "dotted": f"Dated: {when:%d.%m.%Y}",
        "the": f"Dated the {long}",
        "city_dated": f"{city}, dated {long}",
        "dated_city": f"Dated {city}, the {long}",
        "slash": f"Date: {when:%d/%m/%Y}",
        "dashed": f"Dated {when:%d-%m-%Y}",
        "sic": f"{ordinal(when.day, sic=True)} {when:%B}, {when.year}",
        "hindi": f"दिनांक / Dated: {when:%d.%m.%Y}",
    }[style]


def cited_date(rng: random.Random, when: date) -> str:
    """A date as a body cites an earlier paper."""
    return rng.choice([f"{when:%d.%m.%Y}", f"{ordinal(when.day)} {when:%B}, {when.year}", f"{when:%d/%m/%Y}"])


def reference(pattern: str, rng: random.Random, year: int) -> str:
    """A file number from an office's pattern: {n1} {n2} {n02} {n3} {n5} {n6} {year} {fyear} (the file's year)."""
    return pattern.format(
        n1=rng.randint(1, 9),
        n2=rng.randint(1, 60),
        n02=f"{rng.randint(1, 20):02d}",
        n3=rng.randint(100, 999),
        n5=rng.choice([11013, 21011, 12034, 13018, 19030, 14017, 22011, 35034, rng.randint(10000, 49999)]),
        n6=rng.randint(100000, 999999),
        year=year,
        fyear=max(2010, year - rng.choice([0, 0, 0, 1, 2, 5])),
    )


def random_day(rng: random.Random, sic: bool) -> date:
    """A memo's date; for the "22th" style, a day whose right suffix is not "th"."""
    while True:
        when = FIRST_DAY + timedelta(days=rng.randint(0, (LAST_DAY - FIRST_DAY).days))
        if not sic or when.day in (1, 2, 3, 21, 22, 23):
            return when


def citation(pools: dict, office: dict, rng: random.Random, before: date) -> str:
    """An earlier paper the body refers to: its own number and date, never the memo's."""
    earlier = before - timedelta(days=rng.randint(60, 2000))
    pattern = rng.choice(office["refs"])[1]
    return rng.choice(pools["citations"]).format(
        ref=reference(pattern, rng, earlier.year), date=cited_date(rng, earlier)
    )


def paragraphs(pools: dict, office: dict, rng: random.Random, when: date, count: int) -> list[str]:
    """The body: an opening that cites an earlier O.M., some middles, a closing."""

    def fill(text: str) -> str:
        return text.format(
            cite=citation(pools, office, rng, when), n3=rng.randint(100, 999), date=cited_date(rng, when)
        )

    body = [fill(rng.choice(pools["openings"]))]
    body += [fill(text) for text in rng.sample(pools["middles"], min(count, len(pools["middles"])))]
    return [*body, fill(rng.choice(pools["closings"]))]


def people(pools: dict, office: dict, rng: random.Random, long: bool) -> dict:
    """Who signs, and to whom the memo goes."""
    state = office["key"].startswith("hr-")
    posts = [pools["state_posts"][office["key"]]] if state else pools["posts"]
    phone = rng.choice(["Tel: ", "Tele: ", "Ph.: ", None])
    to = [x for x in pools["to"] if ("Haryana" in x or x.endswith("in the State")) == state]
    return {
        "signer": rng.choice(pools["signers"]),
        "post": rng.choice(posts),
        "phone": phone and f"{phone}{office['phone']}{rng.randint(1000, 9999)}",
        "to": rng.sample(to, min(len(to), rng.randint(1, 3))),
        "copy_to": rng.sample(pools["copy_to"], rng.randint(5, 8) if long else rng.randint(0, 3)),
    }


def do_letter(pools: dict, office: dict, rng: random.Random) -> dict:
    """What a demi-official letter has instead of a title and subject line."""
    addressee = rng.choice(pools["addressees"])
    title, surname = addressee.split()[0], addressee.split()[-1]
    return {
        "salutation": f"Dear {title} {surname}," if rng.random() < 0.7 else f"Dear {title} {surname} ji,",
        "closing": rng.choice(["With regards,", "With warm regards,", "Yours sincerely,"]),
        "do_post": ["Secretary", f"Tel.: {office['phone']}{rng.randint(1000, 9999)}"],
        "addressee": [f"{addressee},", "Secretary,", "Department of School Education & Literacy,", "New Delhi."],
        "phone": None,
        "references": "",
    }


def layout(office: dict, label: str, rng: random.Random, turn: int) -> str:
    """Which layout a memo gets: D.O. numbers make D.O. letters; Haryana writes From/To letters most often."""
    if label.startswith("D.O."):
        return "do"
    if office["key"].startswith("hr-") and rng.random() < 0.6:
        return "state"
    return LAYOUTS[turn % len(LAYOUTS)]


def bilingual(shape: str, rng: random.Random) -> str:
    """How the letterhead shows Hindi: not at all, a line above the English, on the same line, or in columns."""
    if shape == "columns":
        return "columns"
    return rng.choice(["none", "stacked", "stacked", "slash"])


def title(office: dict, shown: str, rng: random.Random) -> str:
    """The heading over the subject: academies and commissions send circulars too; bilingual heads say it twice."""
    english = (
        rng.choice(["CIRCULAR", "OFFICE MEMORANDUM"]) if office["key"] in ("upsc", "lbsnaa") else "OFFICE MEMORANDUM"
    )
    hindi = {"CIRCULAR": "परिपत्र", "OFFICE MEMORANDUM": "कार्यालय ज्ञापन"}[english]
    return english if shown == "none" else f"{hindi} / {english}"


def compose(index: int, office: dict, pools: dict, rng: random.Random) -> tuple[str, dict, dict]:
    """One memo: its name, the template's context, and its true particulars."""
    turn = index // len(pools["offices"])
    label, pattern = office["refs"][turn % len(office["refs"])]
    shape = layout(office, label, rng, index + 2 * turn)
    style = DATE_STYLES[(index + 2 * turn) % len(DATE_STYLES)]
    if shape == "state":  # "Dated Chandigarh, the 2nd April, 2026", as Haryana's letters are
        style = "dated_city"
    when = random_day(rng, style == "sic")
    long = index % 3 == 0
    subject = office["subjects"][turn % len(office["subjects"])]
    m = {
        "layout": shape,
        "bilingual": bilingual(shape, rng),
        "letterhead": office["letterhead"],
        "unit": office["unit"] if rng.random() < 0.7 else "",
        "address": office["address"],
        "ref_label": label,
        "ref_gap": rng.choice([" ", " ", ""]) if label else "",
        "ref": reference(pattern, rng, when.year),
        "date_text": date_text(style, when, office["city"]),
        "subject_label": LABELS[(index + 2 * turn) % len(LABELS)],
        "subject_style": rng.choice(["inline", "table", "table", "centre"]),
        "subject": subject,
        "paragraphs": paragraphs(pools, office, rng, when, rng.randint(6, 8) if long else rng.randint(1, 3)),
        "numbered": rng.random() < 0.8,
        "references": citation(pools, office, rng, when) if rng.random() < 0.3 else "",
        "font": rng.choice(FONTS),
        "size": rng.choice(["11pt", "11.5pt", "12pt", "12.5pt"]),
        "leading": rng.choice(["1.3", "1.4", "1.5"]),
        "margin": rng.choice(MARGINS),
        "head_align": "center" if rng.random() < 0.85 else "left",
        "page_numbers": rng.choice(["of", "dash", "plain"]) if long else rng.choice(["none", "none", "of"]),
        **people(pools, office, rng, long),
    }
    m["title"] = title(office, m["bilingual"], rng)
    if shape == "state":
        m |= {
            "salutation": "Sir/Madam,",
            "from_line": next(x[4:].rstrip(",") for x in m["post"] if x.startswith("for ")),
        }
    if shape == "do":
        m |= do_letter(pools, office, rng)
    truth = {
        "reference_no": m["ref"],
        "dated": when.isoformat(),
        "issued_by": office["letterhead"][office["issuer"]][1],
        "subject": subject,
    }
    return f"{index + 1:02d}-{office['key']}-{shape}", m, truth


def render(template, m: dict, long: bool, extra: list[str], path: Path) -> int:
    """Write the text PDF; a long memo gets more paragraphs until it runs onto a second page. Returns pages."""
    for _ in range(6):
        document = HTML(string=template.render(m=m)).render()
        if not long or len(document.pages) >= 2 or not extra:
            break
        m["paragraphs"].insert(-1, extra.pop())
    document.write_pdf(path)
    return len(document.pages)


def free_spot(page: Image.Image, size: tuple[int, int], rng: random.Random) -> tuple[int, int] | None:
    """A place on the page where a box of `size` touches no print, looked for on an eighth-size copy."""
    small = page.resize((page.width // 8, page.height // 8), Image.Resampling.BOX).point(
        lambda v: 255 if v < 250 else 0
    )
    w, h = size[0] // 8 + 2, size[1] // 8 + 2
    spots = [
        (x, y)
        for y in range(4, small.height - h - 4, 3)
        for x in range(4, small.width - w - 4, 3)
        if small.crop((x, y, x + w, y + h)).getbbox() is None
    ]
    if not spots:
        return None
    x, y = rng.choice(spots)
    return x * 8 + 8, y * 8 + 8


def stamp(rng: random.Random) -> Image.Image:
    """The receipt section's rubber stamp: a boxed diary number and date (not the memo's own)."""
    font = ImageFont.truetype(STAMP_FONT, 22)
    lines = [
        "RECEIPT",
        f"Diary No. {rng.randint(100, 999)}/{rng.randint(1, 12)}",
        f"Date {rng.randint(1, 28):02d}/0{rng.randint(1, 9)}",
    ]
    box = Image.new("L", (260, 110), 255)
    draw = ImageDraw.Draw(box)
    draw.rectangle((2, 2, 257, 107), outline=70, width=3)
    for n, line in enumerate(lines):
        draw.text((14, 8 + n * 32), line, fill=70, font=font)
    return box.rotate(rng.uniform(-8, 8), expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


def scribble(rng: random.Random) -> Image.Image:
    """A noting's scrawl: a wavy initial and a short underline, in pen."""
    box = Image.new("L", (300, 90), 255)
    draw = ImageDraw.Draw(box)
    x, y, phase, points = 10.0, 45.0, rng.uniform(0, 6), []
    for t in range(40):
        x += rng.uniform(4, 8)
        points.append((x, y + 22 * math.sin(t * rng.uniform(0.6, 1.1) + phase) + rng.uniform(-3, 3)))
    draw.line(points, fill=rng.randint(20, 60), width=3, joint="curve")
    draw.line((20, 80, 20 + rng.randint(120, 250), 78 + rng.randint(-4, 4)), fill=40, width=2)
    return box


def note(page: Image.Image, rng: random.Random) -> None:
    """Put a stamp and/or a scribble where the page is blank."""
    marks = rng.choice([[stamp(rng)], [scribble(rng)], [stamp(rng), scribble(rng)]])
    for mark in marks:
        spot = free_spot(page, mark.size, rng)
        if spot:
            box = (*spot, spot[0] + mark.width, spot[1] + mark.height)
            page.paste(ImageChops.darker(page.crop(box), mark), box)


def degrade(page: Image.Image, rng: random.Random, noted: bool) -> Image.Image:
    """A clean page made to look photocopied: grey paper, uneven toner, skew, blur, noise and specks."""
    if noted:
        note(page, rng)
    paper, ink = rng.randint(205, 232), rng.randint(25, 60)
    page = page.point(lambda v: ink + v * (paper - ink) // 255)
    toner = Image.frombytes("L", (3, 4), bytes(rng.randint(225, 255) for _ in range(12)))
    page = ImageChops.multiply(page, toner.resize(page.size, Image.Resampling.BICUBIC))
    page = page.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC, fillcolor=paper)
    draw = ImageDraw.Draw(page)
    if rng.random() < 0.4:  # the copier lid's shadow along one edge
        edge = rng.randint(6, 22)
        draw.rectangle((0, 0, edge, page.height) if rng.random() < 0.5 else (0, 0, page.width, edge), fill=80)
    for _ in range(rng.randint(300, 1500)):
        x, y, r = rng.randrange(page.width), rng.randrange(page.height), rng.choice((0, 1, 1, 2))
        draw.ellipse((x, y, x + r, y + r), fill=rng.randint(0, 110))
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))
    noise = Image.frombytes("L", page.size, rng.randbytes(page.width * page.height))
    return Image.blend(page, noise, rng.uniform(0.05, 0.1))


def photocopy(pdf: Path, out: Path, rng: random.Random) -> None:
    """The scan: each page rendered grey by pdftoppm, degraded, saved as an image-only PDF."""
    dpi = rng.choice((150, 160, 180, 200))
    with tempfile.TemporaryDirectory(prefix="pavati-corpus-") as folder:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), f"{folder}/p"], check=True)
        pages = [Image.open(p).convert("L") for p in sorted(Path(folder).glob("p-*.pgm"))]
    noted = rng.random() < 0.6
    scans = [degrade(page, rng, noted and n in (0, len(pages) - 1)) for n, page in enumerate(pages)]
    fixed = {
        "creationDate": time.gmtime(1767225600),
        "modDate": time.gmtime(1767225600),
    }  # the same seed, the same bytes
    scans[0].save(
        out, "PDF", resolution=dpi, save_all=True, append_images=scans[1:], quality=rng.randint(55, 80), **fixed
    )


def copy_samples(folder: Path) -> dict:
    """The founding DoPT memo and its scan, so that they are measured too."""
    shutil.copy(SAMPLES / f"{SAMPLE}.pdf", folder / f"{SAMPLE}.pdf")
    shutil.copy(SAMPLES / f"{SAMPLE}-scanned.pdf", folder / f"{SAMPLE}-scan.pdf")
    return {SAMPLE: json.loads((SAMPLES / "memos.json").read_text())[SAMPLE]}


def generate(folder: Path, seed: int, count: int) -> dict:
    """Write the corpus into `folder`; returns the particulars by name."""
    rng = random.Random(seed)
    pools = json.loads((TEMPLATES / "offices.json").read_text())
    template = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True).get_template("memo.html")
    offices = rng.sample(pools["offices"], len(pools["offices"]))
    truths = copy_samples(folder)
    for index in range(count):
        office = offices[index % len(offices)]
        name, m, truth = compose(index, office, pools, rng)
        extra = [
            p.format(cite=citation(pools, office, rng, date.fromisoformat(truth["dated"]))) for p in pools["middles"]
        ]
        pages = render(template, m, index % 3 == 0, extra, folder / f"{name}.pdf")
        photocopy(folder / f"{name}.pdf", folder / f"{name}-scan.pdf", rng)
        truths[name] = truth
        print(f"{name}: {pages} page(s)", flush=True)
    (folder / "memos.json").write_text(json.dumps(truths, indent=2, ensure_ascii=False) + "\n")
    return truths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=33, help="memos to make (at least 30 wanted)")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    truths = generate(args.folder, args.seed, args.count)
    print(f"{len(truths)} memos (text + scan) in {args.folder} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
