"""Deterministic routing: coding decision, claim check, rule question, knowledge or out of scope."""

from __future__ import annotations

import re
from enum import StrEnum

from assistant.topics import Topic, match_topics
from guardrails.parse import ParsedText

_IN_DOMAIN = re.compile(
    r"\bfacets?\b|\bzygapophyseal\b|\bmedial branch|\bMBBs?\b|\b6449[0-5]\b|\b021[3-8]T\b|\binjections?\b|\blevels?\b"
    r"|\bmodifiers?\b|\bLCDs?\b|\bKX\b|\bspin\w+\b|\bcervical\b|\blumbar\b|\bthoracic\b|\bsacral\b|\bRFA\b|\bablation\b"
    r"|\bcod(?:e|es|ing)\b|\bbill\w*\b|\bCPT\b|\bclaims?\b|\bICD\b|\bdenial|\bdenied\b|\bprior auth|\bdocumentation\b"
    r"|\bmedicare\b|\baetna\b|\bcigna\b|\buhc\b|\bunited\s?health|\bblue cross\b|\bbcbs\b|\bpayers?\b|\breimburs\w*\b"
    r"|\bMUE\b|\bunits?\b|\bfluoro\w*\b|\bultrasound\b|\bimaging\b|\bpain\b|\bneck\b|\bback\b|\bblocks?\b|\bsedation\b"
    r"|\bRT\b|\bLT\b|\bbilateral\b|\bASC\b|\bHOPD\b|\bOIG\b|\baudit\w*\b|\bMAC\b|\bNCCI\b|\bsacroiliac\b|\bSI joint\b"
    r"|\b6463[3-6]\b|\b27096\b|\bG0260\b|\b64451\b|\b64625\b|\b7700[23]\b|\b77012\b|\b2055[0-3]\b"
    r"|\bseed\s+guide\b|\bbilling\s+guide\b|\bpreferred\s+mb\b",
    re.I,
)
_KNOWLEDGE = re.compile(
    r"\bdocument\w*\b|\bcover(?:age|ed|s)?\b|\bcriteria\b|\brates?\b|\bpays?\b|\breimburs\w*\b|\bfrequen\w*\b|\bhow often\b"
    r"|\bICD\b|\bdiagnos\w*\b|\bLCDs?\b|\brelief\b|\bsedation\b|\bhistory\b|\bwhat (?:is|are|does)\b|\bdefin\w*\b"
    r"|\bdifference\b|\bmean\w*\b|\bexplain\b|\bwhy\b|\baudit\w*\b|\bdenial\w*\b|\bchecklist\b|\bRVUs?\b|\bfee\b",
    re.I,
)
# Facet-specific words: without one of these, a question about another body part or CPT code is out of scope.
_FACET = re.compile(
    r"\bfacets?\b|\bzygapophyseal\b|\bmedial branch|\bMBBs?\b|\b6449[0-5]\b|\b021[3-8]T\b|\b6463[3-6]\b"
    r"|\bsacroiliac\b|\bSI joint\b|\b27096\b|\bG0260\b|\b7700[23]\b|\b77012\b|\bKX\b|\blevels?\b",
    re.I,
)
_OFF_TOPIC = re.compile(
    r"\b(?:knee|hip|shoulder|elbow|wrist|ankle|foot|hand|colonoscop\w*|endoscop\w*|biops\w*|cataract|mammogra\w*|"
    r"cardiac|heart|dental|tooth|teeth|pregnan\w*|vaccin\w*|flu shot|covid|epidural|botox|trigger finger|carpal)\b"
    r"|\b(?!6449[0-5]|6463[3-6]|27096|64451|64625|7700[23]|77012|2055[0-3])\d{5}\b",
    re.I,
)
_RATES = re.compile(
    r"\b(?:pays?|paid|payment|rates?|reimburs\w*|allowed amount|allowable|fee schedule|RVUs?|dollars?|conversion factor|\$)",
    re.I,
)
# Questions about consequences, sources or plain-language explanations are answered from the corpus.
_ASKS_SOURCES = re.compile(
    r"\bwhat\s+happens\b|\bplain\s+(?:words|english|language)\b|\bsimple\s+terms\b|\bdoes\s+\w+\s+say\b"
    r"|\bwhat\s+did\s+\S+\s+say\b|\baccording\s+to\b|\bconversion\s+factor\b|\bRVUs?\b|\bhistory\b|\breplace[ds]?\b"
    r"|\bwhen\s+were\b",
    re.I,
)
# Rules whose answer depends on the payer: asked about a named payer, the payer profile answers.
_PAYER_DEPENDENT = {
    "FJ-BILATERAL",
    "FJ-UNITS-ONE",
    "FJ-PAYER-FORMAT",
    "FJ-PAYER-LEVELS",
    "FJ-ASC-FACILITY",
    "FJ-PAYER-COVERAGE",
}
_ALSO = re.compile(r"\b(?:also|too|as well|in addition|additionally)\b", re.I)
# Levels described without naming joints: a count ('3 levels', 'two level') or vertebrae ('L3, L4, L5 medial branches').
_LEVEL_COUNT = re.compile(
    r"\b(?:\d|one|two|three|four|five|single|multi)[\s-]+levels?\b(?=.*\b(?:lumbar|cervical|thoracic|facet|mbb|medial))"
    r"|\b[CTL]\d{1,2}\b(?:\s*(?:,|and|&)\s*[CTLS]?\d{1,2}\b)+.{0,30}\bmedial\s+branch",
    re.I,
)
_REGION_QUESTION = re.compile(
    r"\b(?:thoracic|lumbar|cervical|sacral|region|family)\b|\b(?:which|what)\s+(?:cpt\s+)?codes?\b", re.I
)
_FOLLOW_UP = re.compile(
    r"^\s*(?:and|what about|how about|what if|same|instead|now|but|ok(?:ay)?|also)\b|\binstead\b|\bwhat if\b|\bsame (?:case|patient|scenario)\b",
    re.I,
)


