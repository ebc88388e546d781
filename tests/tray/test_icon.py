"""The painted icon, read back pixel by pixel (offscreen Qt)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from aiusage.tray.icon import GLYPH, INK, badge_rect, make_icon, render_image
from aiusage.tray.model import COLOURS, TrayView

SIZE = 64


def view(status: str, text: str | None = None) -> TrayView:
    return TrayView(status, COLOURS[status], text, "", "", (), None)


def colour_at(image: QImage, x: float, y: float) -> str:
    return image.pixelColor(int(x), int(y)).name()


def ink_pixels(image: QImage, ink: str) -> set[tuple[int, int]]:
    return {
        (x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).name() == ink
    }


@pytest.mark.parametrize("status", ["ok", "warning", "critical", "unknown"])
def test_badge_mode_puts_the_status_colour_in_the_corner_dot(
    qapp: QApplication, status: str
) -> None:
    image = render_image(view(status), SIZE)
    dot = badge_rect(SIZE).center()
    assert colour_at(image, dot.x(), dot.y()) == COLOURS[status]
    assert colour_at(image, SIZE * 0.3, SIZE * 0.15) == GLYPH  # the tile, not the dot
    assert image.pixelColor(0, 0).alpha() == 0  # transparent around the shape


@pytest.mark.parametrize("status", ["ok", "critical"])
def test_cost_mode_draws_the_text_on_a_tile_of_the_status_colour(
    qapp: QApplication, status: str
) -> None:
    image = render_image(view(status, "$42"), SIZE)
    assert colour_at(image, 8, 8) == COLOURS[status]
    text = ink_pixels(image, INK)
    assert len(text) > 100  # white strokes of "$42"
    assert len(ink_pixels(render_image(view(status, ""), SIZE), INK)) == 0


def test_different_amounts_and_counts_paint_different_icons(qapp: QApplication) -> None:
    images = [render_image(view("ok", t), SIZE) for t in ("$4.2", "$420", "$1.4k", "7")]
    pixels = [frozenset(ink_pixels(i, INK)) for i in images]
    assert len(set(pixels)) == 4
    wide, narrow = pixels[2], pixels[3]
    xs = sorted(x for x, _ in wide)
    assert xs[0] < SIZE * 0.2 and xs[-1] > SIZE * 0.8  # "$1.4k" is shrunk to fit, not cut
    assert len(narrow) > 0


def test_amber_gets_dark_text_for_contrast(qapp: QApplication) -> None:
    image = render_image(view("warning", "$42"), SIZE)
    assert len(ink_pixels(image, INK)) == 0
    assert len(ink_pixels(image, "#212121")) > 100


def test_the_icon_carries_every_size_painted_on_its_own(qapp: QApplication) -> None:
    icon = make_icon(view("critical"))
    sizes = sorted(s.width() for s in icon.availableSizes())
    assert sizes == [16, 22, 24, 32, 48, 64]
    small = icon.pixmap(22, 22).toImage()
    dot = badge_rect(22).center()
    assert colour_at(small, dot.x(), dot.y()) == COLOURS["critical"]
