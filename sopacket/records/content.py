"""One pass over the drawing instructions of a record's pages and forms (runs in the
capped child that cleans the record, see :mod:`sopacket.records.sanitise`).

Each content stream is parsed once (pikepdf/qpdf), and in that one pass:

- Layers (optional content) keep the record's default visibility: content marked as
  belonging to a layer that is off by default (``/OC /name BDC ... EMC``), forms and
  images whose ``/OC`` is hidden, and annotations on hidden layers are left out; visible
  layered content stays, and no ``/OC`` reference or layer list travels (the packet has
  no layers, so nothing can be switched on). A layer's default state comes from the
  document's default configuration (``/OCProperties /D``): its ``/BaseState`` (ON unless
  OFF; ``/Unchanged`` counts as ON), then its ``/ON`` and ``/OFF`` lists. Membership
  dictionaries follow their visibility expression (``/VE``) or else their policy (``/P``,
  AnyOn by default). Anything that cannot be read as a layer, a record with layer
  references but no layer list, a ``/Usage``-driven state (print-only watermarks) and
  intents are treated as visible: what a reader that ignores layers would show, so that
  no part of a record is lost on a guess. Inside hidden content the operators that only
  set the graphics state (``q``, ``Q``, ``cm``, colours, clipping paths, text position)
  are kept, as the PDF specification has readers do; everything that paints is not.
- Resource names (XObject, Font, ExtGState, ColorSpace, Pattern, Shading, Properties)
  become neutral sequential names (``/X0``, ``/F0``, ``/G0``...), and the content is
  rewritten to match: resource names are not encrypted in a PDF, and producers write
  names derived from the content (reportlab names each image by the MD5 of its pixels).
- Inline images (``BI ... ID ... EI``) are held to the same pixel limit as image
  XObjects, and their compressed data to the stream limit.
- The ``PS`` operator (PostScript for a printer, ignored by viewers) is removed.

Forms drawn by a form, tiling patterns and soft-mask groups get the same pass, each
stream once however often it is drawn. Type 3 font glyphs are not passed over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Refusal
from .limits import PIXEL_LIMIT, STREAM_LIMIT
from .objects import decoded_size

# Resource categories and the prefix of their neutral names.
_CATEGORIES = {
    "/XObject": "X",
    "/Font": "F",
    "/ExtGState": "G",
    "/ColorSpace": "C",
    "/Pattern": "P",
    "/Shading": "S",
    "/Properties": "M",
}
# Categories whose resources may hold drawing instructions of their own (forms, tiling
# patterns, soft masks).
_HOLDERS = frozenset(["/XObject", "/Pattern", "/ExtGState"])
# Names with a meaning of their own in a colour space dictionary: kept as they are.
_RESERVED = {"/DefaultGray", "/DefaultRGB", "/DefaultCMYK"}
# Operators whose first operand names a resource of a category.
_NAMED = {"Do": "/XObject", "Tf": "/Font", "gs": "/ExtGState", "cs": "/ColorSpace",
          "CS": "/ColorSpace", "sh": "/Shading"}  # fmt: skip
# Operators kept inside hidden content: they set the graphics state, paint nothing.
_STATE_OPS = frozenset(
    ["q", "Q", "cm", "w", "J", "j", "M", "d", "ri", "i", "gs",
     "CS", "cs", "SC", "SCN", "sc", "scn", "G", "g", "RG", "rg", "K", "k",
     "m", "l", "c", "v", "y", "h", "re", "W", "W*", "n",
     "BT", "ET", "Td", "TD", "Tm", "T*", "Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts", "BX", "EX"]
)  # fmt: skip
# Operators that name no resource: kept as they are outside hidden content.
_PLAIN_OPS = frozenset(
    ["q", "Q", "cm", "w", "J", "j", "M", "d", "ri", "i", "SC", "sc", "G", "g", "RG", "rg",
     "K", "k", "m", "l", "c", "v", "y", "h", "re", "W", "W*", "n", "S", "s", "f", "F", "f*",
     "B", "B*", "b", "b*", "BT", "ET", "Td", "TD", "Tm", "T*", "Tc", "Tw", "Tz", "TL", "Tr",
     "Ts", "Tj", "TJ", "'", '"', "d0", "d1", "BX", "EX", "MP"]
)  # fmt: skip
_PAINT_OPS = frozenset(["S", "s", "f", "F", "f*", "B", "B*", "b", "b*"])
_IMAGE_FILTERS = {"/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode"}
_MAX_DEPTH = 32
"""Forms within forms followed at most this deep (deeper ones draw nothing)."""


# --- layers -----------------------------------------------------------------------------


class Layers:
    """The default visibility of a record's layers (optional content groups)."""

    def __init__(self, pdf: Any) -> None:
        import pikepdf

        self.on: set[tuple[int, int]] = set()
        self.off: set[tuple[int, int]] = set()
        self.base_on = True
        self._known: dict[tuple[int, int], bool] = {}
        self._budget = 100_000
        """Steps left to decide visibility: expressions sharing parts cannot take long."""
        self.any = False
        """The record has a layer list: without one, every layer counts as visible."""
        props = pdf.Root.get("/OCProperties")
        if not isinstance(props, pikepdf.Dictionary):
            return
        self.any = True
        config = props.get("/D")
        if not isinstance(config, pikepdf.Dictionary):
            return
        self.base_on = config.get("/BaseState") != pikepdf.Name.OFF
        for key, into in (("/ON", self.on), ("/OFF", self.off)):
            listed = config.get(key)
            if isinstance(listed, pikepdf.Array):
                into.update(g.objgen for g in listed if isinstance(g, pikepdf.Dictionary))

    def visible(self, oc: Any, depth: int = 0) -> bool:
        """Whether content whose ``/OC`` is ``oc`` (a group or membership dictionary) is
        shown by default."""
        import pikepdf

        self._budget -= 1
        if not self.any or not isinstance(oc, pikepdf.Dictionary) or depth > _MAX_DEPTH:
            return True
        if self._budget < 0:
            return True  # past the budget: visible, as for anything that cannot be read
        known = self._known.get(oc.objgen) if oc.is_indirect else None
        if known is None:
            known = self._decide(oc, depth)
            if oc.is_indirect:
                self._known[oc.objgen] = known
        return known

    def _decide(self, oc: Any, depth: int) -> bool:
        import pikepdf

        kind = oc.get("/Type")
        if kind == pikepdf.Name.OCMD:
            return self._membership(oc, depth)
        if kind != pikepdf.Name.OCG:
            return True
        # As readers apply a configuration: the base state, then the list saying otherwise.
        return oc.objgen not in self.off if self.base_on else oc.objgen in self.on

    def _membership(self, md: Any, depth: int) -> bool:
        import pikepdf

        ve = md.get("/VE")
        if isinstance(ve, pikepdf.Array) and len(ve):
            return self._expression(ve, depth + 1)
        groups = md.get("/OCGs")
        if isinstance(groups, pikepdf.Dictionary):
            groups = [groups]
        states = [
            self.visible(g, depth + 1)
            for g in (groups if isinstance(groups, pikepdf.Array | list) else [])
            if isinstance(g, pikepdf.Dictionary)
        ]
        if not states:
            return True  # a membership with no groups has no effect
        policy = str(md.get("/P", "/AnyOn"))
        return {
            "/AllOn": all(states),
            "/AnyOff": not all(states),
            "/AllOff": not any(states),
        }.get(policy, any(states))

    def _expression(self, ve: Any, depth: int) -> bool:
        import pikepdf

        self._budget -= 1
        if isinstance(ve, pikepdf.Dictionary):
            return self.visible(ve, depth)
        if not isinstance(ve, pikepdf.Array) or not len(ve) or depth > _MAX_DEPTH:
            return True
        if self._budget < 0:
            return True
        op, args = str(ve[0]), [self._expression(a, depth + 1) for a in list(ve)[1:]]
        if op == "/Not":
            return not args[0] if args else True
        if op == "/And":
            return all(args)
        if op == "/Or":
            return any(args) if args else True
        return True


