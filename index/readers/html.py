"""The HTML reader: trafilatura finds the main content and the metadata (title, date, URL); selectolax walks
the page for headings, paragraphs and list items, keeping those that belong to the main content.

Why both: trafilatura is good at telling an article from navigation, cookie banners, share links and footers,
but its text output loses the structure (which line is a heading, what number an `<ol start=5>` item shows);
selectolax keeps the structure. Nothing is executed or fetched: both only parse the bytes (no html2text: GPL).
"""
from __future__ import annotations

import re
from pathlib import Path

from index.readers import Block, DocumentText, UnreadableError

BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "dd", "dt", "td", "th",
              "figcaption")
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "nav", "footer", "header", "aside",
             "form", "button", "select", "object", "embed", "canvas", "dialog")
# class/id words of boilerplate that trafilatura may let through
_BOILERPLATE = re.compile(r"cookie|consent|gdpr|banner|share|social|newsletter|breadcrumb|skip-link|sr-only|"
                          r"navbox|mw-editsection|reference|reflist|refbegin|catlinks|printfooter|infobox|hatnote|mw-jump|"
                          r"sidebar|related|comment", re.I)
_WORDS = re.compile(r"[^\w]+")
# Footnote and citation markers ("[5]", "[a]", "[citation needed]"): trafilatura keeps them in its text while the
# boilerplate filter drops the `<sup class="reference">` they come from, so they are left out of both sides of the
# comparison (else every Wikipedia paragraph with a citation would look like it is not in the main content).
_MARKERS = re.compile(r"\[[^\[\]\n]{1,40}\]")


def _squash(text: str) -> str:
    """Letters and digits only, lower case, without footnote markers: trafilatura and selectolax space text around
    links differently, and only trafilatura keeps the markers."""
    return _WORDS.sub("", _MARKERS.sub("", text)).lower()


def _text(node) -> str:
    return re.sub(r"\s+", " ", node.text(separator="", deep=True)).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _ol_number(li) -> int | None:
    """The number an item of an ordered list shows: `<ol start=5>` and `<li value=9>` respected."""
    parent = li.parent
    if parent is None or parent.tag != "ol":
        return None
    try:
        number = int(parent.attributes.get("start") or 1)
    except ValueError:
        number = 1
    for sibling in parent.iter():
        if sibling.tag != "li":
            continue
        value = sibling.attributes.get("value")
        if value and value.strip().lstrip("-").isdigit():
            number = int(value)
        if sibling.mem_id == li.mem_id:
            return number
        number += 1
    return None


def _own_text(node) -> str:
    """A list item's own words, without the paragraphs and lists nested in it."""
    parts = []
    for child in node.iter(include_text=True):
        if child.tag in BLOCK_TAGS or child.tag in ("ul", "ol", "div", "table"):
            continue
        parts.append(child.text(deep=True, separator="") if child.tag != "-text" else child.text())
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _has_block_child(node) -> bool:
    return any(child.tag in BLOCK_TAGS or child.tag in ("ul", "ol", "div", "table") for child in node.iter())


def read_html(path: Path) -> DocumentText:
    """Read a saved web page into heading and paragraph blocks of its main content."""
    import trafilatura
    from lxml import etree
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    html = _decode(Path(path).read_bytes())
    try:
        meta = trafilatura.extract_metadata(html)
        main = trafilatura.extract(html, include_comments=False, include_tables=True, include_links=False,
                                   include_images=False, favor_recall=True, with_metadata=False) or ""
    except (ValueError, TypeError, AttributeError, etree.Error) as e:  # markup trafilatura cannot parse
        raise UnreadableError(f"{path.name}: the web page could not be parsed ({e}), not read; "
                              "save it again as HTML") from e
    main_lines = {_squash(line.lstrip("-*• ")) for line in main.splitlines() if line.strip()}
    main_all = _squash(main)
    tree = HTMLParser(html)
    page_title = _text(tree.css_first("title")) if tree.css_first("title") else ""
    for tag in DROP_TAGS:
        for node in tree.css(tag):
            node.decompose()
    for node in tree.css("[class], [id], [role]"):
        marker = " ".join(filter(None, (node.attributes.get("class"), node.attributes.get("id"),
                                        node.attributes.get("role"))))
        if _BOILERPLATE.search(marker) or node.attributes.get("role") in ("navigation", "banner", "contentinfo"):
            if node.tag not in ("html", "body", "main", "article"):
                node.decompose()
    for br in tree.css("br"):
        br.replace_with(" ")
    body = tree.body or tree.root
    blocks: list[Block] = []
    seen: set[str] = set()
    for node in body.traverse(include_text=False) if body is not None else ():
        if node.tag not in BLOCK_TAGS:
            continue
        if node.tag in ("li", "blockquote", "td", "th", "dd") and _has_block_child(node):
            text = _own_text(node)  # its nested paragraphs and lists are visited themselves
        else:
            text = _text(node)
        key = _squash(text)
        if not key or key in seen:
            continue
        heading = node.tag[0] == "h" and node.tag[1:].isdigit()
        if heading:
            if key not in main_lines:
                continue
        elif main_all and (key not in main_all or (len(text.split()) < 3 and key not in main_lines)):
            continue  # not in the main content (without any, as in a bare fragment, every block counts)
        seen.add(key)
        if node.tag == "li":
            number = _ol_number(node)
            if number is not None:
                text = f"{number}. {text}"  # what the reader sees; the corpus decides whether it is a label
        blocks.append(Block(text, kind="heading" if heading else "body"))
    title = (getattr(meta, "title", None) or page_title or "").strip()
    if blocks and blocks[0].kind == "heading" and (not title or _squash(blocks[0].text) in _squash(title)):
        title = title or blocks[0].text
        blocks = blocks[1:]
    if not any(b.kind == "body" for b in blocks):
        raise UnreadableError(f"{path.name}: no main text found in the web page, not read; "
                              "save the article itself (not a menu or search page)")
    return DocumentText(blocks, title=title or path.stem, dateline=getattr(meta, "date", None) or "",
                        source_url=getattr(meta, "url", None) or "", kind="html")
