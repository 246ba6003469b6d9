"""Shipping labels as real files: PDF (reportlab), PNG (Pillow) or ZPL II text, 4x6 inches by
default, with a scannable Code 128 barcode.

A label is what is printed on it (`LabelContent`: a title band, the ship-from and ship-to
blocks, labelled fields and the barcode's value) and how (`LabelSpec`: format, size, DPI).
The layout is the same in every format: FROM at the top, the carrier and service in a bold
band, SHIP TO in large type, the fields, then the barcode across the width with its value
written under it. Buy Shipping labels (tracking id) and FBA box labels (box id) both use it.

Rendering is deterministic: the same content and spec give the same bytes (the PDF carries
no creation date or random document id), so a label is re-rendered from its record on every
read instead of being stored.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFont
from reportlab import rl_config
from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

Format = Literal["PDF", "PNG", "ZPL"]
FORMATS: tuple[Format, ...] = ("PDF", "PNG", "ZPL")
MEDIA_TYPES: dict[str, str] = {"PDF": "application/pdf", "PNG": "image/png",
                               "ZPL": "application/zpl"}
POINTS = 72.0  # PDF units per inch
# Compressed page streams as binary, not ASCII85: smaller labels, and a fifth of the time.
rl_config.useA85 = 0
# Code 128's quiet zone: at least ten modules of white on each side of the bars.
QUIET_MODULES = 10


class LabelError(ValueError):
    """A label that cannot be drawn (an unknown format, a size or DPI out of range)."""


@dataclass(frozen=True)
class LabelSpec:
    format: Format = "PDF"
    width_in: float = 4.0
    height_in: float = 6.0
    dpi: int = 203  # PNG pixels and ZPL dots per inch (PDF is vector: DPI does not apply)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise LabelError(f"unknown label format {self.format!r}; one of {FORMATS}")
        if not (1 <= self.width_in <= 12 and 1 <= self.height_in <= 12):
            raise LabelError("a label is 1 to 12 inches on each side")
        if not 72 <= self.dpi <= 600:
            raise LabelError("a label's DPI is 72 to 600")

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


@dataclass(frozen=True)
class LabelContent:
    title: str  # the band's text: carrier and service ("UPS® Ground"), or "FBA"
    ship_from: Sequence[str]  # address lines
    ship_to: Sequence[str]
    barcode: str  # the Code 128 value: a tracking id, an FBA box id
    fields: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (name, value) lines
    caption: str | None = None  # written under the barcode (default: the barcode's value)

    def __post_init__(self) -> None:
        # Tuples, so that a content is hashable and its layout computed once.
        object.__setattr__(self, "ship_from", tuple(self.ship_from))
        object.__setattr__(self, "ship_to", tuple(self.ship_to))
        object.__setattr__(self, "fields", tuple(tuple(f) for f in self.fields))


def render(content: LabelContent, spec: LabelSpec) -> bytes:
    """The label file's bytes."""
    if not content.barcode or not all(32 <= ord(c) < 127 for c in content.barcode):
        raise LabelError("a Code 128 barcode value is printable ASCII, at least one character")
    if spec.format == "PDF":
        return _pdf(content, spec)
    if spec.format == "PNG":
        return _png(content, spec)
    return _zpl(content, spec).encode("utf-8")


# -- layout: where things go, in inches from the top-left corner -------------------------------

@dataclass(frozen=True)
class _Line:
    text: str
    x: float
    y: float  # the top of the text
    size: float  # type size, inches
    bold: bool = False


@dataclass(frozen=True)
class _Layout:
    lines: tuple[_Line, ...]
    rules: tuple[tuple[float, float, float], ...]  # horizontal rules: (y, x0, x1)
    barcode_top: float
    barcode_height: float
    caption: _Line


def _fit(text: str, size: float, room: float) -> str:
    """`text` cut (with an ellipsis) to about what `room` inches hold at `size`: the same cut
    in every format, so a PDF and a PNG of one label say the same."""
    most = max(4, int(room / (size * 0.55)))
    return text if len(text) <= most else text[:most - 1] + "…"


