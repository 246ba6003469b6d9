"""Label files (emulator/business/labels.py) open in the programs that read them: the PDF
parses and rasterizes at 4x6 inches, the PNG decodes at 4x6 inches and its DPI, ZPL is a
label format with a Code 128 field, and in every image the barcode decodes (zxing-cpp) to
its value. Labels are small and the same content gives the same bytes."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from emulator.business.labels import LabelContent, LabelError, LabelSpec, manifest, render

CONTENT = LabelContent(
    title="UPS® 2nd Day Air®",
    ship_from=["Acme Goods", "300 Turnbull Ave", "Detroit, MI 48123", "US"],
    ship_to=["Jane Buyer", "1 Main St Apt 4", "Seattle, WA 98101", "US"],
    barcode="1Z17E2100206868939",
    fields=[("Order", "903-5563053-5647845"), ("Weight", "0.64 lb")])


def decoded(image: Image.Image) -> list[tuple[str, str]]:
    return [(r.text, r.format.name) for r in zxingcpp.read_barcodes(image)]


def rasterized(pdf: bytes, dpi: int = 300) -> Image.Image:
    page = pypdfium2.PdfDocument(pdf)[0]
    assert page.get_size() == (288.0, 432.0)  # 4 x 6 inches in points
    return page.render(scale=dpi / 72).to_pil()


def test_a_pdf_label_parses_at_4x6_and_its_barcode_decodes() -> None:
    pdf = render(CONTENT, LabelSpec("PDF"))
    assert pdf.startswith(b"%PDF-")
    assert decoded(rasterized(pdf)) == [("1Z17E2100206868939", "Code128")]
    assert len(pdf) < 20 * 1024


@pytest.mark.parametrize("dpi", [203, 300])
def test_a_png_label_decodes_at_4x6_at_its_dpi(dpi: int) -> None:
    png = render(CONTENT, LabelSpec("PNG", dpi=dpi))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (4 * dpi, 6 * dpi)
    assert round(image.info["dpi"][0]) == dpi
    assert decoded(image) == [("1Z17E2100206868939", "Code128")]
    assert len(png) < 20 * 1024


def test_a_zpl_label_is_zpl_with_the_barcode() -> None:
    zpl = render(CONTENT, LabelSpec("ZPL", dpi=203)).decode()
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert "^PW812" in zpl and "^LL1218" in zpl  # 4 x 6 inches at 203 dots per inch
    assert "^BCN," in zpl and "^FD1Z17E2100206868939^FS" in zpl
    assert "^PW1200" in render(CONTENT, LabelSpec("ZPL", dpi=300)).decode()


def test_long_and_odd_values_still_decode() -> None:
    content = LabelContent("Amazon Shipping One Day", ["A"], ["B" * 200, "C"],
                           "TBA123456789012 ABC-xyz/9", [("Note", "^~_ special")])
    for fmt in ("PDF", "PNG"):
        data = render(content, LabelSpec(fmt))  # type: ignore[arg-type]
        image = rasterized(data) if fmt == "PDF" else Image.open(io.BytesIO(data))
        assert decoded(image) == [("TBA123456789012 ABC-xyz/9", "Code128")]
    zpl = render(content, LabelSpec("ZPL")).decode()
    assert "_5E_7E_5F special" in zpl  # ^ ~ _ escaped inside ^FH fields


def test_the_same_label_is_the_same_bytes() -> None:
    for fmt in ("PDF", "PNG", "ZPL"):
        spec = LabelSpec(fmt)  # type: ignore[arg-type]
        assert render(CONTENT, spec) == render(CONTENT, spec)


@pytest.mark.parametrize("spec", [
    {"format": "GIF"}, {"format": "PNG", "dpi": 20}, {"format": "PDF", "width_in": 40},
])
def test_bad_specs_are_refused(spec: dict[str, object]) -> None:
    with pytest.raises(LabelError):
        LabelSpec(**spec)  # type: ignore[arg-type]


def test_a_barcode_must_be_printable_ascii() -> None:
    with pytest.raises(LabelError):
        render(LabelContent("T", [], [], "トラッキング"), LabelSpec("PDF"))


def test_a_collection_form_is_a_pdf_with_every_row() -> None:
    rows = [(f"TRACK{i:04d}", f"Buyer {i}", "98101", "0.50 kg") for i in range(120)]
    pdf = manifest("Collection form", ["Carrier: UPS"], rows)
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 3  # 50 rows a page
    text = "".join(document[i].get_textpage().get_text_range() for i in range(3))
    assert "TRACK0000" in text and "TRACK0119" in text
