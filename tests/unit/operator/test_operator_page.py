"""The static dashboard is self-contained (no CDN) and has every tile, in Kazakh and Russian."""
import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[3] / "web" / "operator"
TILES = ("services", "components", "flow", "appeals", "deadlines", "notifications", "dead-letters")


def test_every_tile_is_on_the_page():
    html = (PAGE / "index.html").read_text()
    for tile in TILES:
        assert f'id="tile-{tile}"' in html


def test_the_page_loads_nothing_from_other_origins():
    for name in ("index.html", "operator.js", "operator.css"):
        text = (PAGE / name).read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), name
        assert "@import" not in text and "cdn" not in text.lower(), name


def test_every_label_exists_in_kazakh_and_russian():
    script = (PAGE / "operator.js").read_text()
    kk = re.search(r"kk: \{(.*?)\n  \},", script, re.S).group(1)
    ru = re.search(r"ru: \{(.*?)\n  \},", script, re.S).group(1)
    keys = lambda block: set(re.findall(r"(\w+): \"", block))  # noqa: E731
    assert keys(kk) == keys(ru) and len(keys(kk)) > 40
    html = (PAGE / "index.html").read_text()
    assert set(re.findall(r'data-t="(\w+)"', html)) <= keys(ru)


def test_the_page_never_renders_api_text_as_html():
    assert "innerHTML" not in (PAGE / "operator.js").read_text()
