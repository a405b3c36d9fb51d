"""Free text → scenario fields and claim lines, the way coders type them. Pure regex, no model.

The parser reports what it found and what it could not decide; it never guesses a side,
a joint or a code. Callers turn missing facts into a stated assumption or a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from guardrails.errors import InvalidJointError
from guardrails.joints import joints_between, normalise_joint
from guardrails.models import ClaimLine, Imaging, Purpose, Setting
from guardrails.payers import PayerRegistry

_J = r"[CTLS]\s?\d{1,2}\s?(?:-|/|–)\s?(?:[CTLS]\s?)?\d{1,2}"
JOINT_RE = re.compile(rf"(?<![A-Za-z0-9])({_J})(?![0-9])", re.IGNORECASE)
RANGE_RE = re.compile(rf"(?<![A-Za-z0-9])({_J})\s*(?:through|thru|to|-|–|—)\s*({_J})(?![0-9])", re.IGNORECASE)
SI_RE = re.compile(r"\b(?:si|sij|sacro-?iliac)\b(?:\s+joints?)?", re.IGNORECASE)
SIDE_RE = re.compile(
    r"\b(bilateral(?:ly)?|bilat|b/l|both\s+sides|right|left)\b|(?<![A-Za-z0-9-])(RT|LT)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
CODE_RE = re.compile(
    r"(?<![0-9A-Za-z])\+?(6449[0-5]|021[3-8]T|77003|77012|27096|G0260|64451|64625|6463[3-6]|2055[0-3])"
    r"(?P<mods>(?:\s*-\s*(?:50|RT|LT|59|XE|XS|XP|XU|51|KX))*)"
    r"(?:\s*(?:x|×|\*)\s*(?P<units>\d{1,2})\b|\s*(?:with\s+|for\s+|,\s*)?(?P<units2>\d{1,2})\s+units?\b)?",
    re.IGNORECASE,
)
WITH_MOD_RE = re.compile(
    r"\b(?:with|and|plus|using|use|add(?:ing)?|append(?:ing)?)\s+(?:a\s+|the\s+)?(?:modifiers?|mod)\s*-?\s*(50|RT|LT|59|XE|XS|XP|XU|51|KX)\b",
    re.IGNORECASE,
)
CHECK_INTENT_RE = re.compile(
    r"\b(billed|we\s+bill|submitted|coded\s+(?:it\s+)?as|is\s+(?:that|this|it)\s+(?:correct|right|ok)|"
    r"check|claim\s+(?:shows|has|lines?)|denied|rejected)\b",
    re.IGNORECASE,
)
_IMAGING = [
    (
        re.compile(
            r"\b(?:no|without(?:\s+any)?)\s+(?:imaging|image\s+guidance|guidance|fluoro(?:scopy)?)\b|\bblind(?:ly)?\b|\blandmark[- ]guided\b",
            re.I,
        ),
        Imaging.NONE,
    ),
    (re.compile(r"\bultrasound\b|\bu/s\b|\bsonograph|(?<![A-Za-z])US(?:-guided)?(?![A-Za-z])"), Imaging.ULTRASOUND),
    (re.compile(r"\bfluoro\w*|\bc-?arm\b", re.I), Imaging.FLUOROSCOPY),
    (re.compile(r"(?<![A-Za-z])CT(?![A-Za-z])|\bcomputed tomography\b", re.I), Imaging.CT),
]
_PURPOSE = [
    (
        re.compile(r"\bdiagnostic\b|\bdx\b|\bMBBs?\b|\bmedial\s+branch\s+blocks?\b|\bconfirmatory\b", re.I),
        Purpose.DIAGNOSTIC,
    ),
    (re.compile(r"\btherapeutic\b|\btreatment\s+injection\b", re.I), Purpose.THERAPEUTIC),
]
_SETTING = [
    (
        re.compile(r"\bHOPD\b|\bhospital\s+outpatient\b|\boutpatient\s+(?:hospital|department)\b|\bOPD\b", re.I),
        Setting.HOSPITAL_OUTPATIENT_FACILITY,
    ),
    (
        re.compile(r"\bASC\b|\bambulatory\s+surg\w*\s+cent\w*|\bsurgery\s+cent\w*|\bsurgical\s+cent\w*", re.I),
        Setting.ASC_FACILITY,
    ),
    (
        re.compile(r"\boffice\b|\bphysician\s+(?:claim|side|billing)\b|\bprofessional\b|\bpro\s+fee\b", re.I),
        Setting.PROFESSIONAL,
    ),
]
_PHYSICIAN_IN_FACILITY = re.compile(
    r"\b(?:physician|surgeon|doctor|provider)'?s?\s+(?:own\s+)?(?:claim|side|bill)", re.I
)


@dataclass
class ParsedText:
    joints: list[tuple[str, str | None]] = field(default_factory=list)  # (joint, side or None)
    invalid_joints: list[InvalidJointError] = field(default_factory=list)
    mentions_si: bool = False
    payer: str | None = None
    payer_text: str | None = None
    setting: Setting | None = None
    imaging: Imaging | None = None
    imaging_conflict: list[Imaging] = field(default_factory=list)
    purpose: Purpose | None = None
    purpose_note: str | None = None
    purpose_conflict: bool = False
    sides_mentioned: list[str] = field(default_factory=list)
    lines: list[ClaimLine] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    modifiers_mentioned: list[str] = field(default_factory=list)
    check_intent: bool = False

    @property
    def unsided(self) -> list[str]:
        return [j for j, s in self.joints if s is None]


def _side_word(text: str) -> str:
    low = text.lower()
    if low.startswith(("bilat", "b/l", "both")):
        return "bilateral"
    return "right" if low in ("right", "rt") else "left"


def _find_joints(text: str, parsed: ParsedText) -> list[tuple[int, int, list[str]]]:
    """Joint mentions with their span; ranges expand to every joint between."""
    found: list[tuple[int, int, list[str]]] = []
    taken: list[tuple[int, int]] = []
    for m in RANGE_RE.finditer(text):
        try:
            found.append((m.start(), m.end(), joints_between(m.group(1), m.group(2))))
            taken.append((m.start(), m.end()))
        except InvalidJointError:
            continue
    for m in JOINT_RE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        try:
            found.append((m.start(), m.end(), [normalise_joint(m.group(1))]))
        except InvalidJointError as exc:
            parsed.invalid_joints.append(exc)
    return sorted(found)


def _assign_sides(text: str, joint_spans: list[tuple[int, int, list[str]]]) -> list[tuple[str, str | None]]:
    sides = []
    for m in SIDE_RE.finditer(text):
        word = m.group(1) or m.group(2)
        # 'RT'/'LT' as modifiers after a code (64490-RT) are claim lines, not sides of a joint.
        if m.group(2) and re.search(r"\d\s*-\s*$", text[: m.start()]):
            continue
        sides.append((m.start(), _side_word(word)))
    if not joint_spans:
        return []
    # (position, side word or None, joints): side words and joint mentions in text order.
    events: list[tuple[int, str | None, list[str]]] = sorted(
        [(pos, side, []) for pos, side in sides] + [(start, None, js) for start, _, js in joint_spans],
        key=lambda e: e[0],
    )
    prefix_style = bool(sides) and sides[0][0] < joint_spans[0][0]
    out: list[tuple[str, str | None]] = []
    current: str | None = None
    pending: list[str] = []
    for _, side, joints in events:
        if side is not None:
            if prefix_style:
                current = side
            else:
                out.extend((j, side) for j in pending)
                pending = []
            continue
        for joint in joints:
            if prefix_style and current:
                out.append((joint, current))
            else:
                pending.append(joint)
    distinct = {s for _, s in sides}
    only = next(iter(distinct)) if len(distinct) == 1 else None
    out.extend((j, only) for j in pending)
    return out


def _claim_lines(text: str, parsed: ParsedText) -> None:
    for m in CODE_RE.finditer(text):
        code = m.group(1).upper()
        parsed.codes.append(code)
        mods = [p.strip().upper() for p in re.split(r"-", m.group("mods") or "") if p.strip()]
        units_text = m.group("units") or m.group("units2")
        tail = text[m.end() : m.end() + 40]
        with_mod = WITH_MOD_RE.match(tail.lstrip(" ,"))
        if with_mod:
            mods.append(with_mod.group(1).upper())
        parsed.lines.append(ClaimLine(code=code, modifiers=mods, units=int(units_text) if units_text else 1))
    parsed.modifiers_mentioned = sorted(
        {
            m.group(1).upper()
            for m in re.finditer(r"\b(?:modifiers?|mod)\s*-?\s*(50|RT|LT|59|XE|XS|XP|XU|51|KX)\b", text, re.I)
        }
        | {mod for ln in parsed.lines for mod in ln.modifiers}
    )


def _imaging(text: str, parsed: ParsedText) -> None:
    """One imaging kind, or a conflict to ask about ('without fluoro' is not fluoroscopy)."""
    none_pattern = _IMAGING[0][0]
    negated = bool(none_pattern.search(text))
    rest = none_pattern.sub(" ", text)
    positive: list[Imaging] = []
    for pattern, kind in _IMAGING[1:]:
        if pattern.search(rest):
            positive.append(kind)
    if negated and positive:
        parsed.imaging_conflict = [Imaging.NONE, *positive]
    elif len(positive) > 1:
        parsed.imaging_conflict = positive
    elif negated:
        parsed.imaging = Imaging.NONE
    elif positive:
        parsed.imaging = positive[0]


def _purpose(text: str, parsed: ParsedText) -> None:
    found = [(kind, m) for pattern, kind in _PURPOSE if (m := pattern.search(text))]
    if len({kind for kind, _ in found}) > 1:
        parsed.purpose_conflict = True
        return
    if found:
        kind, match = found[0]
        parsed.purpose = kind
        if kind is Purpose.DIAGNOSTIC and "diagnostic" not in match.group(0).lower():
            parsed.purpose_note = (
                f"'{match.group(0)}' read as a diagnostic injection "
                "(medial branch blocks are diagnostic under the Medicare policies)."
            )


def parse_text(text: str, payers: PayerRegistry) -> ParsedText:
    parsed = ParsedText()
    code_free = CODE_RE.sub(" ", text)
    spans = _find_joints(code_free, parsed)
    parsed.joints = _assign_sides(code_free, spans)
    parsed.sides_mentioned = sorted(
        {_side_word(m.group(1) or m.group(2)) for m in SIDE_RE.finditer(code_free) if m.group(1)}
    )
    parsed.mentions_si = bool(SI_RE.search(text))
    _imaging(code_free, parsed)
    _purpose(text, parsed)
    for pattern, setting in _SETTING:
        if pattern.search(text):
            parsed.setting = setting
            break
    if parsed.setting in (Setting.ASC_FACILITY, Setting.HOSPITAL_OUTPATIENT_FACILITY) and _PHYSICIAN_IN_FACILITY.search(
        text
    ):
        parsed.setting = Setting.PROFESSIONAL
    parsed.payer, parsed.payer_text = find_payer(text, payers)
    _claim_lines(text, parsed)
    parsed.check_intent = bool(CHECK_INTENT_RE.search(text))
    return parsed


def find_payer(text: str, payers: PayerRegistry) -> tuple[str | None, str | None]:
    """Payer id named in the text (longest alias wins), with the words that named it."""
    low = " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "
    best: tuple[int, str, str] | None = None
    for alias, pid in payers.alias_table().items():
        if alias and f" {alias} " in low and (best is None or len(alias) > best[0]):
            best = (len(alias), pid, alias)
    return (best[1], best[2]) if best else (None, None)
