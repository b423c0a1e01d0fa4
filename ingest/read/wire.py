"""Agency wire formats: IPTC NewsML-G2 (newsMessage or newsItem) and NITF, parsed with lxml.

Each text item becomes one record: headline, subheadline, body paragraphs in document order,
dateline place, publish and version times as the item states them (offsets kept), language,
provider or credit as the outlet, and the item's GUID as its id, so that a later version of an
item replaces the earlier one. Pictures, graphics and other non-text items are reported and
skipped. The XML's own encoding declaration is honoured (NITF is often ISO-8859-1); no DTD,
external entity or network access is ever used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from app.errors import SourceError
from ingest.read.readers import Record

G2 = "http://iptc.org/std/nar/2006-10-01/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Elements whose text is a paragraph of the body (local names, lower case; TT's own markup too).
_BLOCKS = {"p", "li", "h2", "h3", "h4", "h5", "h6", "hl2", "citat", "mellis", "blockquote", "pre"}
# Subtrees that are not body text: page furniture, captions, bylines, media, embedded data.
_SKIP = {"header", "head", "body.head", "body.end", "bild", "byline", "dat", "media", "figure",
         "figcaption", "table", "script", "style", "rubrik", "tagline", "object", "img"}
_TEXT_TYPES = ("application/xhtml+xml", "application/xhtml+html", "text/html", "application/nitf+xml",
               "application/ttnitf+xml")
# "København /ritzau/: ..." (Ritzau, NTB) opens a lead with its place and agency.
_SLASH_DATELINE = re.compile(r"^(?P<place>[A-ZÆØÅÄÖÜ][\w .'-]{1,40}?)\s*/(?P<agency>[\w -]{2,20})/\s*:\s")


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def parse_xml(data: bytes, where: str):
    """The root element; ``SourceError`` when the bytes are not XML. A file without an encoding
    declaration that is not UTF-8 is read as Windows-1252 (a superset of ISO-8859-1)."""
    from lxml import etree

    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        if "encoding" not in str(err).lower() and "utf-8" not in str(err).lower():
            raise SourceError(where, f"not well-formed XML ({err})") from None
    try:
        return etree.fromstring(data.decode("cp1252", errors="replace").encode("utf-8"), _parser())
    except (etree.XMLSyntaxError, ValueError) as err:
        raise SourceError(where, f"not well-formed XML ({err})") from None


def local(node) -> str:
    tag = node.tag if isinstance(node.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _first(node, *names: str):
    """The first descendant whose local name is one of ``names`` (in that order of preference)."""
    for name in names:
        for found in node.iter():
            if local(found) == name:
                return found
    return None


def _text(node) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""


def wire_kind(root) -> str:
    """"newsml" or "nitf" for a wire document's root element, "" for anything else."""
    name = local(root)
    if name in ("newsmessage", "newsitem", "packageitem", "conceptitem"):
        return "newsml"
    return "nitf" if name == "nitf" else ""


def read_wire(path: Path, data: bytes, root) -> Iterator[Record | SourceError]:
    if wire_kind(root) == "nitf":
        yield _nitf_record(path, root, str(path))
        return
    items = [root] if local(root) != "newsmessage" else [n for n in root.iter() if local(n).endswith("item")]
    if not items:
        yield SourceError(str(path), "the newsMessage holds no items")
    for n, item in enumerate(items, 1):
        where = f"{path} item {n}" if len(items) > 1 else str(path)
        yield _g2_record(path, item, where)


