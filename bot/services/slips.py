"""Receipt slips as pictures: a PNG for one, a multi-page PDF for many (Pillow + qrcode).

Each slip (A6 portrait at 200 dpi) shows the office, the date, the masked NIK and masked name,
a QR code of the deep link and the same link as text (and the WhatsApp link, when there is one),
with a line on how to use it. Nothing raw is drawn: the slip holds what `services.receipts.Slip`
holds. The sentences are in `texts_id` (the receipts' block at its end).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from bot import texts_id
from bot.services.receipts import Slip

DPI = 200
#: A6 portrait (105 × 148 mm) at DPI.
PAGE = (827, 1165)
MARGIN = 56
INK = (0, 0, 0)
GREY = (90, 90, 90)
QR_BOX = 8  # pixels per QR module: a 33-module code is 264 px plus its quiet zone

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int, *, bold: bool = False, mono: bool = False) -> Font:
    """DejaVu (shipped with matplotlib, which the bot already needs: it has the "•" of a masked
    NIK); Pillow's own font when it cannot be found."""
    import matplotlib

    name = "DejaVuSansMono" if mono else "DejaVuSans"
    name += "-Bold" if bold else ""
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / f"{name}.ttf"
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> list[str]:
    """Words on lines no wider than `width`; a word longer than a line (a link) is cut."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if draw.textlength(candidate, font=font) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while draw.textlength(line, font=font) > width:
                cut = len(line)
                while cut > 1 and draw.textlength(line[:cut], font=font) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


def qr_image(link: str) -> Image.Image:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=QR_BOX, border=4
    )
    code.add_data(link)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("RGB")


def render(slip: Slip, office_address: str | None = None) -> Image.Image:
    """One slip as a picture."""
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    width = PAGE[0] - 2 * MARGIN
    y = MARGIN

    def write(text: str, font: Font, fill: tuple[int, int, int] = INK, gap: int = 8) -> None:
        nonlocal y
        for line in _wrap(draw, text, font, width):
            draw.text((MARGIN, y), line, font=font, fill=fill)
            y += int(font.size if isinstance(font, ImageFont.FreeTypeFont) else 12) + gap

    write(texts_id.SLIP_TITLE, _font(34, bold=True))
    write(texts_id.OFFICE_NAME, _font(22))
    if office_address:
        write(office_address, _font(18), GREY)
    y += 14
    draw.line((MARGIN, y, PAGE[0] - MARGIN, y), fill=GREY, width=2)
    y += 22
    for label, value in texts_id.slip_fields(slip.nik_masked, slip.name_masked, slip.on):
        draw.text((MARGIN, y), label, font=_font(24), fill=GREY)
        draw.text((MARGIN + 150, y), value, font=_font(26, bold=True), fill=INK)
        y += 40
    if slip.reprint:
        write(texts_id.SLIP_REPRINT, _font(18), GREY)
    y += 10
    code = qr_image(slip.link)
    side = min(code.size[0], width, 420)
    if code.size[0] != side:
        code = code.resize((side, side), Image.Resampling.NEAREST)
    page.paste(code, ((PAGE[0] - side) // 2, y))
    y += side + 10
    write(texts_id.SLIP_HOW, _font(20))
    write(slip.link, _font(20, mono=True))
    if slip.whatsapp_link:  # round 4: WhatsApp, with the token as the first message
        write(texts_id.slip_whatsapp(slip.whatsapp_link), _font(20, mono=True))
    y += 6
    write(texts_id.SLIP_KEEP, _font(16), GREY)
    return page


def png(slip: Slip, office_address: str | None = None) -> bytes:
    out = io.BytesIO()
    render(slip, office_address).save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def pdf(slips: Sequence[Slip], office_address: str | None = None) -> bytes:
    """Many slips, a page each."""
    if not slips:
        raise ValueError("no slips")
    pages = [render(slip, office_address) for slip in slips]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=float(DPI))
    return out.getvalue()