@lru_cache(maxsize=256)
def _layout(content: LabelContent, width: float, height: float) -> _Layout:
    margin = 0.15
    room = width - 2 * margin
    lines: list[_Line] = []
    rules: list[tuple[float, float, float]] = []
    y = margin
    small, body, big = 0.11, 0.14, 0.19
    lines.append(_Line("FROM:", margin, y, small, True))
    y += small * 1.3
    for text in list(content.ship_from)[:4]:
        lines.append(_Line(_fit(text, small, room), margin, y, small))
        y += small * 1.25
    y += 0.05
    rules.append((y, margin, width - margin))
    y += 0.08
    lines.append(_Line(_fit(content.title, big, room), margin, y, big, True))
    y += big * 1.3
    rules.append((y, margin, width - margin))
    y += 0.1
    lines.append(_Line("SHIP TO:", margin, y, small, True))
    y += small * 1.4
    for text in list(content.ship_to)[:5]:
        lines.append(_Line(_fit(text, big, room - 0.2), margin + 0.2, y, big, True))
        y += big * 1.25
    y += 0.05
    rules.append((y, margin, width - margin))
    y += 0.08
    for name, value in list(content.fields)[:6]:
        lines.append(_Line(_fit(f"{name}: {value}", body, room), margin, y, body))
        y += body * 1.3
    barcode_height = min(1.2, max(0.5, height - y - 0.75))
    barcode_top = max(y + 0.1, height - margin - 0.3 - barcode_height)
    caption = _Line(_fit(content.caption or content.barcode, body, room),
                    width / 2, barcode_top + barcode_height + 0.06, body, True)
    return _Layout(tuple(lines), tuple(rules), barcode_top, barcode_height, caption)


@lru_cache(maxsize=1024)
def _modules(value: str) -> tuple[tuple[bool, int], ...]:
    """The barcode as (is a bar, width in modules) runs, Code 128 with its check symbol; the
    symbol sets are chosen by reportlab (set C for runs of digits)."""
    code = Code128(value, barWidth=1, quiet=False)
    code.validate()
    code.encode()
    code.decompose()
    return tuple((letter.isupper(), ord(letter.upper()) - ord("A") + 1)
                 for letter in code.decomposed)


@lru_cache(maxsize=1024)
def _span(value: str) -> int:
    """The barcode's width in modules, quiet zones left out."""
    return sum(width for _, width in _modules(value))


def _module_width(value: str, room: float, dot: float) -> float:
    """The width of one module in inches: as wide as fits in `room` with the quiet zones,
    a whole number of printer dots (a scanner needs even bars), at least two."""
    dots = max(2, int(room / dot / (_span(value) + 2 * QUIET_MODULES)))
    return dots * dot


# -- PDF -----------------------------------------------------------------------------------------

_CJK_FONT = "HeiseiKakuGo-W5"


def _font(text: str, bold: bool) -> str:
    if any(ord(c) > 0x2FFF for c in text):  # Japanese and Chinese: a CID font Acrobat has
        if _CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(_CJK_FONT))
        return _CJK_FONT
    return "Helvetica-Bold" if bold else "Helvetica"


def _pdf(content: LabelContent, spec: LabelSpec) -> bytes:
    width, height = spec.width_in, spec.height_in
    layout = _layout(content, width, height)
    out = io.BytesIO()
    # invariant: no creation date and a fixed document id, so equal labels are equal bytes.
    page = canvas.Canvas(out, pagesize=(width * POINTS, height * POINTS), invariant=1,
                         pageCompression=1)
    page.setTitle(content.title)

    def top(y: float) -> float:  # inches from the top to PDF points from the bottom
        return (height - y) * POINTS

    text = page.beginText()  # every line in one text object: a shorter page stream
    for line in layout.lines:
        text.setFont(_font(line.text, line.bold), line.size * POINTS)
        text.setTextOrigin(line.x * POINTS, top(line.y + line.size * 0.8))
        text.textOut(line.text)
    page.drawText(text)
    page.setLineWidth(1.5)
    for y, x0, x1 in layout.rules:
        page.line(x0 * POINTS, top(y), x1 * POINTS, top(y))
    # Bars a whole number of 1/600-inch steps wide: what a 600 DPI rasterizer keeps even.
    module = _module_width(content.barcode, width - 0.3, 1 / 600)
    x = (width - _span(content.barcode) * module) / 2
    bottom, tall = top(layout.barcode_top + layout.barcode_height), layout.barcode_height
    bars = page.beginPath()  # every bar in one path: one fill, a short page stream
    for is_bar, widths in _modules(content.barcode):
        if is_bar:
            bars.rect(x * POINTS, bottom, widths * module * POINTS, tall * POINTS)
        x += widths * module
    page.drawPath(bars, stroke=0, fill=1)
    caption = layout.caption
    page.setFont(_font(caption.text, True), caption.size * POINTS)
    page.drawCentredString(caption.x * POINTS, top(caption.y + caption.size * 0.8),
                           caption.text)
    page.showPage()
    page.save()
    return out.getvalue()


# -- PNG -----------------------------------------------------------------------------------------

@cache
def _pil_font(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=pixels)