def drop_hidden_annotations(pdf: Any, layers: Layers) -> bool:
    """Remove the annotations on hidden layers (before annotations are drawn into their
    pages). Returns whether any was removed."""
    import pikepdf

    dropped = False
    if not layers.any:
        return False
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = [
            a
            for a in annots
            if not isinstance(a, pikepdf.Dictionary) or layers.visible(a.get("/OC"))
        ]
        if len(kept) != len(annots):
            dropped = True
            page.obj.Annots = pikepdf.Array(kept)
    return dropped


# --- the pass -----------------------------------------------------------------------------


@dataclass
class ContentPass:
    """The pass over one record: each stream once, and what it found."""

    pdf: Any
    layers: Layers
    hidden_left_out: bool = False
    """Content hidden by default was left out."""
    postscript: bool = False
    """PostScript (the ``PS`` operator) was removed."""
    _done: set[tuple[int, int]] = field(default_factory=set)

    @classmethod
    def of(cls, pdf: Any) -> ContentPass:
        """The pass over ``pdf``, begun by removing its annotations on hidden layers: call
        it before annotations are drawn into their pages."""
        passing = cls(pdf, Layers(pdf))
        passing.hidden_left_out = drop_hidden_annotations(pdf, passing.layers)
        return passing

    def form(
        self, form: Any, data: bytes | None = None, depth: int = 0, inherited: Any = None
    ) -> None:
        """Pass over a form XObject (or tiling pattern): its drawing instructions (``data``
        when already decoded) and its resources, rewritten in place."""
        import pikepdf

        if form.is_indirect:
            if form.objgen in self._done:
                return
            self._done.add(form.objgen)
        if data is None:
            if decoded_size(form, STREAM_LIMIT) > STREAM_LIMIT:  # measured before it is read
                raise Refusal(
                    f"part of it expands to more than {STREAM_LIMIT // 2**20} MiB when opened "
                    "(a damaged or hostile file)",
                    "Ask its source for a new copy, or print it to a new PDF.",
                )
            try:
                data = form.read_bytes()
            except pikepdf.PdfError:
                data = b""
        # A form without resources of its own uses those of what draws it (older files).
        resources = form.get("/Resources", inherited)
        new, names = self._resources(resources, depth)
        form.write(self._rewrite(data, names, resources))
        form.Resources = self.pdf.make_indirect(new)

    def page(self, page: Any) -> None:
        """Pass over a page drawn by its own contents (an image record's page)."""
        import pikepdf

        resources = page.obj.get("/Resources")
        new, names = self._resources(resources, 0)
        data = page.obj.Contents.read_bytes() if "/Contents" in page.obj else b""
        if isinstance(page.obj.get("/Contents"), pikepdf.Array):
            data = b"\n".join(s.read_bytes() for s in page.obj.Contents)
        page.obj.Contents = self.pdf.make_stream(self._rewrite(data, names, resources))
        page.obj.Resources = self.pdf.make_indirect(new)

    def _resources(
        self, resources: Any, depth: int
    ) -> tuple[Any, dict[str, dict[str, tuple[str, Any]]]]:
        """New resources under neutral names, and the renaming of each category. The
        streams they hold (forms, patterns, soft masks) are passed over in turn."""
        import pikepdf

        new = pikepdf.Dictionary()
        names: dict[str, dict[str, tuple[str, Any]]] = {}
        if not isinstance(resources, pikepdf.Dictionary):
            return new, names
        if "/ProcSet" in resources:
            new.ProcSet = resources.ProcSet
        for category, prefix in _CATEGORIES.items():
            entries = resources.get(category)
            if not isinstance(entries, pikepdf.Dictionary):
                continue
            renamed: dict[str, tuple[str, Any]] = {}
            out = pikepdf.Dictionary()
            for n, (key, value) in enumerate(entries.items()):
                if category == "/Properties" and _is_layer(value):
                    renamed[key] = (key, value)  # the marks using it are rewritten; not kept
                    continue
                name = key if category == "/ColorSpace" and key in _RESERVED else f"/{prefix}{n}"
                renamed[key] = (name, value)
                out[name] = value
                if depth < _MAX_DEPTH and category in _HOLDERS:
                    self._nested(category, value, depth + 1, resources)
            names[category] = renamed
            if len(out):
                new[category] = out
        return new, names

    def _nested(self, category: str, value: Any, depth: int, inherited: Any) -> None:
        import pikepdf

        if category in ("/XObject", "/Pattern") and isinstance(value, pikepdf.Stream):
            if value.get("/Subtype") == pikepdf.Name.Form or value.get("/PatternType") == 1:
                self.form(value, None, depth, inherited)
        elif category == "/ExtGState" and isinstance(value, pikepdf.Dictionary):
            mask = value.get("/SMask")
            group = mask.get("/G") if isinstance(mask, pikepdf.Dictionary) else None
            if isinstance(group, pikepdf.Stream):
                self.form(group, None, depth, inherited)

    def _rewrite(
        self, data: bytes, names: dict[str, dict[str, tuple[str, Any]]], resources: Any
    ) -> bytes:
        """The drawing instructions with neutral names, hidden content left out, inline
        images measured and PostScript removed."""
        import pikepdf

        if not data.strip():
            return data
        try:
            instructions = pikepdf.parse_content_stream(self.pdf.make_stream(data))
        except pikepdf.PdfError:
            return b""  # drawing instructions that cannot be read draw nothing
        out = _Writer(self, names)
        out.run(instructions)
        return pikepdf.unparse_content_stream(out.kept)