def _g2_record(path: Path, item, where: str) -> Record | SourceError:
    if local(item) != "newsitem":
        return SourceError(where, f"skipped: a {item.tag.rsplit('}', 1)[-1]}, not a news item with text")
    meta = item.find(f"{{{G2}}}itemMeta")
    content = item.find(f"{{{G2}}}contentMeta")
    item_class = _first(meta, "itemclass") if meta is not None else None
    kind = (item_class.get("qcode", "") if item_class is not None else "").split(":")[-1]
    if kind and kind != "text":
        return SourceError(where, f"skipped: a {kind} item ({item_class.get('qcode')}), not text")
    if meta is None or content is None:
        return SourceError(where, "a newsItem without itemMeta or contentMeta")
    body, lead_place = _g2_body(item, where)
    if isinstance(body, SourceError):
        return body
    headlines = sorted(content.findall(f"{{{G2}}}headline"), key=lambda h: int(h.get("rank") or 1))
    title = _text(headlines[0]) if headlines else _text(meta.find(f"{{{G2}}}title"))
    subtitle = next((_text(h) for h in headlines[1:] if _text(h) and _text(h) != title), "")
    byline = _text(content.find(f"{{{G2}}}by"))
    paragraphs = [p for p in body if p != byline and p != title]
    provider = meta.find(f"{{{G2}}}provider")
    outlet = (_text(content.find(f"{{{G2}}}creditline")) or _name(provider)
              or _text(_first(item, "copyrightholder")) or (provider.get("literal", "") if provider is not None else ""))
    lang_node = content.find(f"{{{G2}}}language")
    language = (lang_node.get("tag") if lang_node is not None else "") or item.get(XML_LANG, "")
    version_created = _text(meta.find(f"{{{G2}}}versionCreated"))
    published = (_text(meta.find(f"{{{G2}}}firstCreated")) or _text(content.find(f"{{{G2}}}contentCreated"))
                 or version_created)
    guid = item.get("guid", "")
    return Record({
        "id": guid, "title": title, "text": "\n\n".join(([subtitle] if subtitle else []) + paragraphs),
        "published": published, "source": outlet, "author": byline, "language": _language(language),
        "place": lead_place or _dateline_place(_text(content.find(f"{{{G2}}}dateline")))
                 or _name(content.find(f"{{{G2}}}located")),
        "category": ", ".join(_name(s) for s in content.findall(f"{{{G2}}}subject") if s.get("type") == "dpatype:category"),
        "_version": item.get("version", ""), "_version_created": version_created, "_subtitle": subtitle,
        "_filename": path.name,
    }, where)


def _name(node) -> str:
    if node is None:
        return ""
    name = node.find(f"{{{G2}}}name")
    return _text(name) if name is not None else node.get("literal", "")


def _g2_body(item, where: str):
    """The body paragraphs of the item's best text rendition, and a place from TT's DAT."""
    content_set = item.find(f"{{{G2}}}contentSet")
    if content_set is None:
        return SourceError(where, "skipped: the item has no content (no contentSet)"), ""
    inline = [n for n in content_set if local(n) == "inlinexml"]
    for node in inline:
        if (node.get("contenttype") or "").lower() in _TEXT_TYPES:
            source = _first(node, "source")
            place = _text(source).split(",")[0].strip() if source is not None else ""
            paragraphs = list(_paragraphs(node))
            if paragraphs:
                return paragraphs, place
    for node in content_set:
        if local(node) == "inlinedata" and (node.get("contenttype") or "text/plain") == "text/plain" \
                and (node.get("rendition") or "").split(":")[-1] in ("", "text"):
            paragraphs = [" ".join(line.split()) for line in (node.text or "").split("\n\n") if line.strip()]
            if paragraphs:
                return paragraphs, ""
    refs = [n.get("contenttype", "?") for n in content_set if local(n) == "remotecontent"]
    what = f"only remote content ({', '.join(refs)})" if refs else "no text rendition"
    return SourceError(where, f"skipped: the item has {what}"), ""


def _paragraphs(node) -> Iterator[str]:
    """The text of each block element in document order; a block holding blocks is walked into."""
    for child in node:
        name = local(child)
        if not name or name in _SKIP:
            continue
        if (child.get("class") or "") in ("byline", "genre", "slugline"):
            continue
        if name in _BLOCKS and not any(local(d) in _BLOCKS for d in child.iterdescendants()):
            text = _text(child)
            if text and text.strip("_*-– ") and not _is_placeholder(text):
                yield text
        else:
            yield from _paragraphs(child)


def _is_placeholder(text: str) -> bool:
    """Lines the desk leaves for itself: "[ GRAFIKK/VIDEO MANGLER ]", "BILDE: http://...", "/ritzau/"."""
    return bool(re.fullmatch(r"\[[^\]]*\]|/\w+/|BILDE:.*|Embed \(.*\):?|<div .*", text))


def _dateline_place(text: str) -> str:
    """The place of a dateline element: "New York (dpa) - ", "FORT WASHINGTON, Pa.", "Oslo"; not
    Reuters' timestamps ("2014-07-16 15:53:10 GMT+00:00")."""
    place = re.sub(r"\s*(?:\([^()]*\))?\s*[-–—]*\s*$", "", text.strip())
    return place if place and len(place) <= 40 and not any(c.isdigit() for c in place) else ""


