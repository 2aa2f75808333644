"""The figures the site ships (optimised by SVGO, site_src/node/svg_optimize.py) look as matplotlib drew
them: each is drawn again here from its published result, without the optimiser, and Chromium
compares the two pictures pixel by pixel at twice their size (the narrow layouts of figures with
several panels too)."""

from __future__ import annotations

import base64
import json

import pytest

from site_server import SITE_DIR, missing_prerequisite
from site_src.build.figures import layouts, render_svg, split_item
from site_src.build.registries import Registries

pytestmark = pytest.mark.browser

#: A pixel differs when a colour channel moves by more than this (of 255): rounding coordinates to
#: three decimals moves anti-aliased edges by a shade or two, which this ignores.
CHANNEL_TOLERANCE = 32
#: The share of pixels that may differ. Measured: at most 0.08 % (lr_range_test); a changed
#: colour, a moved line or a missing label changes far more.
MAX_DIFFERING = 0.002

COMPARE = """async ([drawn, shipped, tolerance]) => {
  const load = (src) => new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("not an image"));
    image.src = src;
  });
  const [a, b] = [await load(drawn), await load(shipped)];
  const width = a.naturalWidth * 2, height = a.naturalHeight * 2;
  const pixels = (image) => {
    const context = new OffscreenCanvas(width, height).getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, width, height);
    context.drawImage(image, 0, 0, width, height);
    return context.getImageData(0, 0, width, height).data;
  };
  const [p, q] = [pixels(a), pixels(b)];
  let differing = 0;
  for (let i = 0; i < p.length; i += 4) {
    const moved = Math.max(Math.abs(p[i] - q[i]), Math.abs(p[i + 1] - q[i + 1]), Math.abs(p[i + 2] - q[i + 2]));
    if (moved > tolerance) differing += 1;
  }
  return { differing: differing / (width * height), drawn: [a.naturalWidth, a.naturalHeight], shipped: [b.naturalWidth, b.naturalHeight] };
}"""


def data_url(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def test_every_shipped_figure_looks_as_matplotlib_drew_it(browser):
    figures_dir = SITE_DIR / "generated" / "figures"
    shipped = sorted(figures_dir.glob("*.svg"))
    if not shipped:
        missing_prerequisite(f"{figures_dir}/*.svg (the built figures)", "run scripts/build first")
    _, figures = Registries()()
    index = json.loads((SITE_DIR / "generated" / "index.json").read_text(encoding="utf-8"))["figures"]
    page = browser.new_page()
    compared = {}
    for path in shipped:
        name, layout = split_item(path.stem)  # lr_schedule.narrow: the figure's narrow layout
        result = json.loads((SITE_DIR / "generated" / index[name]["data"]).read_text(encoding="utf-8"))
        drawn = render_svg(figures[name], result, layout)
        assert len(path.read_bytes()) < 0.9 * len(drawn), f"{path.stem}: not optimised"  # 18-51 % smaller
        compared[path.stem] = page.evaluate(COMPARE, [data_url(drawn), data_url(path.read_bytes()), CHANNEL_TOLERANCE])
    page.close()
    assert {name: c for name, c in compared.items() if c["drawn"] != c["shipped"]} == {}, "sizes differ"
    assert {name: c["differing"] for name, c in compared.items() if c["differing"] > MAX_DIFFERING} == {}
    assert len(compared) == sum(len(layouts(spec)) for spec in figures.values())
