"""A sheet of QR labels for locks (seed 003: a QR code on site), as a PDF (pure: no I/O
besides reading the bundled font).

A4 portrait, 3 × 8 labels of 70 × 37 mm (the common label sheet that has no margins), each
with the QR code to the fault-report page (``/f#t=<token>``) and a short text: what to do, the
page's address for those who type, and the lock's serial so that the fitter sticks the right
label on the right lock. No names, no addresses: a label is read by anyone at the door.

Drawn with fpdf2 and segno like the booking letters (``server.booking.letters``): the code as
vector rectangles, sharp on any printer; DejaVu Sans for å/ä/ö/æ/ø.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import segno
from fpdf import FPDF

from server.booking.letters import FONT_DIR, FONT_FAMILY

Language = Literal["sv", "nb", "en"]

PAGE_WIDTH_MM: Final = 210.0
COLUMNS: Final = 3
ROWS: Final = 8
LABEL_WIDTH_MM: Final = PAGE_WIDTH_MM / COLUMNS  # 70
LABEL_HEIGHT_MM: Final = 297.0 / ROWS  # 37.125
LABELS_PER_PAGE: Final = COLUMNS * ROWS
# Printers leave 4-5 mm at the sheet's edge unprinted; every label keeps that inside it, which
# is also the QR code's quiet zone.
PADDING_MM: Final = 5.0
QR_SIZE_MM: Final = LABEL_HEIGHT_MM - 2 * PADDING_MM  # about 27 mm: read from 10-20 cm
GAP_MM: Final = 2.5
TITLE_PT: Final = 9.5
TEXT_PT: Final = 7.0
SERIAL_PT: Final = 8.5
LINE_MM: Final = 3.6

TEXTS: Final[dict[str, dict[str, str]]] = {
    "title": {"sv": "Fel på låset?", "nb": "Feil på låsen?", "en": "Lock not working?"},
    "scan": {
        "sv": "Skanna koden och berätta vad som hänt.",
        "nb": "Skann koden og fortell hva som har skjedd.",
        "en": "Scan the code and tell us what happened.",
    },
    "lock": {"sv": "Lås", "nb": "Lås", "en": "Lock"},
    "site": {"sv": "Etikett", "nb": "Etikett", "en": "Label"},
}


@dataclass(frozen=True)
class Label:
    """One label: the address in its QR code and the short text that names the lock.

    ``serial`` is the lock's serial; for a label of a customer's site (no lock) it is empty
    and ``reference`` (a few characters of the token id) names the label instead.
    """

    url: str
    serial: str = ""
    reference: str = ""


def shown_url(url: str) -> str:
    """The page's address as printed: no scheme, no fragment."""
    url = url.split("#", 1)[0]
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return url[len(scheme) :]
    return url


def _text(key: str, language: str) -> str:
    return TEXTS[key].get(language, TEXTS[key]["sv"])


def _draw_qr(pdf: FPDF, content: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, one per run of dark modules in a row."""
    rows = list(segno.make_qr(content, error="m").matrix_iter(scale=1, border=0))
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(rows):
        start: int | None = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                pdf.rect(
                    x + start * module,
                    y + row_index * module,
                    (column - start) * module,
                    module,
                    style="F",
                )
                start = None


def _draw_label(pdf: FPDF, label: Label, x: float, y: float, language: str) -> None:
    _draw_qr(pdf, label.url, x + PADDING_MM, y + PADDING_MM, QR_SIZE_MM)
    left = x + PADDING_MM + QR_SIZE_MM + GAP_MM
    width = x + LABEL_WIDTH_MM - PADDING_MM + 1.5 - left
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(left, y + PADDING_MM - 0.5)
    pdf.set_font(FONT_FAMILY, "B", TITLE_PT)
    pdf.multi_cell(width, LINE_MM + 0.6, _text("title", language), align="L")
    pdf.set_x(left)
    pdf.set_font(FONT_FAMILY, "", TEXT_PT)
    pdf.multi_cell(width, LINE_MM - 0.6, _text("scan", language), align="L")
    pdf.set_x(left)
    pdf.multi_cell(width, LINE_MM - 0.6, shown_url(label.url), align="L")
    name = (
        f"{_text('lock', language)} {label.serial}"
        if label.serial
        else f"{_text('site', language)} {label.reference}"
    )
    pdf.set_font(FONT_FAMILY, "B", SERIAL_PT)
    pdf.set_xy(left, y + LABEL_HEIGHT_MM - PADDING_MM - LINE_MM)
    pdf.cell(width, LINE_MM, name)


def render_labels(labels: Sequence[Label], language: Language = "sv") -> bytes:
    """The labels, 24 to a page, left to right and top to bottom."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    pdf.add_font(FONT_FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT_FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title("QR-etiketter / QR labels")
    pdf.set_creator("Lockwork")
    if not labels:
        pdf.add_page()
    for index, label in enumerate(labels):
        place = index % LABELS_PER_PAGE
        if place == 0:
            pdf.add_page()
        row, column = divmod(place, COLUMNS)
        _draw_label(pdf, label, column * LABEL_WIDTH_MM, row * LABEL_HEIGHT_MM, language)
    return bytes(pdf.output())
