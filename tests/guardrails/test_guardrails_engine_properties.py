"""Property-based tests over random valid scenarios (hypothesis).

Payers include the shipped profiles, `unspecified`, and one custom profile per bilateral format
(see conftest.format_registry), so every format meets every setting, imaging and purpose.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardrails import (
    Catalog,
    Claim,
    Decision,
    PayerProfile,
    PayerRegistry,
    Scenario,
    Severity,
    check_claim,
    decide,
)

JOINTS = (
    [f"C{i}-C{i + 1}" for i in range(2, 7)] + ["C7-T1"]
    + [f"T{i}-T{i + 1}" for i in range(1, 12)] + ["T12-L1"]
    + [f"L{i}-L{i + 1}" for i in range(1, 5)] + ["L5-S1"]
)
INDEX = {j: i for i, j in enumerate(JOINTS)}
LUMBAR = set(JOINTS[JOINTS.index("L1-L2"):])
PAYERS = ["medicare", "aetna", "cigna", "uhc", "bcbs", "unspecified",
          "fmt_modifier_50_one_line", "fmt_rt_lt_two_lines", "fmt_modifier_50_two_units",
          "fmt_code_plus_code_50"]
SETTINGS = ["professional", "asc_facility", "hospital_outpatient_facility"]
IMAGING = ["fluoroscopy", "ct", "ultrasound", "none", "unspecified"]
PURPOSES = ["diagnostic", "therapeutic", "unspecified"]
SIDES = ["left", "right", "bilateral"]
BOTH = frozenset({"left", "right"})
FLUORO_CODES = {"64490", "64491", "64492", "64493", "64494", "64495"}
US_CODES = {"0213T", "0214T", "0215T", "0216T", "0217T", "0218T"}
TIERS = {
    ("fluoro", "ct"): ("64490", "64491", "64492"),
    ("fluoro", "ls"): ("64493", "64494", "64495"),
    ("us", "ct"): ("0213T", "0214T", "0215T"),
    ("us", "ls"): ("0216T", "0217T", "0218T"),
}
THIRD = {"64492", "64495", "0215T", "0218T"}
MOD_RANK = {"50": 0, "RT": 1, "LT": 1, "KX": 2}
NOTE_JOINT = re.compile(r"\b([CTL]\d{1,2}-[CTLS]\d{1,2})\b")

# tests/conftest.py has an autouse, function-scoped env fixture; it holds no state a property
# depends on, so hypothesis' function_scoped_fixture check is suppressed.
PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


def _spelling(joint: str, style: int) -> str:
    upper, lower = joint.split("-")
    short = lower[1:] if lower[0] == upper[0] else lower
    return [joint, f"{upper}-{short}", f"{upper}/{lower}", joint.lower()][style]


@st.composite
def scenarios(draw: Callable[..., Any]) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(JOINTS), min_size=1, max_size=9, unique=True))
    sides = {j: draw(st.sampled_from(SIDES)) for j in chosen}
    return {
        "payer": draw(st.sampled_from(PAYERS)),
        "setting": draw(st.sampled_from(SETTINGS)),
        "imaging": draw(st.sampled_from(IMAGING)),
        "purpose": draw(st.sampled_from(PURPOSES)),
        "sides": sides,
    }


def make_scenario(s: dict[str, Any], injections: list[dict[str, str]] | None = None) -> Scenario:
    if injections is None:
        injections = [{"joint": j, "side": side} for j, side in s["sides"].items()]
    return Scenario(payer=s["payer"], setting=s["setting"], imaging=s["imaging"],
                    purpose=s["purpose"], injections=injections)


def joint_sides(s: dict[str, Any]) -> dict[str, frozenset[str]]:
    return {j: BOTH if side == "bilateral" else frozenset({side}) for j, side in s["sides"].items()}


def fmt_of(profile: PayerProfile, setting: str) -> str:
    fmt = profile.asc_bilateral_format if setting == "asc_facility" else profile.bilateral_format
    return fmt.value


# --- the spec-derived reference model ------------------------------------------------------

@dataclass
class Tier:
    code: str
    joints: list[str]
    sides: frozenset[str]


def reference_tiers(s: dict[str, Any], profile: PayerProfile) -> list[Tier]:
    """Code tiers per rules-spec §3 (FJ-REGION, FJ-PRIMARY-FIRST, FJ-JUNCTION-MEDICARE) and the
    mixed-laterality paragraph. The spec fixes the primary (a bilateral joint when there is one,
    else the most cranial); for the second level it is silent, and this model extends the same
    preference (bilateral first, then most cranial), which keeps the add-on covering the most
    joints and leaves 50 where the payer pays it.
    """
    if s["imaging"] == "none":
        return []
    family = "us" if s["imaging"] == "ultrasound" else "fluoro"
    sides = joint_sides(s)
    ordered = sorted(sides, key=INDEX.__getitem__)
    ct = [j for j in ordered if j not in LUMBAR]
    ls = [j for j in ordered if j in LUMBAR]
    groups: list[tuple[tuple[str, str, str], list[str], str | None]] = []
    if family == "fluoro" and profile.junction_rule and ct == ["T12-L1"] and "L1-L2" in ls:
        groups.append((("64490", "64494", "64495"), ["T12-L1", *ls], "T12-L1"))
    else:
        if ct:
            groups.append((TIERS[(family, "ct")], ct, None))
        if ls:
            groups.append((TIERS[(family, "ls")], ls, None))
    tiers: list[Tier] = []
    for codes, joints, forced in groups:
        pref = sorted(joints, key=lambda j: (sides[j] != BOTH, INDEX[j]))
        if forced:
            pref = [forced, *(j for j in pref if j != forced)]
        picked = [pref[:1], pref[1:2], sorted(pref[2:], key=INDEX.__getitem__)]
        for code, covered in zip(codes, picked, strict=True):
            if covered:
                tiers.append(Tier(code, covered, frozenset().union(*(sides[j] for j in covered))))
    return tiers


def reference_lines(s: dict[str, Any], profile: PayerProfile) -> Counter[tuple[Any, ...]]:
    fmt = fmt_of(profile, s["setting"])
    kx = (profile.requires_kx_on_diagnostic and s["purpose"] == "diagnostic"
          and s["imaging"] != "ultrasound")
    extra = ("KX",) if kx else ()
    out: Counter[tuple[Any, ...]] = Counter()
    for t in reference_tiers(s, profile):
        if t.sides != BOTH:
            out[(t.code, ("RT" if "right" in t.sides else "LT", *extra), 1)] += 1
        elif fmt == "modifier_50_one_line":
            out[(t.code, ("50", *extra), 1)] += 1
        elif fmt == "modifier_50_two_units":
            out[(t.code, ("50", *extra), 2)] += 1
        elif fmt == "rt_lt_two_lines":
            out[(t.code, ("RT", *extra), 1)] += 1
            out[(t.code, ("LT", *extra), 1)] += 1
        else:
            out[(t.code, extra, 1)] += 1
            out[(t.code, ("50", *extra), 1)] += 1
    return out


def keys(decision: Decision) -> Counter[tuple[Any, ...]]:
    return Counter((ln.code, tuple(ln.modifiers), ln.units) for ln in decision.lines)


# --- properties ---------------------------------------------------------------------------

@PROPERTY
@given(s=scenarios())
def test_decision_matches_the_spec_reference_model(s: dict[str, Any],
                                                   format_registry: PayerRegistry) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    profile = format_registry.get(s["payer"])
    assert keys(d) == reference_lines(s, profile)
    assert d.billable is (s["imaging"] != "none")


@PROPERTY
@given(s=scenarios())
def test_addon_never_without_its_primary(s: dict[str, Any], format_registry: PayerRegistry,
                                         catalog: Catalog) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    profile = format_registry.get(s["payer"])
    present = {ln.code for ln in d.lines}
    for code in present:
        info = catalog.codes[code]
        needs = set(info.requires)
        if profile.junction_rule and code in ("64494", "64495") and "64493" not in present:
            needs = (needs - {"64493"}) | {"64490"}  # FJ-JUNCTION-MEDICARE
        assert needs <= present, f"+{code} without {needs - present}: {sorted(present)}"
    assert not ({"64492", "64495", "0215T", "0218T"} & present) or len(present) >= 3


@PROPERTY
@given(s=scenarios())
def test_units_are_one_unless_two_units_format(s: dict[str, Any],
                                               format_registry: PayerRegistry) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    fmt = fmt_of(format_registry.get(s["payer"]), s["setting"])
    for ln in d.lines:
        if fmt == "modifier_50_two_units" and "50" in ln.modifiers:
            assert ln.units == 2, ln
        else:
            assert ln.units == 1, ln


@PROPERTY
@given(s=scenarios())
def test_third_level_code_at_most_once_per_region(s: dict[str, Any],
                                                  format_registry: PayerRegistry) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    fmt = fmt_of(format_registry.get(s["payer"]), s["setting"])
    third = [ln for ln in d.lines if ln.code in THIRD]
    by_code = Counter(ln.code for ln in third)
    if fmt == "rt_lt_two_lines":
        per_side = Counter((ln.code, m) for ln in third for m in ln.modifiers if m in ("RT", "LT"))
        assert all(n == 1 for n in per_side.values()), per_side
        assert all(n <= 2 for n in by_code.values())
    elif fmt == "code_plus_code_50":
        # §4: one bilateral level of X is "X x1, X-50 x1": at most one plain and one -50 line
        kinds = Counter((ln.code, "50" in ln.modifiers) for ln in third)
        assert all(n == 1 for n in kinds.values()), kinds
    else:
        assert all(n == 1 for n in by_code.values()), by_code


def _expresses_both_sides(code: str, lines: list[Any], fmt: str) -> bool:
    same = [ln for ln in lines if ln.code == code]
    if any("50" in ln.modifiers for ln in same):
        return True
    if fmt == "rt_lt_two_lines":
        mods = {m for ln in same for m in ln.modifiers}
        return {"RT", "LT"} <= mods
    return False


@PROPERTY
@given(s=scenarios())
def test_modifier_50_only_for_bilateral_coverage(s: dict[str, Any],
                                                 format_registry: PayerRegistry) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    fmt = fmt_of(format_registry.get(s["payer"]), s["setting"])
    sides = joint_sides(s)
    covered_all: list[str] = []
    for code in dict.fromkeys(ln.code for ln in d.lines):
        same = [ln for ln in d.lines if ln.code == code]
        joints = sorted({j for ln in same for j in NOTE_JOINT.findall(ln.note)})
        assert joints and set(joints) <= set(sides), f"{code} note names {joints}"
        covered_all += joints
        union = frozenset().union(*(sides[j] for j in joints))
        if code in THIRD:
            should = any(sides[j] == BOTH for j in joints) or union == BOTH
        else:
            assert len(joints) == 1, f"{code} must cover exactly one joint, covers {joints}"
            should = sides[joints[0]] == BOTH
        assert _expresses_both_sides(code, d.lines, fmt) is should, (code, joints, d.lines)
        if not should:
            side = "RT" if union == {"right"} else "LT"
            assert all(side in ln.modifiers and "50" not in ln.modifiers for ln in same)
    if d.lines:
        assert sorted(covered_all) == sorted(sides), "every joint is covered by exactly one code"


@PROPERTY
@given(s=scenarios())
def test_imaging_decides_the_code_family(s: dict[str, Any],
                                         format_registry: PayerRegistry) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    codes = {ln.code for ln in d.lines}
    if s["imaging"] == "none":
        assert d.billable is False and d.lines == []
        assert any(f.rule == "FJ-IMAGING-REQUIRED" and f.severity is Severity.ERROR
                   for f in d.findings)
    elif s["imaging"] == "ultrasound":
        assert codes and codes <= US_CODES
        assert any(f.rule == "FJ-ULTRASOUND" for f in d.findings)
    else:
        assert codes and codes <= FLUORO_CODES
        assert d.billable is True
    if s["imaging"] == "unspecified":
        assert any(f.rule == "FJ-IMAGING-REQUIRED" and f.severity is Severity.INFO
                   for f in d.findings)
        assert d.assumptions


@PROPERTY
@given(s=scenarios(), rnd=st.randoms(use_true_random=False),
       styles=st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_order_and_spelling_do_not_change_the_decision(s: dict[str, Any], rnd: Any,
                                                       styles: list[int],
                                                       format_registry: PayerRegistry) -> None:
    base = decide(make_scenario(s), payers=format_registry).model_dump()
    injections: list[dict[str, str]] = []
    for k, (joint, side) in enumerate(s["sides"].items()):
        name = _spelling(joint, styles[k])
        if side == "bilateral" and rnd.random() < 0.5:
            injections += [{"joint": name, "side": "left"}, {"joint": joint, "side": "right"}]
        else:
            injections.append({"joint": name, "side": side})
    rnd.shuffle(injections)
    other = decide(make_scenario(s, injections), payers=format_registry).model_dump()
    assert other == base


@PROPERTY
@given(s=scenarios())
def test_line_count_follows_the_level_count(s: dict[str, Any],
                                            format_registry: PayerRegistry) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    profile = format_registry.get(s["payer"])
    fmt = fmt_of(profile, s["setting"])
    tiers = reference_tiers(s, profile)
    sides = joint_sides(s)
    if s["imaging"] == "none":
        assert not d.lines
        return
    ct = sum(1 for j in sides if j not in LUMBAR)
    ls = len(sides) - ct
    junction = any(t.code == "64490" for t in tiers) and any(t.code == "64494" for t in tiers) \
        and not any(t.code == "64493" for t in tiers)
    expected_tiers = (min(ct + ls, 3) if junction
                      else min(ct, 3) + min(ls, 3))
    assert len(tiers) == expected_tiers
    doubled = fmt in ("rt_lt_two_lines", "code_plus_code_50")
    assert len(d.lines) == sum(2 if doubled and t.sides == BOTH else 1 for t in tiers)


@PROPERTY
@given(s=scenarios())
def test_modifier_and_line_order(s: dict[str, Any], format_registry: PayerRegistry,
                                 catalog: Catalog) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    for ln in d.lines:
        ranks = [MOD_RANK[m] for m in ln.modifiers]
        assert ranks == sorted(ranks), ln.modifiers
        assert len(set(ln.modifiers)) == len(ln.modifiers)
        assert not ({"RT", "LT"} <= set(ln.modifiers))
        assert not ("50" in ln.modifiers and {"RT", "LT"} & set(ln.modifiers))
    tier = {"primary": 0, "second": 1, "third_plus": 2}
    infos = [catalog.codes[ln.code] for ln in d.lines]
    order = [(info.region != "cervical_thoracic", tier[info.tier]) for info in infos]
    assert order == sorted(order), [ln.code for ln in d.lines]


@PROPERTY
@given(s=scenarios())
def test_kx_only_and_always_where_required(s: dict[str, Any],
                                           format_registry: PayerRegistry) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    profile = format_registry.get(s["payer"])
    want = (profile.requires_kx_on_diagnostic and s["purpose"] == "diagnostic"
            and s["imaging"] != "ultrasound")
    for ln in d.lines:
        assert ("KX" in ln.modifiers) is want, (s, ln)


@PROPERTY
@given(s=scenarios())
def test_findings_are_cited_and_ids_known(s: dict[str, Any], format_registry: PayerRegistry,
                                          catalog: Catalog) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    assert d.versions["engine"] and d.versions["rules"] and d.versions["knowledge"]
    for f in d.findings:
        assert f.rule in catalog.rules
        assert f.citations and any(c.url for c in f.citations)
        assert all(c.title for c in f.citations)
    assert set(d.rules_applied) <= set(catalog.rules)
    assert {f.rule for f in d.findings} <= set(d.rules_applied)
    severities = [f.severity for f in d.findings]
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    assert [rank[x] for x in severities] == sorted(rank[x] for x in severities)


@PROPERTY
@given(s=scenarios())
def test_checking_the_engines_own_output_finds_no_error(s: dict[str, Any],
                                                        format_registry: PayerRegistry) -> None:
    d = decide(make_scenario(s), payers=format_registry)
    if not d.lines:
        return
    result = check_claim(Claim(payer=s["payer"], setting=s["setting"], purpose=s["purpose"],
                               lines=d.lines), payers=format_registry)
    errors = [(f.rule, f.message) for f in result.findings if f.severity is Severity.ERROR]
    assert not errors, (s, [(ln.code, ln.modifiers, ln.units) for ln in d.lines])
    assert result.valid and result.corrected_lines is None
