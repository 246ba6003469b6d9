"""FBA box and pallet labels as a PDF (reportlab), laid out per Amazon's PageType: each label
carries the FBA box id as a Code 128 barcode, the ship-from and fulfillment-center addresses,
the box's number and contents, and, where a partnered carrier moves it, the carrier's
tracking barcode; 2D-barcode labels add a QR code of the box's contents in Amazon's
`AMZN,PO:…,FNSKU:…,QTY:…` form.

PDFs are written in reportlab's invariant mode (no creation date or random id), so the same
labels give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch

if TYPE_CHECKING:  # the drawing modules are imported with the first labels made, not at start
    from reportlab.pdfgen import canvas

THERMAL = (4 * inch, 6 * inch)
# PageType -> (page size, columns, rows): how many labels a sheet holds.
LAYOUTS: dict[str, tuple[tuple[float, float], int, int]] = {
    "PackageLabel_Letter_2": (LETTER, 1, 2),
    "PackageLabel_Letter_4": (LETTER, 2, 2),
    "PackageLabel_Letter_6": (LETTER, 2, 3),
    "PackageLabel_Letter_6_CarrierLeft": (LETTER, 2, 3),
    "PackageLabel_A4_2": (A4, 1, 2),
    "PackageLabel_A4_4": (A4, 2, 2),
    "PackageLabel_Plain_Paper": (LETTER, 1, 1),
    "PackageLabel_Plain_Paper_CarrierBottom": (LETTER, 1, 1),
    "PackageLabel_Thermal": (THERMAL, 1, 1),
    "PackageLabel_Thermal_Unified": (THERMAL, 1, 1),
    "PackageLabel_Thermal_NonPCP": (THERMAL, 1, 1),
    "PackageLabel_Thermal_No_Carrier_Rotation": (THERMAL, 1, 1),
}
MARGIN = 0.25 * inch


@dataclass(frozen=True)
class BoxLabel:
    barcode: str  # the box (FBA…U000001) or pallet id, printed as Code 128
    shipment_id: str  # the shipment confirmation id (FBA…)
    shipment_name: str
    ship_from: list[str]
    ship_to: list[str]
    number: int  # box (or pallet) n of count
    count: int
    created: str  # YYYY-MM-DD
    contents: list[tuple[str, str, int]] = field(default_factory=list)  # (msku, fnsku, units)
    weight: str = ""
    carrier: str | None = None
    tracking: str | None = None  # the carrier's tracking number, a second barcode
    pallet: bool = False
    two_d: bool = False  # add the 2D barcode of the contents

    def content_code(self) -> str:
        """The 2D barcode's text: Amazon's box content format."""
        parts = [f"AMZN,PO:{self.shipment_id}"]
        parts += [f"FNSKU:{fnsku},QTY:{units}" for _, fnsku, units in self.contents]
        return ",".join(parts)


def render(labels: list[BoxLabel], page_type: str) -> bytes:
    """The labels, as many per sheet as the page type holds, as PDF bytes."""
    from reportlab.pdfgen import canvas

    page, columns, rows = LAYOUTS[page_type]
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=page, invariant=1)
    pdf.setTitle("FBA box labels")
    width, height = page
    cell_w = (width - 2 * MARGIN) / columns
    cell_h = (height - 2 * MARGIN) / rows
    per_page = columns * rows
    for index, label in enumerate(labels):
        slot = index % per_page
        if index and slot == 0:
            pdf.showPage()
        column, row = slot % columns, slot // columns
        x = MARGIN + column * cell_w
        y = height - MARGIN - (row + 1) * cell_h
        _draw(pdf, label, x, y, cell_w, cell_h)
    if not labels:
        pdf.drawString(MARGIN, height - MARGIN - 12, "No labels.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _barcode(pdf: canvas.Canvas, value: str, x: float, y: float, width: float,
             height: float) -> float:
    """A Code 128 barcode of `value` centred in `width`, its text under it; returns its
    height with the text."""
    from reportlab.graphics.barcode import code128

    probe = code128.Code128(value, barWidth=1.0, barHeight=height, quiet=True)
    bar_width = min(1.5, max(0.6, width / probe.width))
    symbol = code128.Code128(value, barWidth=bar_width, barHeight=height, quiet=True)
    symbol.drawOn(pdf, x + (width - symbol.width) / 2, y + 10)
    pdf.setFont("Helvetica", 8)
    pdf.drawCentredString(x + width / 2, y, value)
    return height + 12


def _draw(pdf: canvas.Canvas, label: BoxLabel, x: float, y: float, width: float,
          height: float) -> None:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode import qr
    from reportlab.graphics.shapes import Drawing

    pad = 8.0
    inner = width - 2 * pad
    pdf.setLineWidth(1)
    pdf.rect(x + 2, y + 2, width - 4, height - 4)
    scale = min(1.0, height / (5.5 * inch))  # small cells get smaller print
    top = y + height - pad
    pdf.setFont("Helvetica-Bold", 22 * scale + 6)
    pdf.drawString(x + pad, top - 22 * scale - 4, "FBA")
    pdf.setFont("Helvetica", 7 * scale + 2)
    kind = "PALLET" if label.pallet else "BOX"
    pdf.drawRightString(x + width - pad, top - 10, f"{kind} {label.number} of {label.count}")
    pdf.drawRightString(x + width - pad, top - 20, f"Created: {label.created}")
    line = top - 22 * scale - 16
    column = inner / 2
    for title, lines, left in (("SHIP FROM:", label.ship_from, x + pad),
                               ("SHIP TO:", label.ship_to, x + pad + column)):
        pdf.setFont("Helvetica-Bold", 6 * scale + 2)
        pdf.drawString(left, line, title)
        pdf.setFont("Helvetica", 6 * scale + 2)
        for offset, text in enumerate(lines[:6], 1):
            pdf.drawString(left, line - offset * (7 * scale + 3), text[:48])
    line -= 7 * (7 * scale + 3) + 6
    bar = max(24.0, 60 * scale)
    line -= bar + 12
    _barcode(pdf, label.barcode, x + pad, line, inner, bar)
    pdf.setFont("Helvetica-Bold", 6 * scale + 2)
    line -= 10
    pdf.drawCentredString(x + width / 2, line, "PLEASE LEAVE THIS LABEL UNCOVERED")
    pdf.setFont("Helvetica", 6 * scale + 2)
    line -= 9 * scale + 3
    pdf.drawString(x + pad, line, label.shipment_name[:60])
    if label.contents:
        line -= 9 * scale + 3
        if len(label.contents) == 1:
            msku, _, units = label.contents[0]
            text = f"Single SKU: {msku}   Qty {units}"
        else:
            text = f"Mixed SKUs ({len(label.contents)})   Qty {sum(u for *_, u in label.contents)}"
        pdf.drawString(x + pad, line, text[:70])
    if label.weight:
        line -= 9 * scale + 3
        pdf.drawString(x + pad, line, f"Weight: {label.weight}")
    if label.two_d and label.contents:
        size = min(1.4 * inch * scale + 20, (line - y) - pad)
        if size > 30:
            widget = qr.QrCodeWidget(label.content_code())
            left, bottom, right, upper = widget.getBounds()
            drawing = Drawing(size, size, transform=[size / (right - left), 0, 0,
                                                     size / (upper - bottom), 0, 0])
            drawing.add(widget)
            renderPDF.draw(drawing, pdf, x + width - pad - size, y + pad)
    if label.tracking:
        carrier_bar = max(20.0, 36 * scale)
        pdf.setFont("Helvetica", 6 * scale + 2)
        pdf.drawString(x + pad, y + pad + carrier_bar + 14, f"{label.carrier or 'Carrier'} "
                       "tracking")
        _barcode(pdf, label.tracking, x + pad, y + pad, inner * (0.6 if label.two_d else 1),
                 carrier_bar)
