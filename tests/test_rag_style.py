"""RAG that everyone can read (``ui.rag``): WCAG AA contrast of the word on its badge, colours told
apart under simulated colour-vision deficiencies, and a shape besides the colour.

The simulation is Machado, Oliveira and Fernandes (2009), "A Physiologically-based Model for
Simulation of Color Vision Deficiency", severity 1.0 (dichromacy), applied in linear sRGB; the
distance is CIELAB ΔE*76 (above about 20 reads as clearly different colours; 30 is asked here).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ui import rag

MACHADO = {
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
    "normal": np.eye(3),
}
#: grey: how the badges read on a monochrome printout or to a reader with no colour vision
ACHROMATOPSIA = np.array([[0.2126, 0.7152, 0.0722]] * 3)


def linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb_linear: np.ndarray) -> np.ndarray:
    rgb_linear = np.clip(rgb_linear, 0, 1)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ rgb_linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def luminance(hex_colour: str) -> float:
    return float(np.array([0.2126, 0.7152, 0.0722]) @ linear(hex_colour))


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_words_on_the_badges_meet_wcag_aa() -> None:
    for status, background in rag.COLOURS.items():
        assert contrast(background, rag.TEXT[status]) >= 4.5, status
    assert contrast(rag.NONE_COLOUR, "#000000") >= 4.5


@pytest.mark.parametrize("vision", list(MACHADO))
def test_the_three_colours_stay_apart(vision: str) -> None:
    simulated = {s: lab(MACHADO[vision] @ linear(c)) for s, c in rag.COLOURS.items()}
    for a, b in itertools.combinations(simulated, 2):
        distance = float(np.linalg.norm(simulated[a] - simulated[b]))
        assert distance >= 30, (vision, a, b, round(distance, 1))


def test_even_in_grey_the_three_differ_in_lightness() -> None:
    """Red dark, green middle, amber light: a monochrome print keeps them apart."""
    grey = {s: lab(ACHROMATOPSIA @ linear(c))[0] for s, c in rag.COLOURS.items()}
    assert grey["red"] + 20 < grey["green"] < grey["amber"] - 10, grey


def test_a_shape_and_a_word_besides_the_colour() -> None:
    assert len(set(rag.SHAPES.values())) == 3
    assert all(not (0x1F300 <= ord(s) <= 0x1FAFF) for s in rag.SHAPES.values())  # no emoji font needed
    for status in rag.COLOURS:
        html = rag.badge_html(status)
        assert rag.SHAPES[status] in html and f"pmo-rag-{status}" in html


def test_a_checker_that_cannot_fail_is_no_checker() -> None:
    """Classic red and green collapse for a deuteranope: the measure must say so."""
    red, green = lab(MACHADO["deuteranopia"] @ linear("#D32F2F")), lab(MACHADO["deuteranopia"] @ linear("#388E3C"))
    assert float(np.linalg.norm(red - green)) < 30
