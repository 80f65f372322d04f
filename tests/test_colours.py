"""Charts stay readable for colour-blind users: every chart with more than one series gives each series its own
colour, and those colours stay apart when simulated for protanopia and deuteranopia (the red-green colour
blindnesses) unless the series also differ by marker symbol or line dash; every continuous colour scale runs
monotonically from dark to light, so its order survives any colour vision and greyscale print."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from wijkbeeld import maps
from wijkbeeld.pages_registry import PAGES

ROOT = Path(__file__).resolve().parents[1]

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
SIMULATIONS = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
}
MIN_DELTA_E = 10.0  # CIE76; ~2.3 is just noticeable, 10 tells series apart at a glance


def _rgb(colour: str) -> np.ndarray:
    colour = colour.strip()
    if colour.startswith("#"):
        h = colour[1:]
        h = "".join(c * 2 for c in h) if len(h) == 3 else h[:6]
        return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255
    if colour.startswith("rgb"):
        parts = colour[colour.index("(") + 1:colour.index(")")].split(",")
        return np.array([float(p) for p in parts[:3]]) / 255
    raise ValueError(f"unknown colour {colour!r}")


def _linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen_as(colour: str, vision: str | None) -> np.ndarray:
    """CIELAB of the colour as someone with that colour vision (None: normal) sees it."""
    linear = _linear(_rgb(colour))
    if vision:
        linear = np.clip(SIMULATIONS[vision] @ linear, 0, 1)
    return _lab(linear)


def confusable(colours: list[str]) -> list[tuple[str, str, str, float]]:
    found = []
    for a, b in itertools.combinations(sorted(set(colours)), 2):
        for vision in (None, *SIMULATIONS):
            delta = float(np.linalg.norm(seen_as(a, vision) - seen_as(b, vision)))
            if delta < MIN_DELTA_E:
                found.append((a, b, vision or "normal", round(delta, 1)))
    return found


def lightness_is_monotonic(colours: list[str]) -> bool:
    for vision in (None, *SIMULATIONS):
        lightness = np.array([seen_as(c, vision)[0] for c in colours])
        steps = np.diff(lightness)
        if not (np.all(steps > 0) or np.all(steps < 0)):
            return False
    return True


def test_the_checks_tell_safe_from_unsafe_colours():
    assert confusable(["#d62728", "#2ca02c"]) != []          # plotly's red and green: one for deuteranopes
    assert confusable(["#0072B2", "#E69F00", "#009E73", "#CC79A7"]) == []  # Okabe-Ito
    assert lightness_is_monotonic(maps.PALETTE)              # the map's viridis steps
    assert not lightness_is_monotonic(["#a50026", "#ffffbf", "#006837"])  # RdYlGn


def _series(trace: dict) -> list[tuple[str | None, str | None, str | None]]:
    """(colour, symbol, dash) of a trace's series: one per trace, or per point for per-point colour lists."""
    marker, line = trace.get("marker") or {}, trace.get("line") or {}
    drawn_as_line = trace.get("type") == "scatter" and "lines" in (trace.get("mode") or "lines")
    colour = (line.get("color") or marker.get("color")) if drawn_as_line else (marker.get("color") or line.get("color"))
    symbol, dash = marker.get("symbol"), line.get("dash")
    if isinstance(colour, str) or colour is None:
        return [(colour, symbol if isinstance(symbol, str) else None, dash)]
    if isinstance(colour, list) and all(isinstance(c, str) for c in colour):
        return [(c, None, dash) for c in colour]
    return []  # numbers on a colour scale: checked as a scale


def chart_problems(spec: dict) -> list[str]:
    problems = []
    traces = [t for t in spec.get("data", []) if t.get("visible", True) is not False and t.get("showlegend", True)
              is not False]
    series = [s for t in traces for s in _series(t)]
    if len(traces) > 1 and any(colour is None for colour, _, _ in series):
        problems.append("a series without its own colour falls back to the theme's palette")
    known = [(c, s, d) for c, s, d in series if c]
    by_colour = {}
    for colour, symbol, dash in known:
        by_colour.setdefault(colour, set()).add((symbol, dash))
    for a, b, vision, delta in confusable(list(by_colour)):
        if by_colour[a] & by_colour[b]:  # same symbol and dash: colour is the only difference
            problems.append(f"{a} and {b} look alike for {vision} (ΔE {delta})")
    layout = spec.get("layout", {})
    scales = [layout.get("coloraxis", {}).get("colorscale")] + [t.get("colorscale") for t in spec.get("data", [])]
    for scale in scales:
        if isinstance(scale, list) and scale and not lightness_is_monotonic([step[1] for step in scale]):
            problems.append(f"colour scale {[step[1] for step in scale]} is not dark-to-light for every vision")
    return problems


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
def test_charts_are_readable_for_colour_blind_users(warehouse_env, country_env, monkeypatch, script):
    checked = 0
    for warehouse, gm in ((warehouse_env, None), (country_env, "NL00")):
        monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(warehouse))
        at = AppTest.from_file(str(ROOT / script), default_timeout=90)
        if gm:
            at.query_params["gm"] = gm
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        for spec in _charts(at):
            checked += 1
            assert not chart_problems(spec), (script, gm, chart_problems(spec))
    if script.endswith(("themas.py", "betrokkenheid.py", "vergelijken.py", "evaluatie.py")):
        assert checked >= 2, checked