def _is_layer(value: Any) -> bool:
    import pikepdf

    return isinstance(value, pikepdf.Dictionary) and value.get("/Type") in (
        pikepdf.Name.OCG,
        pikepdf.Name.OCMD,
    )


class _Writer:
    """The instructions kept of one stream, as they are read."""

    def __init__(self, passing: ContentPass, names: dict[str, dict[str, tuple[str, Any]]]) -> None:
        self.passing = passing
        self.names = names
        self.kept: list[Any] = []
        self.marks: list[tuple[bool, bool]] = []
        """Open marked content: (its markers were left out, it is hidden)."""
        self.hidden = 0

    def _lookup(self, category: str, name: Any) -> tuple[Any, Any]:
        """The neutral name and the resource of ``name`` (as it was if not a resource)."""
        return self.names.get(category, {}).get(str(name), (name, None))

    def run(self, instructions: Any) -> None:
        """Keep each instruction as it is, rewritten, or not at all."""
        kept, plain = self.kept, _PLAIN_OPS
        for ins in instructions:
            if not self.hidden and str(ins.operator) in plain:
                kept.append(ins)  # most instructions: nothing to rename, nothing to hide
            else:
                self.add(ins)

    def add(self, ins: Any) -> None:
        import pikepdf

        if isinstance(ins, pikepdf.ContentStreamInlineImage):
            self._inline(ins)
            return
        op = str(ins.operator)
        operands = list(ins.operands)
        if op in ("BMC", "BDC", "EMC"):
            self._mark(op, operands)
            return
        if self.hidden:
            self._hidden(op, operands)
            return
        if op == "PS":
            self.passing.postscript = True
            return
        if op in _NAMED and operands and isinstance(operands[0], pikepdf.Name):
            name, resource = self._lookup(_NAMED[op], operands[0])
            hidden = isinstance(resource, pikepdf.Stream) and not self.passing.layers.visible(
                resource.get("/OC")
            )
            if op == "Do" and hidden:
                self.passing.hidden_left_out = True
                return
            operands[0] = pikepdf.Name(name)
        elif op in ("scn", "SCN") and operands and isinstance(operands[-1], pikepdf.Name):
            operands[-1] = pikepdf.Name(self._lookup("/Pattern", operands[-1])[0])
        elif op == "DP" and len(operands) == 2 and isinstance(operands[1], pikepdf.Name):
            operands[1] = pikepdf.Name(self._lookup("/Properties", operands[1])[0])
        self.kept.append(pikepdf.ContentStreamInstruction(operands, ins.operator))

    def _mark(self, op: str, operands: list[Any]) -> None:
        import pikepdf

        if op == "EMC":
            if not self.marks:
                return  # an end without a beginning
            left_out, hidden = self.marks.pop()
            self.hidden -= hidden
            if not left_out:
                self.kept.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")))
            return
        hidden = layer = False
        if op == "BDC" and len(operands) == 2 and operands[0] == pikepdf.Name.OC:
            props = operands[1]
            if isinstance(props, pikepdf.Name):
                props = self._lookup("/Properties", props)[1]
            hidden = not self.passing.layers.visible(props)
            layer = True  # shown or not, the mark goes with the layer it named
        elif op == "BDC" and len(operands) == 2 and isinstance(operands[1], pikepdf.Name):
            operands = [operands[0], pikepdf.Name(self._lookup("/Properties", operands[1])[0])]
        left_out = bool(self.hidden) or layer
        self.marks.append((left_out, hidden))
        self.hidden += hidden
        if hidden:
            self.passing.hidden_left_out = True
        if not left_out:
            self.kept.append(pikepdf.ContentStreamInstruction(operands, pikepdf.Operator(op)))

    def _hidden(self, op: str, operands: list[Any]) -> None:
        """Inside hidden content: what sets the graphics state stays, nothing paints."""
        import pikepdf

        if op in _PAINT_OPS:
            op, operands = "n", []  # the path ends (and clips) unpainted
        elif op == "'":
            op, operands = "T*", []
        elif op == '"' and len(operands) == 3:
            for value, spacing in ((operands[0], "Tw"), (operands[1], "Tc")):
                self.kept.append(
                    pikepdf.ContentStreamInstruction([value], pikepdf.Operator(spacing))
                )
            op, operands = "T*", []
        if op not in _STATE_OPS:
            return
        if op in _NAMED and operands and isinstance(operands[0], pikepdf.Name):
            operands[0] = pikepdf.Name(self._lookup(_NAMED[op], operands[0])[0])
        elif op in ("scn", "SCN") and operands and isinstance(operands[-1], pikepdf.Name):
            operands[-1] = pikepdf.Name(self._lookup("/Pattern", operands[-1])[0])
        self.kept.append(pikepdf.ContentStreamInstruction(operands, pikepdf.Operator(op)))

    def _inline(self, ins: Any) -> None:
        import pikepdf

        image = ins.iimage
        check_inline(image, self.passing.pdf)
        if self.hidden:
            return
        tokens = list(image._image_object)
        changed = False
        for n in range(len(tokens) - 1):
            if tokens[n] in (pikepdf.Name("/CS"), pikepdf.Name.ColorSpace) and isinstance(
                tokens[n + 1], pikepdf.Name
            ):
                name = self._lookup("/ColorSpace", tokens[n + 1])[0]
                if str(name) != str(tokens[n + 1]):
                    tokens[n + 1] = pikepdf.Name(name)
                    changed = True
        if changed:
            image = pikepdf.PdfInlineImage(image_data=image._data, image_object=tuple(tokens))
            ins = ([image], pikepdf.Operator("INLINE IMAGE"))  # as unparse takes it
        self.kept.append(ins)


