"""Fonts for the packet's own pages: text in any script, rendered as written.

The main font is Roboto (static TrueType, from the ``font-roboto`` package), which covers
Latin with accents, Greek and Cyrillic on any machine. For other scripts (Chinese,
Japanese, Korean, Arabic, Hebrew, Devanagari...) sopacket looks for TrueType fonts that the
system has installed (see the README for the packages) and switches to one of them for
each run of characters the main font lacks. A character no font can draw is reported as a
warning, never drawn silently as an empty box.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

REPLACEMENT = "\ufffd"
"""Drawn in place of a character no installed font has (Roboto has this one)."""
REGULAR = "SopSans"
BOLD = "SopSans-Bold"

# System fonts tried, in order, for characters Roboto lacks. Only TrueType outlines work
# with reportlab (CFF-based OpenType, such as Debian's Noto CJK, does not).
FALLBACK_FILES = (
    "truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback: CJK
    "truetype/noto/NotoSansArabic-Regular.ttf",  # fonts-noto-core
    "truetype/noto/NotoSansHebrew-Regular.ttf",
    "truetype/noto/NotoSansDevanagari-Regular.ttf",
    "truetype/noto/NotoSansThai-Regular.ttf",
    "truetype/noto/NotoSansArmenian-Regular.ttf",
    "truetype/noto/NotoSansGeorgian-Regular.ttf",
    "truetype/noto/NotoSansSymbols2-Regular.ttf",
    "truetype/dejavu/DejaVuSans.ttf",  # fonts-dejavu-core: broad symbol coverage
    "truetype/wqy/wqy-zenhei.ttc",
)
FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts/Supplemental",
    "C:/Windows/Fonts",
)


@dataclass
class FontSet:
    """The registered fonts, and the characters no font could draw."""

    fallbacks: list[tuple[str, frozenset[int]]] = field(default_factory=list)
    """Fallback fonts read so far: (reportlab name, characters it has)."""
    main_chars: frozenset[int] = frozenset()
    missing: set[str] = field(default_factory=set)
    pending: list[tuple[str, str]] = field(default_factory=list)
    """Fallback fonts not read yet: (reportlab name, file relative to a font folder)."""

    def fresh(self) -> FontSet:
        """The same fonts with an empty list of missing characters (one per build)."""
        return FontSet(self.fallbacks, self.main_chars, set(), self.pending)

    def markup(self, text: str, bold: bool = False) -> str:
        """``text`` escaped for a reportlab Paragraph, with font switches where needed."""
        text = visual_order(text)
        out: list[str] = []
        run: list[str] = []
        run_font: str | None = None

        def flush() -> None:
            if run:
                chunk = escape("".join(run)).replace("\n", "<br/>")
                out.append(f'<font face="{run_font}">{chunk}</font>' if run_font else chunk)
                run.clear()

        for ch in text:
            font = self._font_for(ch)
            if font is None and ch in self.missing:
                ch = REPLACEMENT  # visible, rather than silently dropped by the renderer
            if font != run_font:
                flush()
                run_font = font
            run.append(ch)
        flush()
        return "".join(out)

    def _font_for(self, ch: str) -> str | None:
        code = ord(ch)
        if code in self.main_chars or ch in "\n\t\r" or code < 32:
            return None
        for name, chars in self.fallbacks:
            if code in chars:
                return name
        while self.pending:  # read the next fallback font, shared by every later build
            loaded = _load_fallback(*self.pending.pop(0))
            if loaded is not None:
                self.fallbacks.append(loaded)
                if code in loaded[1]:
                    return loaded[0]
        if not ch.isspace():
            self.missing.add(ch)
        return None


_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def visual_order(text: str) -> str:
    """Right-to-left scripts (Arabic, Hebrew...) in the order they are drawn, letters joined.

    PDF text is drawn left to right; like other PDF producers, sopacket stores right-to-left
    runs in visual order (PDF readers reverse them again when text is copied or extracted),
    and Arabic letters in their joined presentation forms.
    """
    if not _RTL.search(text):
        return text
    import arabic_reshaper
    from bidi import get_display

    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


def _font_file(relative: str) -> Path | None:
    for folder in FONT_DIRS:
        path = Path(os.path.expanduser(folder)) / relative
        if path.is_file():
            return path
        flat = Path(os.path.expanduser(folder)) / Path(relative).name
        if flat.is_file():
            return flat
    return None


def _roboto(name: str) -> str:
    from importlib.resources import files

    return str(files("font_roboto").joinpath("files", f"Roboto-{name}.ttf"))


@lru_cache(maxsize=1)
def load() -> FontSet:
    """Register the main fonts with reportlab (once per process).

    Fallback fonts are large (a CJK font is several megabytes): each is read only when a
    character first needs it.
    """
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular = TTFont(REGULAR, _roboto("Regular"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, _roboto("Bold")))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    pending = [(f"SopFallback{n}", rel) for n, rel in enumerate(FALLBACK_FILES)]
    return FontSet(main_chars=frozenset(regular.face.charToGlyph), pending=pending)


def _load_fallback(name: str, relative: str) -> tuple[str, frozenset[int]] | None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = _font_file(relative)
    if path is None:
        return None
    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except Exception:  # a font reportlab cannot use (e.g. CFF outlines): skip it
        return None
    pdfmetrics.registerFont(font)
    return name, frozenset(font.face.charToGlyph)
