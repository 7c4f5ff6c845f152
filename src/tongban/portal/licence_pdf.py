"""The printable 电子证照 PDF of 我的证照, drawn with reportlab in its built-in CID font
STSong-Light (Adobe's Song for Simplified Chinese, which PDF readers supply: no font file).

Its QR code is a verification link: ``/licences/verify/?credential=`` and the licence's
credential presented with no disclosures at all. A scan therefore shows, signed and live, what
the credential says in the clear (the identifier, the type, the issuer, the issue date, the
validity and today's status: revoked or suspended shows at once) and nothing of the holder,
whose data the paper itself carries. A presentation with the face fields would put the ID
number into a URL, and would not fit a QR code a phone reads easily."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from tongban.credentials import sdjwt

FONT = "STSong-Light"
QR_SIZE = 45 * mm


def verification_link(credential: str) -> str:
    """The verify page's address with ``credential`` presented without disclosures."""
    bare = sdjwt.present(credential, ())
    query = urlencode({"credential": bare})
    return f"{settings.TONGBAN_PUBLIC_URL}{reverse('portal:licence_verify')}?{query}"


def _wrapped(text: str, width: float, size: float) -> list[str]:
    """``text`` cut into lines no wider than ``width`` (character by character: Chinese has no
    spaces to break at)."""
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, FONT, size) > width and line:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line]


def licence_pdf(*, entry, face: list[tuple[str, str, object]], status_label: str) -> bytes:
    """One A4 page: title, the facts, the face fields, validity, status, and the QR code."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    licence = entry.licence
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{licence.licence_type.name} {licence.identifier}")
    pdf.setSubject(licence.identifier)  # plain ASCII in the document information
    width, height = A4
    left, y = 20 * mm, height - 25 * mm
    pdf.setFont(FONT, 20)
    pdf.drawCentredString(width / 2, y, licence.licence_type.name)
    y -= 8 * mm
    pdf.setFont(FONT, 10)
    pdf.drawCentredString(width / 2, y, _("电子证照（打印件）"))
    y -= 14 * mm
    valid_until = f"{licence.valid_until:%Y-%m-%d}" if licence.valid_until else _("长期")
    rows = [
        (_("颁发机构"), licence.issuer.name),
        (_("证照类型"), f"{licence.licence_type.name}（{licence.licence_type.code}）"),
        (_("证照标识"), licence.identifier),
        (_("持证主体"), licence.holder_name),
        (_("持证主体代码"), licence.holder_code),
        *[(label, str(value)) for _name, label, value in face],
        (_("颁证日期"), f"{licence.issued_on:%Y-%m-%d}"),
        (_("有效期"), f"{licence.valid_from:%Y-%m-%d} — {valid_until}"),
        (_("状态"), status_label),
    ]
    label_width, text_width = 32 * mm, width - 2 * left - 32 * mm
    for label, value in rows:
        pdf.setFont(FONT, 11)
        pdf.drawString(left, y, label)
        for line in _wrapped(value, text_width, 11):
            pdf.drawString(left + label_width, y, line)
            y -= 6.5 * mm
        y -= 1.5 * mm
    qr = QrCodeWidget(verification_link(licence.credential), barLevel="L")
    x0, y0, x1, y1 = qr.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0]
    )
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - left - QR_SIZE, 20 * mm)
    pdf.setFont(FONT, 9)
    pdf.drawString(left, 30 * mm, _("扫描右侧二维码，可在线核验本证照的真实性和当前状态。"))
    pdf.drawString(left, 24 * mm, _("二维码不含持证人的个人信息。"))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
