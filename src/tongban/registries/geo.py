"""The city's outline and point tests (no GIS library: a ray-casting test over a coarse
outline shipped as data, ``data/shanghai_places.json``)."""

import json
import math
from functools import cache
from importlib import resources


@cache
def reference() -> dict:
    text = resources.files("tongban.registries").joinpath("data/shanghai_places.json")
    return json.loads(text.read_text("utf-8"))


@cache
def _rings() -> tuple[tuple[tuple[float, float], ...], ...]:
    return tuple(tuple((float(x), float(y)) for x, y in ring) for ring in reference()["boundary"])


def _in_ring(lng: float, lat: float, ring: tuple[tuple[float, float], ...]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def in_city(lat: float, lng: float) -> bool:
    """Whether a point lies within the city's outline (mainland or islands)."""
    return any(_in_ring(lng, lat, ring) for ring in _rings())


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Equirectangular distance in metres: exact enough within a city."""
    k = math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.radians(math.hypot(lat2 - lat1, (lng2 - lng1) * k))
