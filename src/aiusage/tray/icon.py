"""Paint the tray icon for a ``TrayView``: a glyph with a status badge, or text on colour.

Why painted and not themed icons: the cost and the count change every refresh, and a
status dot must be the same green/yellow/red on KDE, GNOME, XFCE, Windows and macOS.
Each size is painted on its own (not scaled from one), so "$42" stays legible at 22 px.
Painting goes to a QImage, which works without a display (tests use the offscreen
platform and read the pixels back).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QIcon, QImage, QPainter, QPen, QPixmap

from aiusage.tray.model import TrayView

SIZES = (16, 22, 24, 32, 48, 64)
GLYPH = "#37474f"  # blue grey 800: the icon's body in badge mode
INK = "#ffffff"
DARK_INK = "#212121"  # on amber, white text is hard to read


def badge_rect(size: int) -> QRectF:
    """Where the status dot goes: the bottom-right corner, 45% of the icon."""
    d = size * 0.45
    return QRectF(size - d, size - d, d, d)


def body_rect(size: int) -> QRectF:
    margin = size * 0.04
    return QRectF(margin, margin, size - 2 * margin, size - 2 * margin)


def render_image(view: TrayView, size: int = 64) -> QImage:
    """The icon at ``size`` px square, transparent around its shape."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        if view.icon_text is None:
            _badge(painter, view, size)
        else:
            _text(painter, view, view.icon_text, size)
    finally:
        painter.end()
    return image


def make_icon(view: TrayView) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(QPixmap.fromImage(render_image(view, size)))
    return icon


def _badge(painter: QPainter, view: TrayView, size: int) -> None:
    """A rounded tile with three rising bars (usage), and the status dot over its corner."""
    body = body_rect(size)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(GLYPH))
    painter.drawRoundedRect(body, size * 0.18, size * 0.18)
    painter.setBrush(QColor(INK))
    bar_w = body.width() * 0.16
    left = body.left() + body.width() * 0.14
    bottom = body.bottom() - body.height() * 0.16
    for i, height in enumerate((0.30, 0.50, 0.70)):
        h = body.height() * height
        painter.drawRect(QRectF(left + i * bar_w * 1.5, bottom - h, bar_w, h))
    dot = badge_rect(size)
    ring = max(1.0, size * 0.05)
    painter.setBrush(QColor(view.colour))
    painter.setPen(QPen(QColor(INK), ring))
    painter.drawEllipse(dot.adjusted(ring / 2, ring / 2, -ring / 2, -ring / 2))


def _text(painter: QPainter, view: TrayView, text: str, size: int) -> None:
    """The text as large as fits, on a tile of the status colour."""
    body = body_rect(size)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(view.colour))
    painter.drawRoundedRect(body, size * 0.18, size * 0.18)
    font = QFont()
    font.setBold(True)
    room = body.adjusted(size * 0.06, 0, -size * 0.06, 0)
    pixels = room.height() * 0.62
    while pixels > 4:
        font.setPixelSize(int(pixels))
        if QFontMetricsF(font).horizontalAdvance(text) <= room.width():
            break
        pixels -= 1
    painter.setFont(font)
    painter.setPen(QColor(DARK_INK if view.status == "warning" else INK))
    painter.drawText(room, Qt.AlignmentFlag.AlignCenter, text)
