"""Simplify the Jilin prefecture boundaries for the map: fewer points, same shared borders.

    .venv/bin/python scripts/simplify_map.py            # writes the file below
    .venv/bin/python scripts/simplify_map.py --check    # fails if the committed file differs

Source: fangkong/regions/data/geo/jilin-cities.geojson (the project's copy of the reference
data; provenance in fangkong/regions/data/README.md). Output:
fangkong/regions/static/regions/jilin-cities.geojson, served as a static file (hashed, gzip and
brotli, cached for a year: docs/web-performance.md).

How: Douglas-Peucker with a tolerance of TOLERANCE degrees, topology kept as mapshaper does: the
rings are cut into arcs at every point where the set of prefectures sharing the border changes,
each arc is simplified once (its two ends fixed) and used by both neighbours, so no gap or
overlap opens between prefectures. Then coordinates are rounded to DECIMALS places, repeated
points dropped, and rings left with fewer than three corners (islets of a few hundred metres)
dropped. The largest map is drawn about 700 px wide for Jilin's 9.5 degrees of longitude, so one
pixel is about 0.0136 degrees: the tolerance is under half a pixel. Pure Python, deterministic:
running it again gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "fangkong" / "regions" / "data" / "geo" / "jilin-cities.geojson"
TARGET = ROOT / "fangkong" / "regions" / "static" / "regions" / "jilin-cities.geojson"
TOLERANCE = 0.005  # degrees, about 550 m north-south in Jilin
DECIMALS = 3  # about 100 m; the source is quantised to 1/1024 degree

Point = tuple[float, float]


def _distance(p: Point, a: Point, b: Point) -> float:
    """Distance of p from the segment a-b (in degrees: fine at this scale)."""
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return math.hypot(x - x1, y - y1)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (x1 + t * dx), y - (y1 + t * dy))


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def polygons(geometry: dict) -> list[list[list[Point]]]:
    coords = geometry["coordinates"]
    polys = coords if geometry["type"] == "MultiPolygon" else [coords]
    return [[[(float(x), float(y)) for x, y in ring] for ring in poly] for poly in polys]


def simplify(features: list[dict], tolerance: float) -> list[dict]:
    # Which features each point belongs to.
    owners: dict[Point, set[int]] = {}
    shapes = [polygons(f["geometry"]) for f in features]
    for n, polys in enumerate(shapes):
        for poly in polys:
            for ring in poly:
                for p in ring:
                    owners.setdefault(p, set()).add(n)
    arcs: dict[tuple[Point, ...], list[Point]] = {}

    def simplified_arc(arc: list[Point]) -> list[Point]:
        forward = tuple(arc)
        backward = forward[::-1]
        key = min(forward, backward)  # the same arc walked either way is simplified once
        if key not in arcs:
            arcs[key] = douglas_peucker(list(key), tolerance)
        done = arcs[key]
        return done if key == forward else done[::-1]

    out = []
    for feature, polys in zip(features, shapes, strict=True):
        new_polys = []
        for poly in polys:
            new_rings = []
            for ring in poly:
                points = ring[:-1] if ring[0] == ring[-1] else ring
                size = len(points)
                fixed = [
                    owners[points[i]] != owners[points[i - 1]]
                    or owners[points[i]] != owners[points[(i + 1) % size]]
                    for i in range(size)
                ]
                if not any(fixed):  # a ring nobody shares: fix its lowest point and the far one
                    start = points.index(min(points))
                    far = max(range(size), key=lambda i: math.dist(points[i], points[start]))
                    fixed[start] = fixed[far] = True
                # rotate so the ring starts at a fixed point, then cut it there into arcs
                start = fixed.index(True)
                points = points[start:] + points[:start]
                fixed = fixed[start:] + fixed[:start]
                result: list[Point] = []
                arc = [points[0]]
                for p, is_fixed in zip([*points[1:], points[0]], [*fixed[1:], True], strict=True):
                    arc.append(p)
                    if is_fixed:
                        result += simplified_arc(arc)[:-1]
                        arc = [p]
                rounded: list[Point] = []
                for x, y in result:
                    q = (round(x, DECIMALS), round(y, DECIMALS))
                    if not rounded or rounded[-1] != q:
                        rounded.append(q)
                if len(rounded) > 1 and rounded[0] == rounded[-1]:
                    rounded.pop()
                if len(set(rounded)) >= 3:
                    new_rings.append([list(p) for p in [*rounded, rounded[0]]])
            if new_rings:
                new_polys.append(new_rings)
        geometry = (
            {"type": "Polygon", "coordinates": new_polys[0]}
            if len(new_polys) == 1
            else {"type": "MultiPolygon", "coordinates": new_polys}
        )
        out.append({"type": "Feature", "properties": feature["properties"], "geometry": geometry})
    return out


def build() -> bytes:
    source = json.loads(SOURCE.read_text(encoding="utf-8"))
    collection = {"type": "FeatureCollection", "features": simplify(source["features"], TOLERANCE)}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    data = build()
    if args.check:
        same = TARGET.is_file() and TARGET.read_bytes() == data
        print(f"{TARGET.relative_to(ROOT)}: {'up to date' if same else 'OUT OF DATE'}")
        return 0 if same else 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(data)
    print(f"{TARGET.relative_to(ROOT)}: {SOURCE.stat().st_size:,} -> {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