def _language(tag: str) -> str:
    """A BCP 47 or ISO 639-2 tag as a two-letter code ("en-US" -> "en", "swe" -> "sv")."""
    code = tag.lower().split("-")[0].split("_")[0]
    return {"swe": "sv", "nor": "no", "nob": "nb", "nno": "nn", "dan": "da", "deu": "de", "ger": "de",
            "eng": "en", "fra": "fr", "fre": "fr", "fin": "fi"}.get(code, code[:2])


_SCANDINAVIAN = {"da", "no", "nb", "nn", "sv"}


def _nitf_language(declared: str, lead: str) -> str:
    """The declared language, unless it is Scandinavian and the text is in another Scandinavian
    language: NTB stamps "no-NO" on every item it relays, the Danish (Ritzau) and Swedish (TT)
    ones included. The body itself decides between those close languages."""
    from app.text.language import detect_language

    if declared not in _SCANDINAVIAN or not lead:
        return declared
    found = detect_language(lead)
    same = {declared, found} <= {"no", "nb", "nn"}
    return found if found in _SCANDINAVIAN and not same else declared


def _nitf_record(path: Path, root, where: str) -> Record | SourceError:
    content = _first(root, "body.content")
    if content is None:
        return SourceError(where, "an NITF document without body.content")
    paragraphs = list(_paragraphs(content))
    if not paragraphs:
        return SourceError(where, "the NITF body holds no text")
    head = _first(root, "body.head")
    title = _text(_first(head, "hl1")) if head is not None else ""
    title = title or _text(_first(root, "title"))
    subtitle = _text(_first(head, "hl2")) if head is not None else ""
    subtitle = "" if subtitle == title else subtitle
    metas = {m.get("name"): m.get("content", "") for m in root.iter() if local(m) == "meta"}
    lead = _SLASH_DATELINE.match(paragraphs[0])
    first_body = paragraphs[0][lead.end():] if lead else paragraphs[0]
    title = _complete_title(title, first_body)
    dateline = _first(head, "dateline") if head is not None else None
    located = _first(dateline, "location") if dateline is not None else None
    place = lead["place"] if lead else _dateline_place(_text(located if located is not None else dateline))
    doc_id = _first(root, "doc-id")
    identity = (doc_id.get("id-string") if doc_id is not None else "") or metas.get("NTBID", "")
    issue = _first(root, "date.issue")
    pubdata = _first(root, "pubdata")
    published = (pubdata.get("date.publication", "") if pubdata is not None else "") or \
                (issue.get("norm", "") if issue is not None else "")
    body = _first(root, "body")
    declared = _language(root.get("baselang") or (body.get(XML_LANG, "") if body is not None else ""))
    distributor = _text(_first(head, "distributor")) if head is not None else ""
    copyright_ = _first(root, "doc.copyright")
    outlet = metas.get("NTBKilde") or distributor or (copyright_.get("holder", "") if copyright_ is not None else "")
    du_key = _first(root, "du-key")
    return Record({
        "id": identity, "title": title, "text": "\n\n".join(([subtitle] if subtitle else []) + paragraphs),
        "published": _nitf_time(published), "source": outlet, "place": place,
        "author": _text(_first(head, "byline")) if head is not None else "",
        "language": _nitf_language(declared, first_body),
        "_version": du_key.get("version", "") if du_key is not None else "", "_subtitle": subtitle,
        "_filename": path.name,
    }, where)


def _complete_title(title: str, lead: str) -> str:
    """A headline the desk cut off mid-word from the lead ("*En 41-årig mand, ... i forbindel")
    is replaced by the lead's first sentence."""
    stem = title.lstrip("*").strip()
    if not stem or not lead.startswith(stem) or len(lead) == len(stem):
        return title.strip()
    sentence = re.split(r"(?<=[.!?])\s", lead, maxsplit=1)[0]
    return sentence if len(sentence) <= 160 else sentence[:160].rsplit(" ", 1)[0] + " …"


def _nitf_time(value: str) -> str:
    """NITF's compact ISO 8601 ("20151210T191044Z", "20200907T144527") spelt out."""
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})?", value.strip())
    if not match:
        return value.strip()
    y, mo, d, h, mi, s, zone = match.groups()
    zone = "+00:00" if zone == "Z" else f"{zone[:3]}:{zone[3:]}" if zone else ""
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}{zone}"