class Intent(StrEnum):
    SCENARIO = "scenario"
    CHECK = "check"
    RULE = "rule"
    KNOWLEDGE = "knowledge"
    FOLLOW_UP = "follow_up"
    INVALID_JOINT = "invalid_joint"
    JOINT_INFO = "joint_info"
    OTHER_PROCEDURE = "other_procedure"
    LEVELS_ONLY = "levels_only"
    OUT_OF_SCOPE = "out_of_scope"


# 'the right side instead of left', 'not right, left', 'it was the left not the right', 'only the right side'
SIDE_CHANGE_RE = re.compile(
    r"\b(?P<a>right|left|bilateral)\s+(?:side\s+)?instead\s+of\s+(?:the\s+)?(?:right|left|bilateral)\b"
    r"|\bchange\s+(?:the\s+)?(?:right|left|bilateral)\s+to\s+(?:the\s+)?(?P<b>right|left|bilateral)\b"
    r"|\bnot\s+(?:the\s+)?(?:right|left|bilateral)\s*,?\s*(?:but\s+)?(?:it\s+was\s+)?(?:the\s+)?(?P<c>right|left|bilateral)\b"
    r"|\bwas\s+(?:the\s+)?(?P<d>right|left|bilateral)\s*,?\s+not\s+(?:the\s+)?(?:right|left|bilateral)\b"
    r"|\bonly\s+(?:the\s+)?(?P<e>right|left)\b"
    r"|\b(?P<f>other)\s+side\b",
    re.I,
)
_ADDING = re.compile(r"^\s*(?:and|plus|add|also)\b|\b(?:too|as well|also)\s*[?.!]*\s*$", re.I)
# 'correction: ...', '... instead', 'same thing but ...': the new joints replace the old ones.
REPLACE_RE = re.compile(
    r"^\s*(?:correction|actually|sorry|i\s+meant|it\s+was)\b|\binstead\b|\bsame\s+(?:thing|case|scenario)\s+but\b", re.I
)
_BOTH = re.compile(r"^\s*(?:both|both\s+sides|b/l|bilat)\s*[.!]?\s*$", re.I)


