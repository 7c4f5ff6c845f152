"""The synthetic city: registry rows generated deterministically from a seed, for the demo and
for measuring at scale (``tongban seed --scale N``).

Places are the real districts and streets of ``data/shanghai_places.json`` with generated
committees, grids and standard addresses on each district's real roads. Person ``i`` and
entity ``k`` are functions of the seed and their index alone, so a run at a larger scale
yields the same first rows and adds only the rest, and a re-run yields exactly the rows the
registry already holds (the bulk load skips held keys):

- an ID number is a real district code, a birth date (1938–2022) and a sequence number (100–999,
  its last digit odd for men) reached from ``i`` by an affine bijection, so no two persons share
  one; its check character is identity's ISO 7064 MOD 11-2;
- a USCC is 91 (92 for an individual business, 93 for a cooperative), the district code,
  ``MA7`` and six characters reached from ``k`` by a bijection, and identity's GB 32100 check
  character; entity names are made unique the same way (trade name × industry × area);
- names draw surnames by their frequency and given names from common characters; marital
  status follows age; every residence and entity address is one of the generated addresses;
- an entity's legal representative is an adult among persons ``0 … 5k+4``, which exist
  whenever entity ``k`` does (``N`` persons come with ``N // 5`` entities).
"""

from __future__ import annotations

import datetime
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources

from tongban.identity.validators import id_number_check_char, uscc_check_char

from . import geo
from .bulk import EntityRow, PersonRow, PlaceRow
from .choices import EntityRecordKind, EntityStatus, Gender, MaritalStatus, PlaceKind

DEFAULT_SEED = 20261202
MAX_SCALE = 5_000_000
POPULATION_PROVIDER = "sh-police"
ENTITY_PROVIDER = "sh-amr"
PLACE_PROVIDER = "sh-planning"
COMMITTEES_PER_STREET = 3
ADDRESSES_PER_COMMITTEE = 20
BLOCK = 1000  # rows drawn from one random stream
REFERENCE_DATE = datetime.date(2026, 1, 1)  # ages (marital status) are counted at this date
FIRST_BIRTH = datetime.date(1938, 1, 1)
LAST_BIRTH = datetime.date(2022, 12, 31)
BIRTH_DAYS = (LAST_BIRTH - FIRST_BIRTH).days + 1
SEQUENCES = 900  # 100–999: the demo's own numbers use sequences below 100
FIRST_ESTABLISHED = datetime.date(1992, 1, 1)
LAST_ESTABLISHED = datetime.date(2025, 12, 31)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_DIGITS = 6  # after the fixed "MA7"

# approximate resident population of each district, in ten thousands (2020 census)
DISTRICT_WEIGHTS = {
    "310101": 66,
    "310104": 111,
    "310105": 69,
    "310106": 98,
    "310107": 124,
    "310109": 76,
    "310110": 124,
    "310112": 265,
    "310113": 224,
    "310114": 183,
    "310115": 568,
    "310116": 82,
    "310117": 191,
    "310118": 127,
    "310120": 114,
    "310151": 64,
}
_NUMERALS = "一二三四五六七八九十"
_KINDS = [
    (EntityRecordKind.LIMITED_COMPANY, 80, "有限公司"),
    (EntityRecordKind.INDIVIDUAL_BUSINESS, 10, "经营部"),
    (EntityRecordKind.SOLE_PROPRIETORSHIP, 4, "商行"),
    (EntityRecordKind.PARTNERSHIP, 3, "合伙企业（有限合伙）"),
    (EntityRecordKind.JOINT_STOCK_COMPANY, 2, "股份有限公司"),
    (EntityRecordKind.FARMERS_COOPERATIVE, 1, "专业合作社"),
]
_USCC_PREFIX = {
    EntityRecordKind.INDIVIDUAL_BUSINESS: "92",
    EntityRecordKind.FARMERS_COOPERATIVE: "93",
}
_STATUSES = [(EntityStatus.EXISTING, 90), (EntityStatus.DEREGISTERED, 6), (EntityStatus.REVOKED, 4)]
_CAPITALS = [(10, 15), (50, 20), (100, 30), (200, 12), (500, 12), (1000, 8), (5000, 3)]


