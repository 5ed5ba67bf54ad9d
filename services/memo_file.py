"""A memo's PDF itself: making it inert before it is forwarded."""

import io
from typing import Any

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# What can act rather than print: actions of every kind (JavaScript, launch, links out, form
# submission), page/document/field triggers, scripts, embedded and related files, XFA forms.
_ACTIVE_KEYS = {"/A", "/AA", "/OpenAction", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/RF", "/AF", "/XFA", "/URI"}
_ACTIVE_ANNOTS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}


def inert(data: bytes) -> bytes:
    """The PDF with every page as it prints and nothing that can act when opened or clicked.

    The memo travels under the State's letterhead, so nothing of it may run, launch, open a link
    or carry a file. Every object reachable from the document is cleaned, not just known places.
    """
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    for obj in _every_dictionary(writer.root_object):
        for key in _ACTIVE_KEYS.intersection(obj.keys()):
            del obj[key]
        annots = obj.get("/Annots")
        if isinstance(annots, list):
            obj[NameObject("/Annots")] = ArrayObject(a for a in annots if not _plays_or_carries(a))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _plays_or_carries(annot: Any) -> bool:
    """An annotation that plays media or carries a file. A damaged one is left in place: appending
    the memo at upload then refuses the file, as it did before the memo was made inert."""
    annot = annot.get_object()
    return isinstance(annot, DictionaryObject) and annot.get("/Subtype") in _ACTIVE_ANNOTS


def _every_dictionary(root: DictionaryObject) -> list[DictionaryObject]:
    """Every dictionary reachable from `root`, each once (streams included: they are dictionaries too)."""
    found: list[DictionaryObject] = []
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            obj = obj.get_object()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, DictionaryObject):
            found.append(obj)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return found
