"""The Word (.docx) reader: python-docx for the paragraphs, plus our own reading of numbering.xml and styles.xml,
so the paragraph numbers Word shows (automatic numbering, set on the paragraph or through its style, e.g.
"List Number" or a judgment's "ParaLevel1") become the labels the reader sees in Word.

Numbering: the list level that numbers the most body paragraphs (decimal or similar, at least two) is the
document's paragraph numbering; its paragraphs get their numbers as labels, and the unnumbered paragraphs and
sub-points under a numbered paragraph (quotes, "(a)" items) are part of it, as a court cites them. Numbers of
other lists are kept as text in front of the paragraph. Headers, footers and the table of contents are not read.
The zip is checked before anything is decompressed: a zip bomb or a file that is not a zip is refused.
"""
from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

from index.readers import NAME_LINES_JOIN, Block, DocumentText, UnreadableError

MAX_UNCOMPRESSED = 200 << 20  # bytes: a real Word file with text is far below this
MAX_RATIO = 200  # uncompressed / compressed size of one member above 10 MB: a zip bomb
MAX_MEMBERS = 10_000
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_zip(path: Path) -> None:
    """Refuse a file that is not a zip, or whose members would decompress to an unreasonable size."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise UnreadableError(f"{name}: not a Word document (not a valid zip file: {e}), not read; "
                              "open it in Word and save it as .docx again") from e
    total = sum(i.file_size for i in infos)
    bomb = len(infos) > MAX_MEMBERS or total > MAX_UNCOMPRESSED or any(
        i.file_size > 10 << 20 and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos)
    if bomb:
        raise UnreadableError(f"{name}: the Word file would unpack to {total:,} bytes in {len(infos):,} parts "
                              "(a zip bomb?), not read; check where it came from")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise UnreadableError(f"{name}: a zip file without word/document.xml, not read; save it as .docx again")


def _fmt(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        s = ""
        while n > 0:
            n, r = divmod(n - 1, 26)
            s = chr(97 + r) + s
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        out = ""
        for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                               (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
            while n >= value:
                out, n = out + letters, n - value
        return out.upper() if fmt == "upperRoman" else out
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "bullet":
        return "•"
    if fmt == "none":
        return ""
    return str(n)


class Numbering:
    """Word's list definitions (numbering.xml) and the list each style points at (styles.xml), with the
    running counters that turn them into the numbers Word displays."""

    def __init__(self, numbering_xml: bytes | None, styles_xml: bytes | None):
        from lxml import etree

        # no entity expansion (a "billion laughs" numbering.xml) and no network, whatever the file says
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        self.levels: dict[str, dict[int, dict]] = {}  # abstractNumId -> ilvl -> start, fmt, text
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.style_level: dict[str, tuple[str, int]] = {}  # pStyle named in a level -> (abstractNumId, ilvl)
        self.styles: dict[str, dict] = {}  # styleId -> name, basedOn, numId, ilvl
        if numbering_xml:
            root = etree.fromstring(numbering_xml, parser)
            for absn in root.iter(W + "abstractNum"):
                aid = absn.get(W + "abstractNumId")
                for lvl in absn.iter(W + "lvl"):
                    ilvl = int(lvl.get(W + "ilvl", "0"))
                    val = {tag: (lvl.find(W + tag).get(W + "val") if lvl.find(W + tag) is not None else None)
                           for tag in ("start", "numFmt", "lvlText", "pStyle")}
                    self.levels.setdefault(aid, {})[ilvl] = {
                        "start": int(val["start"] or 1), "fmt": val["numFmt"] or "decimal",
                        "text": val["lvlText"] if val["lvlText"] is not None else f"%{ilvl + 1}.",
                        "legal": lvl.find(W + "isLgl") is not None}
                    if val["pStyle"]:
                        self.style_level[val["pStyle"]] = (aid, ilvl)
            for num in root.iter(W + "num"):
                ref = num.find(W + "abstractNumId")
                overrides = {}
                for o in num.iter(W + "lvlOverride"):
                    start = o.find(W + "startOverride")
                    if start is not None:
                        overrides[int(o.get(W + "ilvl", "0"))] = int(start.get(W + "val"))
                if ref is not None:
                    self.nums[num.get(W + "numId")] = (ref.get(W + "val"), overrides)
        if styles_xml:
            root = etree.fromstring(styles_xml, parser)
            for style in root.iter(W + "style"):
                sid = style.get(W + "styleId")
                name = style.find(W + "name")
                based = style.find(W + "basedOn")
                num_id = style.find(f"{W}pPr/{W}numPr/{W}numId")
                ilvl = style.find(f"{W}pPr/{W}numPr/{W}ilvl")
                self.styles[sid] = {"name": name.get(W + "val") if name is not None else sid,
                                    "based": based.get(W + "val") if based is not None else None,
                                    "num": num_id.get(W + "val") if num_id is not None else None,
                                    "ilvl": int(ilvl.get(W + "val")) if ilvl is not None else None}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()

    def style_name(self, style_id: str | None) -> str:
        return self.styles.get(style_id or "", {}).get("name", style_id or "")

    def list_of(self, p_el) -> tuple[str, int] | None:
        """(numId, ilvl) numbering paragraph `p_el`, set on it or inherited through its style chain."""
        ppr = p_el.find(W + "pPr")
        style_id = None
        if ppr is not None:
            st = ppr.find(W + "pStyle")
            style_id = st.get(W + "val") if st is not None else None
            num_id = ppr.find(f"{W}numPr/{W}numId")
            if num_id is not None:
                ilvl = ppr.find(f"{W}numPr/{W}ilvl")
                return num_id.get(W + "val"), int(ilvl.get(W + "val")) if ilvl is not None else 0
        seen, ilvl, first = set(), None, style_id
        while style_id and style_id not in seen:  # the style chain: the nearest numId and nearest ilvl win
            seen.add(style_id)
            style = self.styles.get(style_id)
            if style is None:
                break
            if ilvl is None and style["ilvl"] is not None:
                ilvl = style["ilvl"]
            if style["num"]:
                if ilvl is None:
                    ilvl = self.style_level.get(first, self.style_level.get(style_id, (None, 0)))[1]
                return style["num"], ilvl
            style_id = style["based"]
        return None

    def next_label(self, num_id: str, ilvl: int) -> tuple[str, str, int] | None:
        """Advance the counter of (num_id, ilvl) and return (abstractNumId, displayed text, ilvl)."""
        if num_id == "0" or num_id not in self.nums:
            return None
        aid, overrides = self.nums[num_id]
        levels = self.levels.get(aid, {})
        if ilvl not in levels:
            return None
        counters = self.counters.setdefault(aid, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counters[lvl] = start - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl]["start"] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        legal = levels[ilvl]["legal"]

        def level_value(m):
            k = int(m.group(1)) - 1
            value = counters.get(k, levels.get(k, {"start": 1})["start"])
            return _fmt(value, "decimal" if legal else levels.get(k, {"fmt": "decimal"})["fmt"])

        return aid, re.sub(r"%(\d)", level_value, levels[ilvl]["text"]).strip(), ilvl


def _label(shown: str) -> str:
    """The label of a displayed number: "12." -> "12", "(3)" -> "3", "1.1" -> "1.1"."""
    return shown.strip().strip("().").strip() or shown


def _looks_like_heading(text: str) -> bool:
    """A short capitalised line without final punctuation (the corpus's rule for typed headings)."""
    words = len(text.split())
    return (words <= 12 and text[-1:] not in ".!?:;\"'”’)]" or words <= 8 and text.endswith("?")) \
        and text[:1].isupper()


FRONT_LINE_WORDS = 15  # a line of a judgment's cover page: a court, a name, a role, "Hearing date: ..."
COVER_MIN_NUMBERED = 5  # a document with a cover page numbers at least this many paragraphs
_TYPED = re.compile(r"(\d+)\.\s+\S")


def _first_typed_number(rows: list[tuple]) -> int:
    """Where the numbered paragraphs of a document that types its numbers ("1. The appellants are...") begin:
    the first row typed "1." that a row typed "2." follows; 0 (no cover page) when there is none or fewer than
    COVER_MIN_NUMBERED rows are typed with a number."""
    typed = [(i, m.group(1)) for i, row in enumerate(rows) if (m := _TYPED.match(row[0]))]
    if len(typed) < COVER_MIN_NUMBERED:
        return 0
    last_two = max((i for i, n in typed if n == "2"), default=-1)
    return next((i for i, n in typed if n == "1" and i < last_two), 0)


def _front_matter(rows: list[tuple], first_main: int) -> dict[int, str]:
    """A numbered document's cover page (the rows before its first numbered paragraph, the first row, its title,
    aside): runs of two or more short lines become one block each, so "Before : / HHJ PAUL MATTHEWS" or the
    parties and their counsel are text a question can quote, not a stack of one-line headings. Lines are joined
    as signatories are (NAME_LINES_JOIN): a run of names answers a question for a person, not every question that
    names the case. Lines of punctuation only ("- - - - -") part the runs, and a label ("Before :", "Date Issued:")
    starts one. Returns row index -> the run's text at its first row, "" at its other rows and at the parting
    lines; rows not in it are read as before."""
    out: dict[int, str] = {}
    run: list[int] = []

    def flush():
        if len(run) >= 2:
            text = rows[run[0]][0]
            for j in run[1:]:
                joint = "" if text.endswith("/") else " " if text.endswith((":", ",", " and")) else NAME_LINES_JOIN
                text += joint + rows[j][0]
            out.update({j: "" for j in run})
            out[run[0]] = text
        run.clear()

    for i in range(1, first_main):
        text, style_name = rows[i][0], rows[i][1]
        if not re.search(r"\w", text):
            flush()
            out[i] = ""
        elif _is_heading(style_name) or len(text.split()) > FRONT_LINE_WORDS or text.endswith((".", "!", "?")):
            flush()  # a sentence is prose, not a cover line: "The office moves to Leeds on 3 June."
        else:
            if text.endswith(":"):
                flush()  # a label starts its own run: "Before :" with the judges, "Date Issued:" with its date
            run.append(i)
    last = rows[run[-1]][0] if run else ""
    if run and run[-1] == first_main - 1 and (_looks_like_heading(last) or _speaker_line(last)):
        run.pop()  # the heading of the first numbered paragraph ("Introduction", "Lord Justice Newey:")
    flush()
    return out


_JOINTS = {"of", "the", "and", "de", "von", "van"}


def _speaker_line(text: str) -> bool:
    """A judge's name opening their judgment ("Lord Justice Nugee:", "Mr Justice Francis:"): a few capitalised
    words and a colon. Before a numbered paragraph it heads what follows, not the end of the paragraph above."""
    words = text.rstrip(":").split()
    return text.endswith(":") and 1 <= len(words) <= 5 and all(w[:1].isupper() for w in words if w not in _JOINTS)


def _is_heading(style_name: str) -> bool:
    low = style_name.lower()
    return "heading" in low or low in ("title", "subtitle")


def read_docx(path: Path) -> DocumentText:
    """Read a Word file into blocks whose numbers are the ones Word displays."""
    import docx
    from docx.text.paragraph import Paragraph as DocxParagraph
    from lxml import etree

    path = Path(path)
    check_zip(path)
    try:
        document = docx.Document(str(path))
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            numbering = Numbering(z.read("word/numbering.xml") if "word/numbering.xml" in names else None,
                                  z.read("word/styles.xml") if "word/styles.xml" in names else None)
    except (KeyError, ValueError, zipfile.BadZipFile, etree.Error) as e:  # etree.Error: broken or hostile XML
        raise UnreadableError(f"{path.name}: a damaged Word document ({type(e).__name__}: {e}), not read; "
                              "open it in Word and save it again") from e
    rows = []  # (text, style name, (abstractNumId, ilvl) or None, displayed number)
    for p_el in document.element.body.iter(W + "p"):
        style_name = numbering.style_name(
            p_el.find(f"{W}pPr/{W}pStyle").get(W + "val") if p_el.find(f"{W}pPr/{W}pStyle") is not None else None)
        if style_name.lower().startswith("toc"):
            continue  # the table of contents repeats the headings with page numbers
        text = re.sub(r"\s+", " ", DocxParagraph(p_el, document).text).strip()
        listed = numbering.list_of(p_el)
        shown = numbering.next_label(*listed) if listed else None
        if not text:
            continue
        rows.append((text, style_name, shown[0::2] if shown else None, shown[1] if shown else ""))
    counts = Counter(r[2] for r in rows if r[2] and r[3] not in ("", "•") and not _is_heading(r[1]))
    main, n_main = counts.most_common(1)[0] if counts else (None, 0)
    if n_main < 2:
        main = None
    blocks: list[Block] = []
    main_rows = [i for i, r in enumerate(rows) if main and r[2] == main and not _is_heading(r[1])]
    last_main = main_rows[-1] if main_rows else -1
    inside = False  # whether the paragraphs being read are under a numbered paragraph
    # Where a cover page ends; a short numbered list in a memo has none before it.
    if main:
        first_main = main_rows[0] if n_main >= COVER_MIN_NUMBERED else 0
    else:
        first_main = _first_typed_number(rows)
    front = _front_matter(rows, first_main)
    for i, (text, style_name, lst, shown) in enumerate(rows):
        if i in front:
            if front[i]:
                blocks.append(Block(front[i], kind="body", number="" if main else None))
            continue
        heading = _is_heading(style_name)
        if heading:
            blocks.append(Block(f"{shown} {text}" if shown and shown != "•" else text, kind="heading", number=""))
            inside = False
            continue
        if main and lst == main:
            blocks.append(Block(text, kind="body", number=_label(shown)))
            inside = True
            continue
        shown_text = f"{shown} {text}" if shown else text
        speaker = main and i + 1 < len(rows) and rows[i + 1][2] == main and _speaker_line(shown_text)
        if _looks_like_heading(shown_text) or speaker:  # an unnumbered "Background"; "Lord Justice Nugee:"
            blocks.append(Block(shown_text, kind="heading" if main else "", number="" if main else None))
            inside = False
            continue
        if inside and i < last_main:  # a quote or sub-point of the numbered paragraph above
            prev = blocks[-1]
            blocks[-1] = Block(f"{prev.text} {shown_text}", kind="body", number=prev.number)
            continue
        blocks.append(Block(shown_text, kind="", number="" if main else None))
    # The file's Title property is often a template's ("Court of Appeal Judgment Template") or a field's label
    # ("Document Type:"): trust it only when the document's first lines say it too and it is no label; otherwise
    # the first line is the title, as in a text file.
    title = (document.core_properties.title or "").strip()
    squash = re.sub(r"\W+", "", title).lower()
    if (not squash or title.endswith(":")
            or not any(squash in re.sub(r"\W+", "", b.text).lower() for b in blocks[:5])):
        title = None
    elif blocks and re.sub(r"\W+", "", blocks[0].text).lower() == squash:
        blocks = blocks[1:]
    return DocumentText(blocks, title=title, kind="docx")