def check_inline(image: Any, pdf: Any) -> None:
    """Refuse an inline image over the pixel limit, or whose data expands past the stream
    limit: the same limits as image XObjects."""
    try:
        width, height = int(image.obj.get("/Width", 0)), int(image.obj.get("/Height", 0))
    except (TypeError, ValueError):
        width = height = 0
    pixels = width * height
    if pixels > PIXEL_LIMIT:
        raise image_too_large(pixels)
    import pikepdf

    found = image.obj.get("/Filter")
    names = [
        str(f) for f in (found if isinstance(found, pikepdf.Array) else [found] if found else [])
    ]
    if names and not set(names) & _IMAGE_FILTERS:
        data = pdf.make_stream(image.read_raw_bytes())
        data.Filter = pikepdf.Array([pikepdf.Name(n) for n in names])
        if decoded_size(data, STREAM_LIMIT) > STREAM_LIMIT:
            raise Refusal(
                f"an image in it expands to more than {STREAM_LIMIT // 2**20} MiB when "
                "opened (a damaged or hostile file)",
                "Ask its source for a new copy, or print it to a new PDF.",
            )


def image_too_large(pixels: int) -> Refusal:
    """The refusal of a record holding an image of ``pixels`` (over the pixel limit)."""
    return Refusal(
        f"it contains an image of {pixels // 1_000_000} megapixels (the limit is "
        f"{PIXEL_LIMIT // 1_000_000})",
        "Scan or export it again at a lower resolution (300 dpi is plenty).",
    )