@cache
def _names() -> dict:
    text = resources.files("tongban.registries").joinpath("data/names.json").read_text("utf-8")
    return json.loads(text)


def _unique(chars: str) -> str:
    return "".join(dict.fromkeys(chars))


def _coprime_near(target: float, modulus: int) -> int:
    step = int(target)
    while math.gcd(step, modulus) != 1:
        step += 1
    return step


def _cumulative(weights: list[int]) -> list[int]:
    total, result = 0, []
    for w in weights:
        total += w
        result.append(total)
    return result


@dataclass(frozen=True)
class Address:
    code: str
    text: str
    district: str


class SyntheticCity:
    """The rows of the synthetic city drawn from ``seed``."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self.seed = seed
        names = _names()
        self.surnames = [s for s, _ in names["surnames"]]
        self.surname_weights = _cumulative([w for _, w in names["surnames"]])
        self.given = {
            Gender.MALE: _unique(names["given_neutral"] + names["given_male"]),
            Gender.FEMALE: _unique(names["given_neutral"] + names["given_female"]),
        }
        self.trade = _unique(names["trade"])
        self.industries = names["industries"]
        # district slots, each district repeated by its population: person i lives in slot i % T
        slots = [code for code, w in DISTRICT_WEIGHTS.items() for _ in range(round(w / 10))]
        self.slots = slots
        seen: dict[str, int] = {}
        self.slot_rank = []
        for code in slots:
            self.slot_rank.append(seen.get(code, 0))
            seen[code] = seen.get(code, 0) + 1
        self.slot_count = seen
        self.person_space = BIRTH_DAYS * SEQUENCES
        self.person_step = _coprime_near(self.person_space * 0.6180339887, self.person_space)
        self.person_offset = random.Random(f"{seed}:persons").randrange(self.person_space)
        self.areas = ["", *(d["name"].removesuffix("新区").removesuffix("区") for d in self._d)]
        self.name_space = len(self.trade) ** 2 * len(self.industries) * len(self.areas)
        self.name_step = _coprime_near(self.name_space * 0.6180339887, self.name_space)
        self.org_space = len(USCC_ALPHABET) ** ORG_DIGITS
        self.org_step = _coprime_near(self.org_space * 0.6180339887, self.org_space)
        offsets = random.Random(f"{seed}:entities")
        self.name_offset = offsets.randrange(self.name_space)
        self.org_offset = offsets.randrange(self.org_space)

    @cached_property
    def _d(self) -> list[dict]:
        return geo.reference()["districts"]

    # ------------------------------------------------------------------------- places

    @cached_property
    def places(self) -> list[PlaceRow]:
        """Every place, parents before children: districts, streets, committees, grids,
        standard addresses."""
        rng = random.Random(f"{self.seed}:places")
        P = PLACE_PROVIDER
        districts, streets, committees, grids, addresses = [], [], [], [], []
        for d in self._d:
            districts.append(PlaceRow(d["code"], PlaceKind.DISTRICT, d["name"], None, P))
            roads, counter = d["roads"], 0
            for street_code, street_name in d["streets"]:
                streets.append(PlaceRow(street_code, PlaceKind.STREET, street_name, d["code"], P))
                short = street_name.removesuffix("街道").removesuffix("镇")
                for c in range(1, COMMITTEES_PER_STREET + 1):
                    committee = f"{street_code}{c:03d}"
                    grid = f"G{committee}"
                    committees.append(
                        PlaceRow(
                            committee,
                            PlaceKind.COMMITTEE,
                            f"{short}第{_NUMERALS[c - 1]}居民委员会",
                            street_code,
                            P,
                        )
                    )
                    grids.append(
                        PlaceRow(grid, PlaceKind.GRID, f"{street_name}第{c}网格", street_code, P)
                    )
                    for a in range(1, ADDRESSES_PER_COMMITTEE + 1):
                        road = roads[counter % len(roads)]
                        number = counter // len(roads) * 2 + 1
                        counter += 1
                        house = f"{number}号"
                        spread = d["spread"]
                        addresses.append(
                            PlaceRow(
                                f"A{committee}{a:05d}",
                                PlaceKind.ADDRESS,
                                f"{road}{house}",
                                committee,
                                P,
                                address=f"上海市{d['name']}{road}{house}",
                                road=road,
                                house_number=house,
                                lat=Decimal(f"{d['lat'] + rng.uniform(-spread, spread):.6f}"),
                                lng=Decimal(f"{d['lng'] + rng.uniform(-spread, spread):.6f}"),
                                grid_code=grid,
                            )
                        )
        return districts + streets + committees + grids + addresses

    @cached_property
    def addresses(self) -> list[Address]:
        return [
            Address(p.code, p.address, p.code[1:7])
            for p in self.places
            if p.kind == PlaceKind.ADDRESS
        ]

    @cached_property
    def addresses_by_district(self) -> dict[str, list[Address]]:
        found: dict[str, list[Address]] = {}
        for a in self.addresses:
            found.setdefault(a.district, []).append(a)
        return found

    # ------------------------------------------------------------------------ persons

    def id_number(self, i: int) -> str:
        """Person ``i``'s ID number: no other index has it."""
        slot = i % len(self.slots)
        region = self.slots[slot]
        local = (i // len(self.slots)) * self.slot_count[region] + self.slot_rank[slot]
        x = (local * self.person_step + self.person_offset) % self.person_space
        day, sequence = divmod(x, SEQUENCES)
        birth = FIRST_BIRTH + datetime.timedelta(days=day)
        first17 = f"{region}{birth:%Y%m%d}{sequence + 100:03d}"
        return first17 + id_number_check_char(first17)

    @staticmethod
    def birth_date(id_number: str) -> datetime.date:
        return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))

    def name(self, rng: random.Random, gender: str) -> str:
        surname = rng.choices(self.surnames, cum_weights=self.surname_weights)[0]
        pool = self.given[Gender(gender)]
        length = 1 if rng.random() < 0.25 else 2
        return surname + "".join(rng.choice(pool) for _ in range(length))

    @staticmethod
    def marital_status(rng: random.Random, birth: datetime.date) -> str:
        age = REFERENCE_DATE.year - birth.year
        r = rng.random()
        if age < 20:
            return MaritalStatus.UNMARRIED
        if age < 30:
            table = ((0.55, MaritalStatus.UNMARRIED), (0.97, MaritalStatus.MARRIED))
        elif age < 60:
            table = (
                (0.08, MaritalStatus.UNMARRIED),
                (0.90, MaritalStatus.MARRIED),
                (0.98, MaritalStatus.DIVORCED),
            )
        else:
            table = (
                (0.02, MaritalStatus.UNMARRIED),
                (0.77, MaritalStatus.MARRIED),
                (0.82, MaritalStatus.DIVORCED),
            )
        for bound, status in table:
            if r < bound:
                return status
        return MaritalStatus.DIVORCED if age < 30 else MaritalStatus.WIDOWED

    def person(self, rng: random.Random, number: str, name: str | None = None) -> PersonRow:
        gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
        birth = self.birth_date(number)
        local = self.addresses_by_district[number[:6]] if number[:6] in DISTRICT_WEIGHTS else []
        residence = rng.choice(local or self.addresses)
        hukou = residence if rng.random() < 0.7 else rng.choice(self.addresses)
        return PersonRow(
            id_number=number,
            name=name or self.name(rng, gender),
            gender=gender.value,
            birth_date=birth,
            provider_code=POPULATION_PROVIDER,
            hukou_address=hukou.text,
            residence_code=residence.code,
            marital_status=self.marital_status(rng, birth).value,
            household_code=f"H{hukou.code[1:13]}{rng.randrange(1000):03d}",
        )

    def persons(self, count: int, start: int = 0) -> Iterator[PersonRow]:
        """Persons ``start … count-1``."""
        for block in range(start // BLOCK, math.ceil(count / BLOCK)):
            rng = random.Random(f"{self.seed}:p:{block}")
            for i in range(block * BLOCK, min(count, (block + 1) * BLOCK)):
                row = self.person(rng, self.id_number(i))
                if i >= start:
                    yield row

    # ----------------------------------------------------------------------- entities

    def uscc(self, k: int, kind: str, region: str) -> str:
        y = (k * self.org_step + self.org_offset) % self.org_space
        chars = []
        for _ in range(ORG_DIGITS):
            y, digit = divmod(y, len(USCC_ALPHABET))
            chars.append(USCC_ALPHABET[digit])
        first17 = f"{_USCC_PREFIX.get(EntityRecordKind(kind), '91')}{region}MA7{''.join(chars)}"
        return first17 + uscc_check_char(first17)

    def entity_name(self, k: int, suffix: str) -> tuple[str, int]:
        """Entity ``k``'s name (no other index has it) and its industry."""
        x = (k * self.name_step + self.name_offset) % self.name_space
        x, industry = divmod(x, len(self.industries))
        x, area = divmod(x, len(self.areas))
        first, second = divmod(x, len(self.trade))
        trade = self.trade[first] + self.trade[second]
        return f"上海{self.areas[area]}{trade}{self.industries[industry][0]}{suffix}", industry

    def _adult(self, rng: random.Random, upto: int) -> tuple[str, datetime.date]:
        for _ in range(64):
            number = self.id_number(rng.randrange(upto))
            birth = self.birth_date(number)
            if birth.year <= 2004:
                return number, birth
        return number, birth  # pragma: no cover - 64 minors in a row

    def entity(
        self,
        rng: random.Random,
        k: int,
        *,
        rep: str | None = None,
        uscc: str | None = None,
        name: str | None = None,
        kind: EntityRecordKind | None = None,
        status: EntityStatus | None = None,
    ) -> EntityRow:
        drawn, suffix = rng.choices(
            [(kd, s) for kd, _, s in _KINDS], cum_weights=_cumulative([w for _, w, _ in _KINDS])
        )[0]
        kind = kind or drawn
        generated, industry = self.entity_name(k, suffix)
        if rep is None:
            rep, rep_birth = self._adult(rng, 5 * (k + 1))
        else:
            rep_birth = self.birth_date(rep)
        start = max(FIRST_ESTABLISHED, rep_birth.replace(year=rep_birth.year + 18, day=1))
        span = max((LAST_ESTABLISHED - start).days, 1)
        established = start + datetime.timedelta(days=rng.randrange(span))
        code = uscc or self.uscc(k, kind, rep[:6])
        region = code[2:8]
        address = rng.choice(self.addresses_by_district.get(region) or self.addresses)
        status = (
            status
            or rng.choices(
                [s for s, _ in _STATUSES], cum_weights=_cumulative([w for _, w in _STATUSES])
            )[0]
        )
        capital = None
        if kind != EntityRecordKind.INDIVIDUAL_BUSINESS:
            amount = rng.choices(
                [c for c, _ in _CAPITALS], cum_weights=_cumulative([w for _, w in _CAPITALS])
            )[0]
            capital = Decimal(amount)
        return EntityRow(
            uscc=code,
            name=name or generated,
            kind=kind.value,
            legal_representative_id_number=rep,
            established_on=established,
            provider_code=ENTITY_PROVIDER,
            registered_capital=capital,
            address_code=address.code,
            business_scope=self.industries[industry][1],
            status=status.value,
        )

    def entities(self, count: int, start: int = 0) -> Iterator[EntityRow]:
        """Entities ``start … count-1``."""
        if count > self.name_space:
            raise ValueError("more entities than unique names")
        for block in range(start // BLOCK, math.ceil(count / BLOCK)):
            rng = random.Random(f"{self.seed}:e:{block}")
            for k in range(block * BLOCK, min(count, (block + 1) * BLOCK)):
                row = self.entity(rng, k)
                if k >= start:
                    yield row