# Marks Pillow's bundled font has no glyph for (carriers write "UPS®"): left out of PNGs.
_NO_GLYPH = str.maketrans("", "", "®™©")


def _png(content: LabelContent, spec: LabelSpec) -> bytes:
    dpi = spec.dpi
    width, height = round(spec.width_in * dpi), round(spec.height_in * dpi)
    layout = _layout(content, spec.width_in, spec.height_in)
    image = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(image)
    for line in [*layout.lines, layout.caption]:
        size = max(8, round(line.size * dpi))
        anchor = "mt" if line is layout.caption else "lt"
        draw.text((round(line.x * dpi), round(line.y * dpi)), line.text.translate(_NO_GLYPH),
                  fill=0,
                  font=_pil_font(size), anchor=anchor, stroke_width=1 if line.bold else 0,
                  stroke_fill=0)
    for y, x0, x1 in layout.rules:
        draw.line([(round(x0 * dpi), round(y * dpi)), (round(x1 * dpi), round(y * dpi))],
                  fill=0, width=max(2, dpi // 100))
    module = round(_module_width(content.barcode, spec.width_in - 0.3, 1 / dpi) * dpi)
    bars = _modules(content.barcode)
    x = (width - _span(content.barcode) * module) // 2
    top, bottom = round(layout.barcode_top * dpi), round((layout.barcode_top
                                                          + layout.barcode_height) * dpi)
    for is_bar, widths in bars:
        if is_bar:
            draw.rectangle([x, top, x + widths * module - 1, bottom], fill=0)
        x += widths * module
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True, dpi=(dpi, dpi))
    return out.getvalue()


# -- ZPL II --------------------------------------------------------------------------------------

def _zpl_text(text: str) -> str:
    # ^FD ends at ^ or ~; with ^FH they are written as hexadecimal escapes.
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _zpl(content: LabelContent, spec: LabelSpec) -> str:
    dpi = spec.dpi
    layout = _layout(content, spec.width_in, spec.height_in)

    def dots(inches: float) -> int:
        return round(inches * dpi)

    commands = ["^XA", "^CI28", f"^PW{dots(spec.width_in)}", f"^LL{dots(spec.height_in)}"]
    for line in layout.lines:
        size = dots(line.size)
        commands.append(f"^FO{dots(line.x)},{dots(line.y)}^A0N,{size},{size}"
                        f"^FH^FD{_zpl_text(line.text)}^FS")
    for y, x0, x1 in layout.rules:
        commands.append(f"^FO{dots(x0)},{dots(y)}^GB{dots(x1 - x0)},{max(2, dpi // 100)},"
                        f"{max(2, dpi // 100)}^FS")
    module = max(1, round(_module_width(content.barcode, spec.width_in - 0.3, 1 / dpi) * dpi))
    bars = _span(content.barcode) * module
    caption = layout.caption
    size = dots(caption.size)
    commands += [
        # ^BC mode A: the printer picks the symbol sets, as reportlab does for the other formats.
        f"^FO{(dots(spec.width_in) - bars) // 2},{dots(layout.barcode_top)}^BY{module}"
        f"^BCN,{dots(layout.barcode_height)},N,N,N,A^FD{content.barcode}^FS",
        f"^FO0,{dots(caption.y)}^FB{dots(spec.width_in)},1,0,C^A0N,{size},{size}"
        f"^FH^FD{_zpl_text(caption.text)}^FS",
        "^XZ",
    ]
    return "\n".join(commands) + "\n"


# -- a carrier's collection form (manifest) --------------------------------------------------------

def manifest(title: str, heading: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """A US Letter PDF listing parcels for a carrier's driver, 50 rows a page: a title,
    heading lines (carrier, ship-from, date) and the table of rows."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(8.5 * POINTS, 11 * POINTS), invariant=1,
                         pageCompression=1)
    page.setTitle(title)
    chunks = [rows[i:i + 50] for i in range(0, len(rows), 50)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        y = 10.4 * POINTS
        page.setFont("Helvetica-Bold", 14)
        page.drawString(0.6 * POINTS, y, _fit(title, 0.2, 7.3))
        y -= 20
        page.setFont("Helvetica", 9)
        for line in [*heading, f"Page {number} of {len(chunks)}"]:
            page.drawString(0.6 * POINTS, y, _fit(line, 0.13, 7.3))
            y -= 12
        y -= 6
        for row in chunk:
            x = 0.6 * POINTS
            for cell, room in zip(row, (2.4, 2.2, 1.6, 1.2), strict=False):
                page.drawString(x, y, _fit(str(cell), 0.13, room))
                x += room * POINTS
            y -= 12
        page.showPage()
    page.save()
    return out.getvalue()
