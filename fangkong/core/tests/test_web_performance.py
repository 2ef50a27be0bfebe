"""What makes the pages light on a slow link (docs/web-performance.md, ADR 0014), without a
browser: pages compressed, files that are compressed already left alone, the map a simplified
static file kept in step with its source, and collectstatic writing brotli beside gzip.

The bytes and seconds in a browser on an emulated slow 3G link: test_browser_slow_network.py.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

from fangkong.accounts.roles import Role

SCRIPT = Path(settings.BASE_DIR).parent / "scripts" / "simplify_map.py"


def simplify_map() -> ModuleType:
    spec = importlib.util.spec_from_file_location("simplify_map", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_page_is_sent_compressed_to_a_browser_that_accepts_it(
    tree: SimpleNamespace,
    make_user: Callable[..., Any],
    client_for: Callable[[Any], Client],
) -> None:
    # given a county command office user
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    # when their browser asks for the division page, accepting gzip
    response = client.get(f"/d/{tree.nanguan.code}/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    # then the page comes compressed, and is the same page once unpacked
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert tree.nanguan.name in html
    # ... and a client that does not accept gzip gets it as it is
    plain = client.get(f"/d/{tree.nanguan.code}/")
    assert not plain.has_header("Content-Encoding")
    assert len(response.content) < len(plain.content) / 2


def test_an_xlsx_export_is_not_compressed_again(
    tree: SimpleNamespace,
    make_user: Callable[..., Any],
    client_for: Callable[[Any], Client],
) -> None:
    # given a village secretary, who may export the people list
    client = client_for(make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY]))
    # when the browser downloads the xlsx (a zip file already), accepting gzip
    response = client.get("/bulk/export/people.xlsx", HTTP_ACCEPT_ENCODING="gzip")
    # then it comes as it is
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_the_old_map_address_sends_to_the_static_file(
    tree: SimpleNamespace,
    make_user: Callable[..., Any],
    client_for: Callable[[Any], Client],
) -> None:
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    response = client.get("/map/jilin.geojson")
    assert response.status_code == 302
    assert response["Location"] == "/static/regions/jilin-cities.geojson"


def test_the_map_file_is_what_the_script_makes_of_the_source() -> None:
    # the committed file is the simplified source: run `scripts/simplify_map.py` after a change
    module = simplify_map()
    assert module.TARGET.read_bytes() == module.build()


def test_the_simplified_map_keeps_every_prefecture_and_its_shared_borders() -> None:
    module = simplify_map()
    source = json.loads(module.SOURCE.read_text(encoding="utf-8"))
    simple = json.loads(module.TARGET.read_text(encoding="utf-8"))
    # every prefecture, with its name, code and centre
    assert [f["properties"] for f in simple["features"]] == [
        f["properties"] for f in source["features"]
    ]

    # two neighbours still share their border: points of one lie on the other's outline
    def points(feature: dict[str, Any]) -> set[tuple[float, float]]:
        return {(x, y) for poly in module.polygons(feature["geometry"]) for r in poly for x, y in r}

    by_code = {f["properties"]["code"]: points(f) for f in simple["features"]}
    assert len(by_code["2201"] & by_code["2202"]) > 20  # 长春市 and 吉林市
    assert len(by_code["2224"] & by_code["2202"]) > 5  # 延边 and 吉林市
    # ... and the file is a sixth of the source or less
    assert module.TARGET.stat().st_size * 6 < module.SOURCE.stat().st_size


def test_collectstatic_writes_brotli_and_gzip_beside_hashed_names(tmp_path: Path) -> None:
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("fangkong/app.css", "regions/jilin-cities.geojson", "vendor/echarts.min.js"):
        hashed = tmp_path / manifest[name]
        assert hashed.name != Path(name).name, name
        for suffix in (".br", ".gz"):
            assert Path(f"{hashed}{suffix}").is_file(), f"{name}{suffix}"
