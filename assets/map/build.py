#!/usr/bin/env python3
"""Build assets/map/countries.json (Sahel country outlines) from Natural Earth TopoJSON.

Input: ``countries-50m.json`` from the npm package ``world-atlas`` version 2.0.2
(ISC licence, Mike Bostock), a TopoJSON redistribution of Natural Earth 4.1.0
"Admin 0 - Countries" (public domain). Get it with:

    cd "$(mktemp -d)" && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 assets/map/build.py package/countries-50m.json > assets/map/countries.json

What it does:
  * decodes the quantized TopoJSON arcs (delta decoding, then scale and
    translate from the topology's transform);
  * stitches each polygon ring from its arcs (a negative index ``i`` means arc
    ``~i`` traversed backwards; the shared point between consecutive arcs is
    kept once);
  * keeps the countries listed in COUNTRIES below (matched on the ISO 3166-1
    numeric id world-atlas uses), whole and unclipped; outer rings and holes
    as they come, MultiPolygons flattened into one list of rings (the
    renderer fills with the even-odd rule);
  * rounds coordinates to PRECISION decimals and drops consecutive duplicate
    points (rings stay closed: first point == last point);
  * writes compact JSON to stdout, one country per line.

It warns on stderr about any other country of the input that intersects
VIEW_BBOX, so the list can be kept complete. Python 3 standard library only.
"""

import json
import sys

# The view the map renderer is meant to show: [min_lon, min_lat, max_lon, max_lat].
VIEW_BBOX = [-18.5, 8.0, 6.0, 27.5]

PRECISION = 3

SOURCE = (
    "Natural Earth 1:50m Admin 0 countries (public domain), "
    "via npm world-atlas 2.0.2 (ISC); coordinates rounded to 0.001 deg"
)

# ISO 3166-1 numeric -> (alpha-3, French name, English name)
COUNTRIES = {
    "466": ("MLI", "Mali", "Mali"),
    "686": ("SEN", "Sénégal", "Senegal"),
    "478": ("MRT", "Mauritanie", "Mauritania"),
    "270": ("GMB", "Gambie", "The Gambia"),
    "624": ("GNB", "Guinée-Bissau", "Guinea-Bissau"),
    "324": ("GIN", "Guinée", "Guinea"),
    "694": ("SLE", "Sierra Leone", "Sierra Leone"),
    "430": ("LBR", "Liberia", "Liberia"),
    "384": ("CIV", "Côte d'Ivoire", "Côte d'Ivoire"),
    "854": ("BFA", "Burkina Faso", "Burkina Faso"),
    "562": ("NER", "Niger", "Niger"),
    "012": ("DZA", "Algérie", "Algeria"),
    "288": ("GHA", "Ghana", "Ghana"),
    "768": ("TGO", "Togo", "Togo"),
    "204": ("BEN", "Bénin", "Benin"),
    "566": ("NGA", "Nigeria", "Nigeria"),
    "732": ("ESH", "Sahara occidental", "Western Sahara"),
    "504": ("MAR", "Maroc", "Morocco"),
}


def decode_arcs(topology):
    """Return the arcs as lists of absolute (lon, lat) float pairs."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for p in arc:
            x += p[0]
            y += p[1]
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def stitch_ring(indices, arcs):
    ring = []
    for i in indices:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(points[1:] if ring else points)
    return ring


def geometry_rings(geometry, arcs):
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["arcs"]]
    elif kind == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        return []
    return [stitch_ring(ring, arcs) for polygon in polygons for ring in polygon]


def round_ring(ring, precision):
    out = []
    for lon, lat in ring:
        p = [round(lon, precision), round(lat, precision)]
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(list(out[0]))
    # A closed ring needs at least three distinct points.
    return out if len(out) >= 4 else None


def rings_bbox(rings):
    lons = [p[0] for r in rings for p in r]
    lats = [p[1] for r in rings for p in r]
    return min(lons), min(lats), max(lons), max(lats)


def intersects(bbox, view):
    return not (bbox[2] < view[0] or bbox[0] > view[2] or bbox[3] < view[1] or bbox[1] > view[3])


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: build.py path/to/countries-50m.json > countries.json")
    with open(argv[1], encoding="utf-8") as f:
        topology = json.load(f)
    arcs = decode_arcs(topology)

    found = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = str(geometry.get("id", "")).zfill(3)
        rings = geometry_rings(geometry, arcs)
        if not rings:
            continue
        if code in COUNTRIES:
            found[code] = rings
        elif any(intersects(rings_bbox([r]), VIEW_BBOX) for r in rings):
            name = geometry.get("properties", {}).get("name", "?")
            print(f"warning: {name} ({code}) intersects the view but is not listed", file=sys.stderr)

    missing = [code for code in COUNTRIES if code not in found]
    if missing:
        sys.exit(f"error: countries not found in input: {', '.join(missing)}")

    lines = []
    for code, (iso, name_fr, name_en) in COUNTRIES.items():
        rings = [r for r in (round_ring(r, PRECISION) for r in found[code]) if r]
        entry = {"iso": iso, "name_fr": name_fr, "name_en": name_en, "rings": rings}
        lines.append(compact(entry))

    head = compact({"source": SOURCE, "bbox": VIEW_BBOX})[:-1]
    sys.stdout.write(head + ',"countries":[\n' + ",\n".join(lines) + "\n]}\n")


if __name__ == "__main__":
    main(sys.argv)
