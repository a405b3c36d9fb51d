"""Free text → scenario fields and claim lines, the way coders type them. Pure regex, no model.

The parser reports what it found and what it could not decide; it never guesses a side,
a joint or a code. Callers turn missing facts into a stated assumption or a question.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from guardrails.errors import InvalidJointError
from guardrails.joints import joints_between, normalise_joint
from guardrails.models import ClaimLine, Imaging, Purpose, Setting
from guardrails.payers import PayerRegistry

_J = r"[CTLS]\s?\d{1,2}(?:\s?(?:-|/|–|—)\s?(?:[CTLS]\s?)?\d{1,2}|[CTLS]\d{1,2})"
# 'L4-5-S1', 'C5-6-7', 'L3/4/5': three or more vertebrae = the joints between each neighbour pair.
CHAIN_RE = re.compile(
    r"(?<![A-Za-z0-9])([CTLS])\s?(\d{1,2})((?:\s?(?:-|/|–|—)\s?(?:[CTLS]\s?)?\d{1,2}){2,})(?![0-9])", re.I
)
JOINT_RE = re.compile(rf"(?<![A-Za-z0-9])({_J})(?![0-9])", re.IGNORECASE)
RANGE_RE = re.compile(rf"(?<![A-Za-z0-9])({_J})\s*(?:through|thru|to|-|–|—)\s*({_J})(?![0-9])", re.IGNORECASE)
SI_RE = re.compile(r"\b(?:si|sij|sacro-?iliac)\b(?:\s+joints?)?", re.IGNORECASE)
SIDE_RE = re.compile(
    r"\b(bilateral(?:ly)?|bilat|b/l|both\s+sides|right|left)\b|(?<![A-Za-z0-9-])(RT|LT)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_MODS = "50|RT|LT|59|XE|XS|XP|XU|51|KX"
CODE_RE = re.compile(
    r"(?:(?<![0-9])(?P<pre>\d{1,2})\s+units?\s+(?:of\s+)?)?"
    r"(?<![0-9A-Za-z])\+?(?P<code>6449[0-5]|021[3-8]T|77003|77012|27096|G0260|64451|64625|6463[3-6]|2055[0-3])"
    rf"(?P<mods>(?:(?:\s*[-–—]\s*|(?<=[0-9T])(?=RT|LT|KX))(?:{_MODS}))*)"
    rf"(?P<smods>(?:\s+(?:mod(?:ifier)?s?\s*-?\s*|w/\s*)?(?:{_MODS})(?![0-9A-Za-z])|\s*\(\s*(?:{_MODS})\s*\))*)"
    r"(?:\s*(?:x|×|\*)\s*(?P<units>\d{1,2})\b"
    r"|\s*,?\s*(?:units?|qty|quantity)\s*[:=]?\s*(?P<units4>\d{1,2})\b"
    r"|\s+(?P<units5>\d{1,2})\s*u\b"
    r"|\s*\(\s*(?:x\s*(?P<units3>\d{1,2})|(?P<units6>\d{1,2})\s+units?)\s*\)"
    r"|\s*(?:with\s+|for\s+|,\s*)?(?P<units2>\d{1,2})\s+units?\b)?",
    re.IGNORECASE,
)
# 'modifier 59 on 64491', 'put 59 on the 64491 line'
MOD_BEFORE_RE = re.compile(
    rf"\b(?:modifiers?|mod)\s*-?\s*({_MODS})\s+(?:on|to)\s+(?:the\s+)?\+?(6449[0-5]|021[3-8]T)\b", re.I
)
WITH_MOD_RE = re.compile(
    r"\b(?:with|and|plus|using|use|add(?:ing)?|append(?:ing)?)\s+(?:a\s+|the\s+)?(?:modifiers?|mod)\s*-?\s*(50|RT|LT|59|XE|XS|XP|XU|51|KX)\b",
    re.IGNORECASE,
)
CHECK_INTENT_RE = re.compile(
    r"\b((?:we|i|they|you|office|clinic|practice|doctor|dr)\s+(?:have\s+|had\s+)?billed|^\s*billed|billed\s+(?:as|it|this|them|these|out)"
    r"|was\s+billed|we\s+bill|submitted|coded\s+(?:it\s+)?as|is\s+(?:that|this|it)\s+(?:correct|right|ok)|"
    r"check|claim\s+(?:shows|has|lines?))\b",
    re.IGNORECASE,
)
_IMAGING = [
    (
        re.compile(
            r"\b(?:no|without(?:\s+any)?)\s+(?:imaging|image\s+guidance|guidance|fluoro(?:scopy)?|CT|ultrasound)\b"
            r"|\b(?:fluoro(?:scopy)?|imaging|image guidance|guidance|CT|ultrasound)\s+(?:was|were)\s+(?:not|never)\s+used\b"
            r"|\bnot\s+(?:done\s+|performed\s+)?(?:under|with)\s+(?:fluoro(?:scopy)?|imaging|guidance|CT)\b"
            r"|\bw/o\s+(?:fluoro\w*|imaging|guidance|CT)\b"
            r"|\b(?:did\s+not|didn't|didnt)\s+use\s+(?:fluoro\w*|imaging|guidance|CT|a\s+c-?arm)\b"
            r"|\b(?:fluoro\w*|imaging|guidance)\s*[:=]\s*(?:none|no|n/a)\b"
            r"|\b(?:fluoro\w*|imaging|c-?arm|CT)\s+(?:was|were)\s+(?:not\s+available|unavailable|down|broken|out of service)\b"
            r"|\bblind(?:ly)?\b|\blandmark\b|\bpalpation\b",
            re.I,
        ),
        Imaging.NONE,
    ),
    (
        re.compile(
            r"\bultrasound\b|\bu/s\b|\bsono\w*|(?<![A-Za-z])US(?:-guided)?(?![A-Za-z])"
            r"|(?i:\bus[- ]guid\w*|\bunder\s+us\b(?:\s+guidance)?)"
        ),
        Imaging.ULTRASOUND,
    ),
    (re.compile(r"\bfluoro\w*|\bc-?arm\b", re.I), Imaging.FLUOROSCOPY),
    (re.compile(r"(?<![A-Za-z])CT(?![A-Za-z])|\bcomputed tomography\b", re.I), Imaging.CT),
]
_PURPOSE = [
    (
        re.compile(
            r"\bdiagnostic\b|\bdx\b|\bMBBs?\b|\bmedial\s+branch\s+blocks?\b|\bconfirmatory\b|\btest\s+blocks?\b", re.I
        ),
        Purpose.DIAGNOSTIC,
    ),
    (re.compile(r"\btherapeutic\b|\btreatment\s+injection\b", re.I), Purpose.THERAPEUTIC),
]
_SETTING = [
    (
        re.compile(
            r"\bHOPD\b|\bhospital\s+outpatient\b|\boutpatient\s+(?:hospital|department)\b|\bOPD\b"
            r"|\bhospital\s+(?:facility\s+)?claim\b|\bUB-?04\b|\bhospital\s+facility\b",
            re.I,
        ),
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
    r"\b(?:physician|surgeon|doctor|provider)'?s?\s+(?:own\s+)?(?:claim|side|bill)"
    r"|\bpro\s*fee\b|\bprofessional\s+(?:claim|fee|component|side|billing)\b",
    re.I,
)
# 'we billed 64493-50 plus fluoroscopic guidance': the imaging was put on the claim too.
_BILLED_IMAGING = re.compile(
    r"\b(?:plus|also|separately|additionally)\s+(?:the\s+|a\s+)?(fluoro\w*|CT)\b"
    r"|\b(?:and|billed)\s+(?:the\s+|a\s+)?(fluoro\w*|CT)\s+(?:guidance|charge|line|code)\b",
    re.I,
)
_UNDOCUMENTED_IMAGING = re.compile(
    r"\b(?:fluoro\w*|imaging|image\s+guidance|guidance)\s+(?:was\s+|is\s+)?(?:not|never)\s+documented\b"
    r"|\bno\s+(?:imaging|fluoro\w*)\s+(?:documentation|documented|images?\s+saved)\b",
    re.I,
)
# Procedures that share words with facet injections but are other codes entirely.
OTHER_PROCEDURE_RE = re.compile(
    r"\b(?:rfa|radio\s*-?frequency|rf\s+ablation|ablation|rhizotomy|neurotomy|denervation|epidural|esi|tfesi"
    r"|transforaminal|interlaminar|caudal|trigger\s+points?|(?<!third\s)occipital\s+nerve|costovertebral|costotransverse"
    r"|vertebroplasty|kyphoplasty|discogra\w*|intradiscal|spinal\s+cord\s+stim\w*)\b"
    r"|\b(?:6463[3-6]|6232[0-7]|6447[9]|6448[0-4]|2055[0-3]|64405)\b",
    re.I,
)
# 'considering RFA', 'candidate for ablation': the facet block is the procedure; the other is a plan.
_PLANNED_BEFORE = re.compile(
    r"(?:consider\w*|candidate|prior\s+to|before|planning|planned|plan|for|pre-?|ahead\s+of|toward)\s+(?:an?\s+|the\s+|future\s+)?$",
    re.I,
)
_UNSUPPORTED_PAYERS = re.compile(
    r"\b((?:(?-i:[A-Z][a-z]+)\s+)?medicaid|humana|kaiser|tricare|wellcare|molina|centene|ambetter|oscar|highmark|emblem|geisinger)\b",
    re.I,
)


@dataclass
class ParsedText:
    text: str = ""
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
    absent_codes: list[str] = field(default_factory=list)  # 'without 64493'
    other_payers: list[str] = field(default_factory=list)  # more than one payer named
    # Codes whose modifier came from prose ('modifier 59 on 64491'), not claim notation (64491-59).
    soft_codes: set[str] = field(default_factory=set)
    excluded_joints: list[str] = field(default_factory=list)  # 'not L5-S1', 'L5-S1 was cancelled'
    other_procedures: list[str] = field(default_factory=list)  # 'RFA', 'ESI', '64635'
    imaging_undocumented: bool = False
    units_given: set[str] = field(default_factory=set)  # codes whose units were written ('64491 x 1')
    setting_ambiguous: bool = False  # 'facility claim': ASC or hospital outpatient?
    removed_sides: list[str] = field(default_factory=list)  # 'drop the left side'
    only: bool = False  # 'right L4-5 only'
    negated_purposes: list[str] = field(default_factory=list)  # 'not diagnostic'
    unsupported_payer: str | None = None
    negated_payers: list[str] = field(default_factory=list)  # 'not Medicare'
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


_NEGATED_BEFORE = re.compile(
    r"\b(?:not|no|except|excluding|without|drop|remove|cancel|delete|take\s+out|minus)\s+(?:at\s+|the\s+|a\s+)?$", re.I
)
# Follow-up edits: 'drop the left side', 'left side was not done', 'only L4-5', 'both'.
_REMOVED_SIDE = re.compile(
    r"\b(?:drop|remove|cancel|delete|take\s+out|no|not|without)\s+(?:the\s+)?(left|right)(?:\s+side)?\b(?!\s*,?\s*(?:but\s+)?(?:the\s+)?(?:left|right))"
    r"|\b(left|right)\s+side\s+(?:was\s+|is\s+)?(?:not|never)\s+(?:done|injected|performed|treated)\b",
    re.I,
)
_NEGATED_AFTER = re.compile(
    r"^\s*\)?\s*(?:(?:was|were|is)\s+)?(?:not\s+(?:done|injected|performed|treated)|cancel+ed|planned|deferred|aborted|skipped|postponed)\b",
    re.I,
)


def _vertebrae_chain(letter: str, first: str, rest: str) -> list[str]:
    names = [f"{letter.upper()}{int(first)}"]
    for part in re.findall(r"([CTLS])?\s?(\d{1,2})", rest, re.I):
        names.append(f"{(part[0] or names[-1][0]).upper()}{int(part[1])}")
    return [f"{a}-{b}" for a, b in itertools.pairwise(names)]


def _find_joints(text: str, parsed: ParsedText) -> list[tuple[int, int, list[str]]]:
    """Joint mentions with their span; ranges and chains expand to every joint between."""
    found: list[tuple[int, int, list[str]]] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(a <= m.start() < b for a, b in taken)

    for m in CHAIN_RE.finditer(text):
        try:
            joints = [normalise_joint(j) for j in _vertebrae_chain(m.group(1), m.group(2), m.group(3))]
        except InvalidJointError as exc:
            parsed.invalid_joints.append(exc)
            taken.append((m.start(), m.end()))
            continue
        found.append((m.start(), m.end(), joints))
        taken.append((m.start(), m.end()))
    for m in RANGE_RE.finditer(text):
        if not free(m):
            continue
        try:
            found.append((m.start(), m.end(), joints_between(m.group(1), m.group(2))))
            taken.append((m.start(), m.end()))
        except InvalidJointError:
            continue
    for m in JOINT_RE.finditer(text):
        if not free(m):
            continue
        try:
            joint = normalise_joint(m.group(1))
        except InvalidJointError as exc:
            parsed.invalid_joints.append(exc)
            continue
        if _NEGATED_BEFORE.search(text[max(0, m.start() - 16) : m.start()]) or _NEGATED_AFTER.search(
            text[m.end() : m.end() + 40]
        ):
            parsed.excluded_joints.append(joint)
            taken.append((m.start(), m.end()))
            continue
        found.append((m.start(), m.end(), [joint]))
    # An excluded joint named again elsewhere ('L5-S1 was cancelled ... L5-S1') stays excluded.
    excluded = set(parsed.excluded_joints)
    return sorted((a, b, [j for j in js if j not in excluded]) for a, b, js in found if set(js) - excluded)


_ON_THE = re.compile(r"\b(?:on|to)\s+(?:the\s+|both\s+)?$", re.I)


_NOT_A_SIDE_BEFORE = re.compile(
    r"(?:that's|that is|is that|is it|is this|am i|all|you're|you are|(?:code|codes|one|answer|modifier|this|that|it)\s+(?:is|are))\s+$",
    re.I,
)
_NOT_A_SIDE_AFTER = re.compile(
    r"^\s*(?:\?|now\b|away\b|codes?\b|answer\b|way\b|modifiers?\b|one\b|thing\b|choice\b|format\b|units?\b)",
    re.I,
)
# 'bilateral low back pain', 'left hip', 'left-handed', 'radiating to the left leg', 'dr left the note'
_BODY_OR_VERB_AFTER = re.compile(
    r"^\s*(?:-?\s*handed|hip|knee|leg|legs|arm|arms|shoulder|hand|foot|feet|buttock|groin|flank|eye|ear"
    r"|of\s+(?:the\s+)?midline|over\b|the\b|to\b|a\b|an\b|his\b|her\b|it\b|them\b|us\b|me\b|message"
    r"|(?:axial\s+)?(?:low(?:er)?\s+)?(?:back|neck)\s*(?:pain|ache)?\b|pain\b|sciatica|radicul\w*|extremity"
    r"|(?:side\s+)?(?:was|is|were)\s+(?:not|never)\b|(?:side\s+)?(?:planned|scheduled|next\s+(?:week|time|visit)))",
    re.I,
)
_CONTEXT_BEFORE = re.compile(
    r"(?:\b(?:drop|remove|cancel|delete|without)(?:\s+the)?|\bdr\.?|\bdoctor|\bhe|\bshe|\bthey|\bnothing|\banything|\bpain\s+(?:on|in)(?:\s+the)?"
    r"|\bradiat\w*\s+(?:to|into|down)(?:\s+the)?|\bafter|\bbefore|\bprior|\bprevious(?:ly)?|\blast)\s*$",
    re.I,
)


def side_matches(text: str) -> list[re.Match[str]]:
    """Side words, leaving out 'right?' / 'is that right' / 'right now' (not a side of the spine)."""
    out = []
    for m in SIDE_RE.finditer(text):
        word = (m.group(1) or m.group(2) or "").lower()
        before = text[max(0, m.start() - 12) : m.start()]
        on_the = re.search(r"\b(?:the|on|to)\s+$", before, re.I)
        after = text[m.end() :]
        # 'the right code' is an adjective even after 'the'; 'on the right?' is still a side.
        noun_after = _NOT_A_SIDE_AFTER.search(after) is not None and not re.match(r"\s*\?", after)
        if word == "right" and (
            noun_after or (not on_the and (_NOT_A_SIDE_BEFORE.search(before) or _NOT_A_SIDE_AFTER.search(after)))
        ):
            continue
        if _BODY_OR_VERB_AFTER.search(after) or _CONTEXT_BEFORE.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        out.append(m)
    return out


def _assign_sides(text: str, joint_spans: list[tuple[int, int, list[str]]]) -> list[tuple[str, str | None]]:
    """Pair each joint with the side words that describe it.

    Handles prefix ('right C4-5 and C5-6'), postfix ('C4-5 on the right'), mixed
    ('right C5-6 and C6-7 on the left') and pairs ('right and left L4-5' = bilateral).
    A joint may come out twice (left and right): the engine merges that into one bilateral level.
    """
    words: list[tuple[int, int, str]] = []
    for m in side_matches(text):
        # 'RT'/'LT' as modifiers after a code (64490-RT) are claim lines, not sides of a joint.
        if m.group(2) and re.search(r"\d\s*-\s*$", text[: m.start()]):
            continue
        words.append((m.start(), m.end(), _side_word(m.group(1) or m.group(2))))
    if not joint_spans:
        return []
    events: list[tuple[int, int, str | None, list[str]]] = sorted(
        [(start, end, side, []) for start, end, side in words] + [(a, b, None, js) for a, b, js in joint_spans],
        key=lambda e: e[0],
    )
    sides: list[set[str]] = []  # per joint mention, by index into names
    names: list[str] = []
    current: set[str] = set()
    firm_next = False
    pending: list[int] = []  # joints with no side yet
    tentative: list[int] = []  # joints that took a carried-over prefix side
    last_group: list[int] = []  # joints the previous side word went to
    last_joints: list[int] = []
    prev_side = False
    prev_end = 0
    # 'L3-4 RT L4-5 LT', 'C4-5 left, C5-6 right': starts with a joint and ends with a side word.
    postfix_style = events[0][2] is None and events[-1][2] is not None
    for i, (pos, end, side, joints) in enumerate(events):
        if side is not None:
            next_is_joint = i + 1 < len(events) and events[i + 1][2] is None
            prev_is_joint = i > 0 and events[i - 1][2] is None
            joined = prev_side and re.fullmatch(r"\s*(?:and|&|/|,|or|\+)?\s*", text[prev_end:pos], re.I) is not None
            if prev_side and not joined:
                prev_side, last_group = False, []
            if postfix_style or _ON_THE.search(text[max(0, pos - 12) : pos]) or not next_is_joint:
                postfix = True
            elif prev_is_joint:
                # 'C4-5 left, C5-6 right': tight after one joint, separated from the next.
                tight_before = (
                    re.fullmatch(r"\s*(?:was|is|=|:|\(|-)?\s*(?:side|sided)?\s*", text[events[i - 1][1] : pos])
                    is not None
                )
                apart_after = re.search(r"[,;.)/]|\band\b|\bthen\b", text[end : events[i + 1][0]]) is not None
                postfix = tight_before and apart_after
            else:
                postfix = False
            if prev_side:
                for j in last_group:
                    sides[j].add(side)
                if firm_next:
                    current.add(side)
            elif postfix and (pending or tentative):
                group = pending + tentative
                for j in group:
                    sides[j] = {side}
                last_group, pending, tentative, current = group, [], [], set()
            elif postfix and last_joints and not next_is_joint:
                for j in last_joints:
                    sides[j].add(side)
                last_group = list(last_joints)
            else:
                current, firm_next, last_group, tentative = {side}, True, [], []
            prev_side = True
            prev_end = end
            continue
        added = []
        for joint in joints:
            names.append(joint)
            sides.append(set(current))
            added.append(len(names) - 1)
        if firm_next:
            firm_next = False
        elif current:
            tentative.extend(added)
        else:
            pending.extend(added)
        last_joints = added
        prev_side = False
    distinct = {w for _, _, w in words}
    only = next(iter(distinct)) if len(distinct) == 1 else None
    out: list[tuple[str, str | None]] = []
    for name, found in zip(names, sides, strict=True):
        if not found and only:
            found = {only}
        out.extend((name, s) for s in sorted(found)) if found else out.append((name, None))
    return out


def _claim_lines(text: str, parsed: ParsedText) -> None:
    negated = {c.upper() for c in re.findall(r"\bwithout\s+(?:the\s+|a\s+)?\+?(\d{4}[0-9T])\b", text, re.I)}
    mods_before: dict[str, list[str]] = {}
    for m in MOD_BEFORE_RE.finditer(text):
        mods_before.setdefault(m.group(2).upper(), []).append(m.group(1).upper())
    for m in CODE_RE.finditer(text):
        code = m.group("code").upper()
        parsed.codes.append(code)
        if code in negated:
            parsed.absent_codes.append(code)
            continue
        mods = [t.upper() for t in re.findall(rf"(?:{_MODS})", m.group("mods") or "", re.I)]
        mods += [
            t.upper() for t in re.findall(rf"(?<![0-9A-Za-z])({_MODS})(?![0-9A-Za-z])", m.group("smods") or "", re.I)
        ]
        before = mods_before.pop(code, [])
        if before:
            parsed.soft_codes.add(code)
        mods += before
        units_text = (
            m.group("units")
            or m.group("units2")
            or m.group("units3")
            or m.group("units4")
            or m.group("units5")
            or m.group("units6")
            or m.group("pre")
        )
        tail = text[m.end() : m.end() + 40]
        with_mod = WITH_MOD_RE.match(tail.lstrip(" ,"))
        if with_mod:
            mods.append(with_mod.group(1).upper())
            parsed.soft_codes.add(code)
        if units_text:
            parsed.units_given.add(code)
        parsed.lines.append(ClaimLine(code=code, modifiers=mods, units=int(units_text) if units_text else 1))
    parsed.modifiers_mentioned = sorted(
        {m.group(1).upper() for m in re.finditer(rf"\b(?:modifiers?|mod)\s*-?\s*({_MODS})\b", text, re.I)}
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
    negation = re.compile(r"\b(?:not|non)[\s-]+(?:a\s+)?(diagnostic|therapeutic)\b", re.I)
    negated = {Purpose(m.group(1).lower()) for m in negation.finditer(text)}
    parsed.negated_purposes = sorted(p.value for p in negated)
    text = negation.sub(" ", text)
    found = [(kind, m) for pattern, kind in _PURPOSE if (m := pattern.search(text))]
    if len({kind for kind, _ in found}) > 1 or any(kind in negated for kind, _ in found):
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
    parsed = ParsedText(text=text)
    code_free = CODE_RE.sub(" ", text)
    spans = _find_joints(code_free, parsed)
    parsed.joints = _assign_sides(code_free, spans)
    parsed.sides_mentioned = sorted(
        {
            _side_word(m.group(1) or m.group(2))
            for m in side_matches(code_free)
            if m.group(1) or not re.search(r"\d\s*-\s*$", code_free[: m.start()])
        }
    )
    parsed.mentions_si = bool(SI_RE.search(text))
    parsed.other_procedures = [
        m.group(0)
        for m in OTHER_PROCEDURE_RE.finditer(text)
        if not _PLANNED_BEFORE.search(text[max(0, m.start() - 30) : m.start()])
    ]
    parsed.imaging_undocumented = bool(_UNDOCUMENTED_IMAGING.search(text))
    parsed.removed_sides = sorted({(m.group(1) or m.group(2)).lower() for m in _REMOVED_SIDE.finditer(text)})
    # 'only L4-5', 'right L4-5 only', 'only at L4-5': only these joints ('only the left was done at L5-S1' is a side).
    parsed.only = bool(
        re.search(rf"\bonly\s+(?:at\s+|the\s+)?(?:(?:right|left|bilateral)\s+)?{_J}|{_J}\s+only\b", code_free, re.I)
    )
    _imaging(code_free, parsed)
    _purpose(text, parsed)
    parsed.setting_ambiguous = bool(re.search(r"\bfacility\s+(?:claim|bill|side)\b", text, re.I))
    for pattern, setting in _SETTING:
        if pattern.search(text):
            parsed.setting = setting
            break
    if parsed.setting in (Setting.ASC_FACILITY, Setting.HOSPITAL_OUTPATIENT_FACILITY) and _PHYSICIAN_IN_FACILITY.search(
        text
    ):
        parsed.setting = Setting.PROFESSIONAL
    named = find_payers(text, payers, parsed.negated_payers)
    unsupported = _UNSUPPORTED_PAYERS.search(text)
    if unsupported:
        parsed.unsupported_payer = unsupported.group(1).title()
    if named:
        parsed.payer, parsed.payer_text = named[0]
        parsed.other_payers = [pid for pid, _ in named[1:]]
    _claim_lines(text, parsed)
    parsed.check_intent = bool(CHECK_INTENT_RE.search(text))
    billed_imaging = _BILLED_IMAGING.search(text)
    if parsed.check_intent and parsed.lines and billed_imaging:
        code = "77012" if (billed_imaging.group(1) or billed_imaging.group(2)).upper() == "CT" else "77003"
        if code not in {ln.code for ln in parsed.lines}:
            parsed.lines.append(ClaimLine(code=code, note="imaging guidance billed (from the words of the question)"))
    return parsed


def find_payer(text: str, payers: PayerRegistry) -> tuple[str | None, str | None]:
    """Payer id named in the text (longest alias wins), with the words that named it."""
    found = find_payers(text, payers)
    return found[0] if found else (None, None)


def find_payers(text: str, payers: PayerRegistry, into: list[str] | None = None) -> list[tuple[str, str]]:
    """Every payer named and not negated ('Aetna, not Medicare'), longest alias first."""
    # The CMS-1500 claim form is not the payer Medicare.
    text = re.sub(r"\b(?:cms|hcfa)[\s-]*1500\b", " ", text, flags=re.I)
    # 'United' alone is UnitedHealthcare, but not in 'United States' or 'United Surgical Partners'.
    text = re.sub(r"\bunited\s+(?=states|surgical|kingdom|nations|way|airlines|parcel)", " ", text, flags=re.I)
    low = " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "
    hits: dict[str, str] = {}
    negated: list[str] = [] if into is None else into
    for alias, pid in sorted(payers.alias_table().items(), key=lambda kv: -len(kv[0])):
        if not alias or f" {alias} " not in low:
            continue
        if re.search(rf" (?:not|non|isn t|instead of|rather than) (?:a |the |for )?{re.escape(alias)} ", low):
            low = low.replace(f" {alias} ", " ")
            negated.append(pid)
            continue
        hits.setdefault(pid, alias)
        low = low.replace(f" {alias} ", " ")  # 'medicare part b' must not count 'part b' again
    return list(hits.items())
