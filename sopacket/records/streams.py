"""Make each stream that travels into a packet plain data: nothing a viewer would run or
parse with a risky decoder, and no private values in the stream dictionaries (which PDF
encryption leaves readable: only strings and stream data are encrypted).

Run in the capped child on the new file of a record (see :mod:`sopacket.records.sanitise`):

- PostScript XObjects (``/Subtype /PS``, and forms marked ``/Subtype2 /PS``) become empty
  forms: a page that drew one draws nothing there.
- JBIG2 images (with or without ``/JBIG2Globals``) are decoded here with the jbig2dec
  program and stored again losslessly (Flate, or CCITT Group 4 where that is smaller), so
  no viewer parses JBIG2 data from an unknown source. A JBIG2 stream whose page or regions
  declare more pixels than :data:`~sopacket.records.limits.PIXEL_LIMIT` is refused before
  it is decoded.
- A JPEG image whose own header disagrees with its dictionary (size or colour components)
  is refused; so is one whose header declares more pixels than the limit.
- Font programs lose what lies past their real end: Type 1 past its declared lengths
  (and its zeros-and-``cleartomark`` trailer), TrueType and OpenType past the end of their
  last table. CFF programs (``/FontFile3`` other than OpenType) are left as they are.
- Every stream dictionary keeps only the keys the PDF specification defines for its kind
  (ICC profiles, patterns, shadings, functions, CMaps, halftones, font files and the rest);
  filter parameters keep only the filters' own keys.
- Separation and DeviceN colourant names other than the process colours become neutral
  (``/Spot1``, ``/Spot2``...): on screen a spot colour is drawn through its alternate space,
  so the page looks the same, and a name like ``/Jane#20Doe`` does not travel.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from ..errors import Refusal
from .limits import PIXEL_LIMIT, STREAM_LIMIT
from .objects import FLATE, decoded_size, filters

POSTSCRIPT = "PostScript code"
"""How the build summary names PostScript XObjects removed from a record."""

JBIG2DEC_SECONDS = 120
"""Longest one JBIG2 image may take to decode (the child's own time limit also applies)."""
JBIG2DEC_MEMORY = 512 * 1024 * 1024
"""jbig2dec's own memory limit (``-M``), within the child's memory cap."""

_COMMON = {"/Length", "/Filter", "/DecodeParms", "/DL"}
_KEYS: dict[str, set[str]] = {
    "font1": _COMMON | {"/Length1", "/Length2", "/Length3"},
    "font2": _COMMON | {"/Length1"},
    "font3": _COMMON | {"/Subtype"},
    "icc": _COMMON | {"/N", "/Alternate", "/Range"},
    "pattern": _COMMON | {
        "/Type", "/PatternType", "/PaintType", "/TilingType", "/BBox", "/XStep", "/YStep",
        "/Resources", "/Matrix",
    },
    "shading": _COMMON | {
        "/ShadingType", "/ColorSpace", "/Background", "/BBox", "/AntiAlias",
        "/BitsPerCoordinate", "/BitsPerComponent", "/BitsPerFlag", "/Decode", "/Function",
        "/VerticesPerRow",
    },
    "function": _COMMON | {
        "/FunctionType", "/Domain", "/Range", "/Size", "/BitsPerSample", "/Order", "/Encode",
        "/Decode",
    },
    "cmap": _COMMON | {"/Type", "/CMapName", "/CIDSystemInfo", "/WMode", "/UseCMap"},
    "halftone": _COMMON | {
        "/Type", "/HalftoneType", "/Width", "/Height", "/Width2", "/Height2",
        "/TransferFunction",
    },
    "plain": _COMMON,  # content, glyph procedures, CMaps without /Type, JBIG2 globals...
}  # fmt: skip
_NAME_VALUES = {
    "/Type", "/Subtype", "/Filter", "/ColorSpace", "/Intent", "/Alternate", "/CMapName",
    "/UseCMap",
}  # fmt: skip
"""Keys whose value may be a name; a name under any other key is not data that draws."""
_INTENTS = {"/AbsoluteColorimetric", "/RelativeColorimetric", "/Saturation", "/Perceptual"}
_PARMS = {
    "/Predictor", "/Colors", "/BitsPerComponent", "/Columns", "/EarlyChange", "/K",
    "/EndOfLine", "/EncodedByteAlign", "/Rows", "/EndOfBlock", "/BlackIs1",
    "/DamagedRowsBeforeError", "/JBIG2Globals", "/ColorTransform",
}  # fmt: skip
_FONT_FILES = {"/FontFile": "font1", "/FontFile2": "font2", "/FontFile3": "font3"}
_PROCESS = {"/Cyan", "/Magenta", "/Yellow", "/Black", "/All", "/None"}
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def clean_streams(out: Any) -> set[str]:
    """Clean every stream of the new file ``out`` (see the module's description); the
    kinds of active content removed, in plain words (for the build summary)."""
    import pikepdf

    roles: dict[tuple[int, int], str] = {}
    spots: dict[str, pikepdf.Name] = {}
    streams = []
    for obj in _everything(out):
        if isinstance(obj, pikepdf.Array):
            _array(obj, roles, spots)
            continue
        if isinstance(obj, pikepdf.Stream):
            streams.append(obj)
        for key in obj.keys() & _FONT_FILES.keys():
            font = obj.get(key)
            if isinstance(font, pikepdf.Stream):
                roles[font.objgen] = _FONT_FILES[key]
    removed: set[str] = set()
    for stream in streams:
        if _stream(stream, roles.get(stream.objgen)):
            removed.add(POSTSCRIPT)
    return removed


def _everything(out: Any) -> Any:
    """Every dictionary and stream in ``out``, indirect or nested directly, and every
    array that starts with a name (as colour spaces do; arrays of numbers or references,
    such as glyph widths and page lists, are not looked into)."""
    import pikepdf

    for top in out.objects:
        if not isinstance(top, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array):
            continue
        stack = [top]
        while stack:
            obj = stack.pop()
            if isinstance(obj, pikepdf.Array):
                if not len(obj) or not isinstance(obj[0], pikepdf.Name):
                    continue
                values: Any = obj
            else:
                values = obj.values()
            yield obj
            for value in values:
                if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
                    stack.append(value)


def _array(arr: Any, roles: dict[tuple[int, int], str], spots: dict[str, Any]) -> None:
    """An ICC profile's role noted; spot colourant names made neutral."""
    import pikepdf

    if len(arr) < 2 or not isinstance(arr[0], pikepdf.Name):
        return
    kind = str(arr[0])
    if kind == "/ICCBased" and isinstance(arr[1], pikepdf.Stream):
        roles[arr[1].objgen] = "icc"
    elif kind == "/Separation" and len(arr) >= 4 and isinstance(arr[1], pikepdf.Name):
        arr[1] = _spot(arr[1], spots)
    elif kind == "/DeviceN" and len(arr) >= 4 and isinstance(arr[1], pikepdf.Array):
        names = arr[1]
        for i, name in enumerate(list(names)):
            if isinstance(name, pikepdf.Name):
                names[i] = _spot(name, spots)
        if len(arr) >= 5 and isinstance(arr[4], pikepdf.Dictionary):
            _devicen_attributes(arr[4], spots)


def _spot(name: Any, spots: dict[str, Any]) -> Any:
    import pikepdf

    key = str(name)
    if key in _PROCESS:
        return name
    if key not in spots:
        spots[key] = pikepdf.Name(f"/Spot{len(spots) + 1}")
    return spots[key]


def _devicen_attributes(attrs: Any, spots: dict[str, Any]) -> None:
    """A DeviceN space's attributes keep what draws (colourants, process space), renamed."""
    import pikepdf

    for key in list(attrs.keys()):
        if key not in ("/Subtype", "/Colorants", "/Process"):
            del attrs[key]
    colorants = attrs.get("/Colorants")
    if isinstance(colorants, pikepdf.Dictionary):
        renamed = {str(_spot(pikepdf.Name(k), spots)): v for k, v in colorants.items()}
        attrs.Colorants = pikepdf.Dictionary(renamed)
    process = attrs.get("/Process")
    if isinstance(process, pikepdf.Dictionary):
        for key in list(process.keys()):
            if key not in ("/ColorSpace", "/Components"):
                del process[key]
        parts = process.get("/Components")
        if isinstance(parts, pikepdf.Array):
            for i, name in enumerate(list(parts)):
                if isinstance(name, pikepdf.Name):
                    parts[i] = _spot(name, spots)


def _stream(stream: Any, role: str | None) -> bool:
    """Clean one stream; True if it was PostScript (now an empty form)."""
    import pikepdf

    keys = stream.keys()  # a set: looking a missing key up in pikepdf costs more
    subtype = stream.get("/Subtype") if "/Subtype" in keys else None
    if subtype == pikepdf.Name.PS or (
        "/Subtype2" in keys and stream.get("/Subtype2") == pikepdf.Name.PS
    ):
        _empty_form(stream)
        return True
    if "/PS" in keys:
        del stream["/PS"]  # a form's PostScript alternative
    if "/DecodeParms" in keys:
        _clean_parms(stream)
    if subtype == pikepdf.Name.Image:
        _image(stream, keys)
        return False
    if subtype == pikepdf.Name.Form and (
        "/Type" not in keys or stream.get("/Type") == pikepdf.Name.XObject
    ):
        return False  # the sanitiser keeps a form's drawing keys
    role = role or _self_role(stream, keys)
    if role in ("font1", "font2", "font3"):
        _font_program(stream, role)
    _keep(stream, _KEYS[role])
    return False


def _self_role(stream: Any, keys: set[str]) -> str:
    """The kind of a stream that says what it is, or "plain"."""
    for key, role in (
        ("/PatternType", "pattern"),
        ("/ShadingType", "shading"),
        ("/FunctionType", "function"),
        ("/HalftoneType", "halftone"),
    ):
        if key in keys:
            return role
    if "/Type" in keys and str(stream.get("/Type")) == "/CMap":
        return "cmap"
    return "plain"


def _keep(stream: Any, keys: set[str]) -> None:
    import pikepdf

    for key in stream.keys():  # noqa: SIM118 - a copy: keys go while it runs
        if key not in keys or (
            key not in _NAME_VALUES and isinstance(stream.get(key), pikepdf.Name)
        ):
            del stream[key]


def _clean_parms(stream: Any) -> None:
    """Filter parameters keep only the filters' own keys."""
    import pikepdf

    parms = stream.get("/DecodeParms")
    for one in parms if isinstance(parms, pikepdf.Array) else [parms]:
        if isinstance(one, pikepdf.Dictionary):
            for key in list(one.keys()):
                if key not in _PARMS:
                    del one[key]


def _empty_form(stream: Any) -> None:
    import pikepdf

    _keep(stream, {"/Length"})
    stream.write(b"")
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Form
    stream.BBox = pikepdf.Array([0, 0, 0, 0])


# --- images ---------------------------------------------------------------------------


def _image(image: Any, keys: set[str]) -> None:
    if "/Intent" in keys and str(image.get("/Intent")) not in _INTENTS:
        del image["/Intent"]
    names = filters(image)
    if "/JBIG2Decode" in names:
        _jbig2(image, names)
    elif names and names[-1] == "/DCTDecode":
        _check_jpeg(image, names)


def _size(image: Any) -> tuple[int, int]:
    try:
        return int(image.get("/Width", 0)), int(image.get("/Height", 0))
    except (TypeError, ValueError):
        return 0, 0


def _over_limit(pixels: int) -> Refusal:
    return Refusal(
        f"it contains an image of {pixels // 1_000_000} megapixels (the limit is "
        f"{PIXEL_LIMIT // 1_000_000})",
        "Scan or export it again at a lower resolution (300 dpi is plenty).",
    )


def _check_jpeg(image: Any, names: list[str]) -> None:
    """A JPEG's own header must say what its dictionary says: the same size and number
    of colour components. Only the header is read (no pixel is decoded here)."""
    if not all(f in FLATE for f in names[:-1]):
        return  # an unusual chain: readers that cannot undo it show nothing
    try:
        data = _inflate_all(image.read_raw_bytes(), len(names) - 1)
    except Refusal:
        return  # damaged compressed data: nothing is drawn
    frame = jpeg_frame(data)
    if frame is None:
        return  # not a JPEG a reader can show: nothing is drawn
    width, height, components = frame
    if width * height > PIXEL_LIMIT:
        raise _over_limit(width * height)
    expected = _components(image)
    if (width, height) != _size(image) or (expected and components != expected):
        raise Refusal(
            f"it contains a JPEG image whose own header ({width}×{height} pixels, "
            f"{components} colour components) disagrees with what the PDF says of it "
            "(a damaged or hostile file)",
            "Print it to a new PDF or export it again, then build again.",
        )


def jpeg_frame(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, components) from a JPEG's frame header (SOF), or None."""
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1  # fill byte
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if marker in (0xD9, 0xDA):
            return None  # no frame header before the image data
        if marker in _SOF:
            if i + 10 > len(data):
                return None
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height, data[i + 9]
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def _components(image: Any) -> int:
    """Colour components the image's colour space has; 0 when it cannot be told."""
    import pikepdf

    if image.get("/ImageMask", False):
        return 1
    space = image.get("/ColorSpace")
    if isinstance(space, pikepdf.Array) and len(space) == 1:
        space = space[0]
    if isinstance(space, pikepdf.Name):
        return {"/DeviceGray": 1, "/DeviceRGB": 3, "/DeviceCMYK": 4}.get(str(space), 0)
    if not isinstance(space, pikepdf.Array) or not len(space):
        return 0
    kind = str(space[0])
    if kind in ("/CalGray", "/Separation", "/Indexed"):
        return 1
    if kind in ("/CalRGB", "/Lab"):
        return 3
    if kind == "/DeviceN" and len(space) > 1 and isinstance(space[1], pikepdf.Array):
        return len(space[1])
    if kind == "/ICCBased" and len(space) > 1 and isinstance(space[1], pikepdf.Stream):
        try:
            return int(space[1].get("/N", 0))
        except (TypeError, ValueError):
            return 0
    return 0


# --- JBIG2 ------------------------------------------------------------------------------

JBIG2_MISSING = Refusal(
    "this record holds JBIG2 images, which sopacket can only make safe with the jbig2dec program",
    "Install jbig2dec (Debian/Ubuntu: apt-get install jbig2dec, macOS: brew install "
    "jbig2dec), then build again.",
)


def _jbig2_unreadable(why: str) -> Refusal:
    return Refusal(
        f"it contains a JBIG2 image that cannot be decoded ({why})",
        "Print it to a new PDF or scan it again, then build again.",
    )


def _jbig2(image: Any, names: list[str]) -> None:
    """Decode a JBIG2 image here and store its pixels again, losslessly."""
    import pikepdf

    from .recompress import _to_group4

    width, height = _size(image)
    if width <= 0 or height <= 0:
        raise _jbig2_unreadable("it has no size")
    if width * height > PIXEL_LIMIT:
        raise _over_limit(width * height)
    if names[-1] != "/JBIG2Decode" or not all(f in FLATE for f in names[:-1]):
        raise _jbig2_unreadable("its filters are unusual")
    data = _inflate_all(image.read_raw_bytes(), len(names) - 1)
    parms = image.get("/DecodeParms")
    if isinstance(parms, pikepdf.Array):
        parms = parms[len(names) - 1] if len(parms) >= len(names) else None
    globals_data = b""
    if isinstance(parms, pikepdf.Dictionary) and isinstance(
        parms.get("/JBIG2Globals"), pikepdf.Stream
    ):
        shared = parms.JBIG2Globals
        if decoded_size(shared, STREAM_LIMIT) > STREAM_LIMIT:
            raise _jbig2_unreadable("its shared data is too large")
        globals_data = shared.read_bytes()
    declared = max(jbig2_largest(globals_data), jbig2_largest(data))
    if declared > PIXEL_LIMIT:
        raise _over_limit(declared)
    pixels = _jbig2dec(data, globals_data, width, height)
    for key in ("/DecodeParms", "/Filter"):
        if key in image:
            del image[key]
    image.write(zlib.compress(pixels, 6), filter=pikepdf.Name.FlateDecode)
    image.BitsPerComponent = 1
    _to_group4(image)  # smaller still where CCITT Group 4 does it, checked pixel for pixel


def _inflate_all(raw: bytes, times: int) -> bytes:
    for _ in range(times):
        inflate = zlib.decompressobj()
        try:
            raw = inflate.decompress(raw, STREAM_LIMIT + 1)
        except zlib.error:
            raise _jbig2_unreadable("its compressed data is damaged") from None
        if len(raw) > STREAM_LIMIT:
            raise _jbig2_unreadable("it is too large")
    return raw


_REGIONS = {4, 6, 7, 20, 22, 23, 36, 38, 39, 40, 42, 43}
"""JBIG2 segment types that start with a region's size (text, halftone, generic, refinement)."""


def jbig2_largest(data: bytes) -> int:
    """The largest page or region (in pixels) the segments of an embedded JBIG2 stream
    declare, read from the segment headers only (0 when none is declared).
    A page of unknown height (striped) counts its width only."""
    largest, i = 0, 0
    while i + 11 <= len(data):
        flags = data[i + 4]
        kind = flags & 0x3F
        j = i + 5
        count = data[j] >> 5
        if count == 7:
            if j + 4 > len(data):
                break
            count = int.from_bytes(data[j : j + 4], "big") & 0x1FFFFFFF
            j += 4 + (count + 8) // 8
        else:
            j += 1
        number = int.from_bytes(data[i : i + 4], "big")
        j += count * (1 if number <= 256 else 2 if number <= 65536 else 4)
        j += 4 if flags & 0x40 else 1
        if j + 4 > len(data):
            break
        length = int.from_bytes(data[j : j + 4], "big")
        j += 4
        if (kind == 48 or kind in _REGIONS) and j + 8 <= len(data):
            w = int.from_bytes(data[j : j + 4], "big")
            h = int.from_bytes(data[j + 4 : j + 8], "big")
            largest = max(largest, w * (1 if h == 0xFFFFFFFF else h))
        if length == 0xFFFFFFFF:
            break  # a region of unknown length: the decoder's memory limit applies
        i = j + length
    return largest


def _jbig2dec(data: bytes, globals_data: bytes, width: int, height: int) -> bytes:
    """The image's samples as the JBIG2 filter gives them (1 bit a pixel, 0 for black,
    rows padded to a byte), decoded by jbig2dec through pipes (no temporary file holds
    the data). Raises a Refusal if jbig2dec is missing or cannot decode it."""
    import contextlib
    import os
    import shutil
    import subprocess
    import threading

    program = shutil.which("jbig2dec")
    if program is None:
        raise JBIG2_MISSING
    read_end, write_end = os.pipe()

    def feed() -> None:
        with contextlib.suppress(OSError), open(write_end, "wb") as pipe:
            pipe.write(globals_data)  # jbig2dec may stop reading early: not an error here

    args = [program, "-q", "-e", "-t", "pbm", "-o", "-", "-M", str(JBIG2DEC_MEMORY)]
    args += [f"/dev/fd/{read_end}", "/dev/fd/0"] if globals_data else ["/dev/fd/0"]
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        done = subprocess.run(
            args,
            input=data,
            capture_output=True,
            pass_fds=(read_end,),
            timeout=JBIG2DEC_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _jbig2_unreadable("it takes too long") from None
    except OSError:
        raise JBIG2_MISSING from None
    finally:
        os.close(read_end)
        writer.join(timeout=5)
    return _from_pbm(done.stdout, width, height)


def _from_pbm(pbm: bytes, width: int, height: int) -> bytes:
    match = re.match(rb"P4\s+(\d+)\s+(\d+)\s", pbm)
    if match is None:
        raise _jbig2_unreadable("jbig2dec gave no image")
    size = (int(match.group(1)), int(match.group(2)))
    samples = pbm[match.end() :]
    if size != (width, height) or len(samples) != (width + 7) // 8 * height:
        raise _jbig2_unreadable(
            f"its data holds {size[0]}×{size[1]} pixels where the PDF says {width}×{height}"
        )
    return samples.translate(_INVERT)  # PBM: 1 is black; the JBIG2 filter gives 0


_INVERT = bytes(255 - b for b in range(256))


# --- fonts ------------------------------------------------------------------------------


def _font_program(stream: Any, role: str) -> None:
    """Cut what lies past a font program's real end (see the module's description)."""
    import pikepdf

    if decoded_size(stream, STREAM_LIMIT) > STREAM_LIMIT:
        return  # the sanitiser refuses it
    try:
        data = stream.read_bytes()
    except pikepdf.PdfError:
        return
    if role == "font1":
        cut, lengths = _type1_end(stream, data)
    elif role == "font2" or stream.get("/Subtype") == pikepdf.Name.OpenType:
        cut, lengths = _sfnt_end(data), {}
    else:
        return  # CFF: left as it is (its end is not declared anywhere simple)
    if cut is None or cut >= len(data):
        return
    stream.write(zlib.compress(data[:cut], 6), filter=pikepdf.Name.FlateDecode)
    if "/DecodeParms" in stream:
        del stream["/DecodeParms"]
    if role == "font2":
        lengths = {"/Length1": cut}
    for key, value in lengths.items():
        stream[key] = value


def _declared(stream: Any, key: str) -> int:
    try:
        return int(stream.get(key, -1))
    except (TypeError, ValueError):
        return -1


_TRAILER = re.compile(rb"[\x000\s]*cleartomark(\s*\{restore\}if)?[ \t]*[\r\n]{0,2}")


def _type1_end(stream: Any, data: bytes) -> tuple[int | None, dict[str, int]]:
    """Where a Type 1 program ends: its clear and encrypted parts (Length1, Length2),
    then its trailer of zeros and ``cleartomark``. Without usable lengths: just after the
    last ``cleartomark``."""
    l1, l2 = _declared(stream, "/Length1"), _declared(stream, "/Length2")
    if data[:2] == b"\x80\x01":
        return None, {}  # PFB segments: lengths mean something else; left as it is
    if l1 > 0 and l2 >= 0 and l1 + l2 <= len(data) and b"eexec" in data[max(0, l1 - 32) : l1]:
        match = _TRAILER.match(data, l1 + l2)
        end = match.end() if match else l1 + l2
        return end, {"/Length1": l1, "/Length2": l2, "/Length3": end - l1 - l2}
    last = data.rfind(b"cleartomark")
    if last < 0:
        return None, {}
    match = _TRAILER.match(data, last)
    return (match.end() if match else None), {}


def _sfnt_end(data: bytes) -> int | None:
    """The end of a TrueType or OpenType program's last table (padded to 4 bytes)."""
    if len(data) < 12 or data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true", b"typ1"):
        return None
    count = int.from_bytes(data[4:6], "big")
    if count == 0 or 12 + 16 * count > len(data):
        return None
    end = 12 + 16 * count
    for n in range(count):
        record = data[12 + 16 * n : 28 + 16 * n]
        offset = int.from_bytes(record[8:12], "big")
        length = int.from_bytes(record[12:16], "big")
        end = max(end, offset + length)
    if end > len(data):
        return None  # tables past the data: not ours to mend
    return min((end + 3) // 4 * 4, len(data))
