"""Facet joint names: parse the ways people write them, order them, and give their region."""

from __future__ import annotations

import re
from functools import lru_cache

from guardrails.errors import InvalidJointError
from guardrails.models import Region

# Vertebrae in cranial-to-caudal order; a facet joint is two neighbours in this list.
_VERTEBRAE: tuple[str, ...] = (
    tuple(f"C{i}" for i in range(1, 8))
    + tuple(f"T{i}" for i in range(1, 13))
    + tuple(f"L{i}" for i in range(1, 6))
    + ("S1", "S2")
)

# C2-C3 .. L5-S1 are the joints 64490-64495 describe (C1-C2 is the atlanto-axial joint).
FACET_JOINTS: tuple[str, ...] = tuple(
    f"{_VERTEBRAE[i]}-{_VERTEBRAE[i + 1]}" for i in range(_VERTEBRAE.index("C2"), _VERTEBRAE.index("L5") + 1)
)
_INDEX = {name: i for i, name in enumerate(FACET_JOINTS)}
LUMBAR_START = _INDEX["L1-L2"]

_SI_WORDS = re.compile(r"\b(si|sij|sacro-?iliac|sacroiliac)\b", re.IGNORECASE)
_JOINT = re.compile(
    r"^\s*([CTLS])\s*(\d{1,2})\s*(?:(?:-|/|–|—|to|\s)\s*([CTLS])?|(?=[CTLS]))\s*([CTLS])?\s*(\d{1,2})\s*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=512)
def normalise_joint(text: str) -> str:
    """Return the canonical name (e.g. 'C4-C5') or raise InvalidJointError saying why."""
    raw = text.strip()
    if not raw:
        raise InvalidJointError(text, "no joint was named")
    if _SI_WORDS.search(raw):
        raise InvalidJointError(
            raw,
            "the sacroiliac joint is not a facet joint; report it with 27096 "
            "(G0260 on ASC/hospital outpatient facility claims), 64451 for its nerve block "
            "or 64625 for its radiofrequency ablation",
            rule="FJ-NOT-FACET",
        )
    match = _JOINT.match(raw)
    if not match:
        raise InvalidJointError(raw, "name a facet joint by its two vertebrae, for example C4-C5, T12-L1 or L5-S1")
    letter1, num1, letter2a, letter2b, num2 = match.groups()
    letter2 = letter2a or letter2b
    upper = f"{letter1.upper()}{int(num1)}"
    lower_letter = (letter2 or letter1).upper()
    lower = f"{lower_letter}{int(num2)}"
    if letter2 is None and upper in {"C7", "T12", "L5"} and int(num2) == 1:
        lower = {"C7": "T1", "T12": "L1", "L5": "S1"}[upper]
    for vertebra in (upper, lower):
        if vertebra not in _VERTEBRAE:
            raise InvalidJointError(
                raw, f"there is no {vertebra} vertebra in the standard spine (C1-C7, T1-T12, L1-L5, S1)"
            )
    name = f"{upper}-{lower}"
    if name in _INDEX:
        return name
    if name == "C1-C2":
        raise InvalidJointError(raw, "C1-C2 is the atlanto-axial joint; 64490-64495 start at C2-C3")
    if name == "S1-S2":
        raise InvalidJointError(
            raw,
            "the sacral segments are fused and have no facet joints below L5-S1; if the "
            "sacroiliac joint was meant, it is coded 27096 (G0260 on facility claims), not 64493-64495",
            rule="FJ-NOT-FACET",
        )
    raise InvalidJointError(
        raw,
        f"{upper} and {lower} are not neighbouring vertebrae; name each joint separately (for example C4-C5 and C5-C6)",
    )


def joint_index(name: str) -> int:
    """Cranial-to-caudal position of a canonical joint name."""
    return _INDEX[name]


def region_of(name: str) -> Region:
    """CPT region: C2-C3 through T12-L1 cervical/thoracic, L1-L2 through L5-S1 lumbar/sacral."""
    return Region.CERVICAL_THORACIC if _INDEX[name] < LUMBAR_START else Region.LUMBAR_SACRAL


def joints_between(first: str, last: str) -> list[str]:
    """Every joint from first to last inclusive ('C3-C4 through C6-C7')."""
    a, b = sorted((_INDEX[normalise_joint(first)], _INDEX[normalise_joint(last)]))
    return list(FACET_JOINTS[a : b + 1])