def route_question(
    text: str, parsed: ParsedText, has_previous: bool, previous_joints: frozenset[str] = frozenset()
) -> tuple[Intent, list[tuple[Topic, int]]]:
    topics = match_topics(text)
    if _OFF_TOPIC.search(text) and not _FACET.search(text) and not parsed.joints:
        return Intent.OUT_OF_SCOPE, topics
    if parsed.other_procedures and (parsed.joints or parsed.invalid_joints):
        return Intent.OTHER_PROCEDURE, topics  # 'right L4-5 RFA', 'L4-5 TFESI'
    edits = parsed.excluded_joints or parsed.removed_sides or _BOTH.match(text) or parsed.negated_purposes
    if has_previous and edits and not (parsed.joints and not previous_joints):
        return Intent.FOLLOW_UP, topics  # 'drop L5-S1', 'remove the left side', 'both', 'not diagnostic'
    if parsed.invalid_joints and not parsed.joints:
        return Intent.INVALID_JOINT, topics
    joints = {j for j, _ in parsed.joints}
    if (
        parsed.joints
        and has_previous
        and previous_joints
        and (
            _ALSO.search(text)
            or _ADDING.search(text)
            or REPLACE_RE.search(text)
            or parsed.only
            or (previous_joints and joints <= previous_joints)
        )
    ):
        return Intent.FOLLOW_UP, topics
    details = parsed.imaging or parsed.payer or parsed.purpose or parsed.setting or parsed.imaging_conflict
    asks = _REGION_QUESTION.search(text) or re.match(
        r"\s*(?:is|are|does|do|which|what|how|can|should|who)\b", text, re.I
    )
    if parsed.joints and not parsed.sides_mentioned and not details and asks:
        return Intent.JOINT_INFO, topics  # 'Is T12-L1 thoracic or lumbar?'
    if parsed.joints:
        return Intent.SCENARIO, topics
    explicit = any(ln.units != 1 or (ln.modifiers and ln.code not in parsed.soft_codes) for ln in parsed.lines)
    if parsed.lines and (explicit or parsed.units_given or parsed.check_intent):
        return Intent.CHECK, topics
    changes = bool(
        parsed.payer
        or parsed.negated_payers
        or parsed.sides_mentioned
        or parsed.setting
        or parsed.imaging
        or parsed.purpose
        or parsed.imaging_conflict
        or parsed.purpose_conflict
        or SIDE_CHANGE_RE.search(text)
    )
    if has_previous and changes and (_FOLLOW_UP.search(text) or SIDE_CHANGE_RE.search(text) or len(text.split()) <= 8):
        return Intent.FOLLOW_UP, topics
    if _LEVEL_COUNT.search(text) and not parsed.lines:
        return Intent.LEVELS_ONLY, topics  # '3 levels right lumbar', 'L3, L4, L5 medial branches'
    knowledge = bool(_KNOWLEDGE.search(text))
    best_rule = topics[0][0].rule if topics else ""
    other_payer = (parsed.payer and parsed.payer != "medicare") or parsed.unsupported_payer
    payer_dependent = best_rule.startswith("FJ-MEDICARE") or best_rule in _PAYER_DEPENDENT
    if _ASKS_SOURCES.search(text) or (other_payer and payer_dependent):
        return Intent.KNOWLEDGE, topics  # 'What happens if...', 'Does Aetna require KX?' (not Medicare's rule)
    if _RATES.search(text) and _IN_DOMAIN.search(text):
        return Intent.KNOWLEDGE, topics
    best = topics[0][1] if topics else 0
    if best >= 2 or (best >= 1 and not knowledge):
        return Intent.RULE, topics
    if _IN_DOMAIN.search(text) or parsed.payer or parsed.unsupported_payer:
        return Intent.KNOWLEDGE, topics
    return Intent.OUT_OF_SCOPE, topics