def neutral_pdf(data: bytes) -> bytes:
    """``data`` (a PDF sopacket drew, such as an image record) with neutral resource
    names on each page."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        passing = ContentPass.of(pdf)
        for page in pdf.pages:
            passing.page(page)
        buf = io.BytesIO()
        pdf.save(buf, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return buf.getvalue()


_REPORTLAB_FORM = "/FormXob."


def own_form_names(pdf: Any) -> None:
    """Pages sopacket drew itself (the bands), with reportlab's "FormXob." prefix taken
    off the names of their forms, which sopacket chose (reportlab puts it before every
    form's name). Only for pages whose own content names no image and holds no text but
    page numbers: the content is rewritten by replacing the prefix, without a parse (this
    runs in the packet's own process, for every page of the packet)."""
    import pikepdf

    prefix = _REPORTLAB_FORM.encode()
    for page in pdf.pages:
        xobjects = page.obj.get("/Resources", {}).get("/XObject")
        if not isinstance(xobjects, pikepdf.Dictionary):
            continue
        keys = [k for k in xobjects.keys() if k.startswith(_REPORTLAB_FORM)]  # noqa: SIM118
        if not keys:
            continue
        renamed = pikepdf.Dictionary(
            {("/" + k[len(_REPORTLAB_FORM) :] if k in keys else k): v for k, v in xobjects.items()}
        )
        page.obj.Resources.XObject = renamed
        page.obj.Contents = pdf.make_stream(page.obj.Contents.read_bytes().replace(prefix, b"/"))
