"""Decide the claim lines for a facet injection scenario. Pure: data in, Decision out."""

from __future__ import annotations

from dataclasses import dataclass

from guardrails.catalog import Catalog, load_catalog
from guardrails.findings import FindingLog
from guardrails.formats import render_level
from guardrails.joints import joint_index, normalise_joint, region_of
from guardrails.models import (
    ClaimLine,
    Decision,
    Imaging,
    Purpose,
    Region,
    Scenario,
    Setting,
)
from guardrails.payers import FORMAT_LABELS, UNSPECIFIED, PayerProfile, PayerRegistry, load_payers
from guardrails.versions import versions

BOTH = frozenset({"left", "right"})
# (primary, second level, third and additional) per family and region.
TIER_CODES: dict[tuple[str, Region], tuple[str, str, str]] = {
    ("facet_fluoro_ct", Region.CERVICAL_THORACIC): ("64490", "64491", "64492"),
    ("facet_fluoro_ct", Region.LUMBAR_SACRAL): ("64493", "64494", "64495"),
    ("facet_ultrasound", Region.CERVICAL_THORACIC): ("0213T", "0214T", "0215T"),
    ("facet_ultrasound", Region.LUMBAR_SACRAL): ("0216T", "0217T", "0218T"),
}
JUNCTION_CODES = ("64490", "64494", "64495")
REGION_LABEL = {Region.CERVICAL_THORACIC: "cervical/thoracic", Region.LUMBAR_SACRAL: "lumbar/sacral"}


@dataclass(frozen=True)
class Level:
    joint: str
    sides: frozenset[str]

    @property
    def bilateral(self) -> bool:
        return self.sides == BOTH


@dataclass(frozen=True)
class Group:
    """The levels coded under one primary code in one session."""

    region: Region
    codes: tuple[str, str, str]
    levels: tuple[Level, ...]
    junction: bool = False


def merge_injections(scenario: Scenario) -> list[Level]:
    """One Level per joint, cranial to caudal; left + right of one joint = bilateral."""
    sides: dict[str, set[str]] = {}
    for inj in scenario.injections:
        joint = normalise_joint(inj.joint)
        add = BOTH if inj.side == "bilateral" else {inj.side.value}
        sides.setdefault(joint, set()).update(add)
    return [Level(j, frozenset(s)) for j, s in sorted(sides.items(), key=lambda kv: joint_index(kv[0]))]


def sequence(levels: tuple[Level, ...], forced_primary: str | None = None) -> list[Level]:
    """Primary, then second level: each a bilateral joint when there is one, else the most cranial."""
    rest = sorted(levels, key=lambda lv: (not lv.bilateral, joint_index(lv.joint)))
    if forced_primary:
        first = next(lv for lv in levels if lv.joint == forced_primary)
        rest = [first, *(lv for lv in rest if lv is not first)]
    head = rest[:2]
    tail = sorted(rest[2:], key=lambda lv: joint_index(lv.joint))
    return [*head, *tail]


def _side_word(sides: frozenset[str]) -> str:
    return "bilateral" if sides == BOTH else next(iter(sides))


def _describe(levels: list[Level]) -> str:
    """'C4-C5 (bilateral)', 'C5-C6, C6-C7 (left)' or 'C5-C6 left, C6-C7 bilateral'."""
    if len({lv.sides for lv in levels}) == 1:
        return f"{', '.join(lv.joint for lv in levels)} ({_side_word(levels[0].sides)})"
    return ", ".join(f"{lv.joint} {_side_word(lv.sides)}" for lv in levels)


class _Decider:
    def __init__(self, scenario: Scenario, profile: PayerProfile, catalog: Catalog) -> None:
        self.s = scenario
        self.p = profile
        self.log = FindingLog(catalog)
        self.assumptions: list[str] = []

    def run(self, levels: list[Level]) -> tuple[bool, list[ClaimLine]]:
        self.log.apply("FJ-LEVEL-COUNT", "FJ-REGION")
        self._defaults()
        family = self._imaging()
        if family is None:
            return False, []
        groups = self._groups(levels, family)
        lines: list[ClaimLine] = []
        for group in groups:
            lines.extend(self._code_group(group))
        self._overlays(groups, lines)
        return True, lines

    # --- inputs that were not given -------------------------------------------------
    def _defaults(self) -> None:
        given = self.s.model_fields_set
        if "setting" not in given:
            self.assumptions.append(
                "Assumed a physician (professional) claim; say 'ASC' or 'hospital outpatient' for a facility claim."
            )
        if self.p.id == UNSPECIFIED:
            self.assumptions.append("No payer given: the Medicare/CMS line format is used.")
            self.log.info(
                "FJ-PAYER-FORMAT",
                "No payer was named, so the Medicare/CMS line format is shown; commercial payers' bilateral formats vary, so check the payer before billing.",
            )

    def _imaging(self) -> str | None:
        img = self.s.imaging
        if img is Imaging.NONE:
            self.log.error(
                "FJ-IMAGING-REQUIRED",
                "Without fluoroscopic or CT guidance these injections cannot be reported with 64490-64495 (and the ultrasound codes need ultrasound guidance); ask the physician how the procedure was guided before coding it.",
            )
            return None
        if img is Imaging.ULTRASOUND:
            self.log.info(
                "FJ-ULTRASOUND",
                "Ultrasound guidance was used, so the Category III codes 0213T-0218T are reported instead of 64490-64495.",
            )
            covered = self.p.ultrasound_covered
            if covered is False:
                self.log.warning(
                    "FJ-ULTRASOUND",
                    f"{self.p.name} does not cover ultrasound-guided facet injections, so expect a denial.",
                )
            elif covered is None:
                self.log.warning(
                    "FJ-ULTRASOUND",
                    "Medicare and most commercial payers do not cover ultrasound-guided facet injections; confirm coverage with the payer first.",
                )
            return "facet_ultrasound"
        if img is Imaging.UNSPECIFIED:
            self.assumptions.append(
                "Assumed fluoroscopic or CT guidance was used and documented (required for 64490-64495)."
            )
            self.log.info(
                "FJ-IMAGING-REQUIRED",
                "Imaging was not stated: these lines assume fluoroscopic or CT guidance was used and documented; without it the codes cannot be used, and with ultrasound the codes are 0213T-0218T.",
            )
        self.log.info(
            "FJ-IMAGING-INCLUDED",
            "Do not add 77003 or 77012: fluoroscopic or CT guidance is included in the facet injection codes.",
        )
        return "facet_fluoro_ct"

    # --- grouping and coding ---------------------------------------------------------
    def _groups(self, levels: list[Level], family: str) -> list[Group]:
        by_region: dict[Region, list[Level]] = {}
        for lv in levels:
            by_region.setdefault(region_of(lv.joint), []).append(lv)
        ct = by_region.get(Region.CERVICAL_THORACIC, [])
        ls = by_region.get(Region.LUMBAR_SACRAL, [])
        at_junction = [lv.joint for lv in ct] == ["T12-L1"] and any(lv.joint == "L1-L2" for lv in ls)
        if at_junction and family == "facet_fluoro_ct":
            if self.p.junction_rule:
                self.log.info(
                    "FJ-JUNCTION-MEDICARE",
                    f"{self.p.name} counts T12-L1 with L1-L2 as one lumbar session: 64490 for T12-L1, then the lumbar add-on +64494 (not a second primary 64493).",
                )
                return [Group(Region.LUMBAR_SACRAL, JUNCTION_CODES, (ct[0], *ls), junction=True)]
            if self.p.id == UNSPECIFIED:
                self.log.info(
                    "FJ-JUNCTION-MEDICARE",
                    "T12-L1 with L1-L2: CPT region logic is shown (64490 + 64493); Medicare (NGS, CGS) would code this session 64490 + 64494 instead, so name the payer.",
                )
                self.assumptions.append(
                    "T12-L1 coded as thoracic under CPT region logic (Medicare's junction rule not applied because no payer was named)."
                )
            else:
                self.log.info(
                    "FJ-JUNCTION-MEDICARE",
                    f"Medicare's T12-L1/L1-L2 junction rule does not apply to {self.p.name}: T12-L1 is coded 64490 and L1-L2 starts the lumbar codes at 64493.",
                )
        groups = []
        for region, region_levels in by_region.items():
            groups.append(Group(region, TIER_CODES[(family, region)], tuple(region_levels)))
        return sorted(groups, key=lambda g: g.region is Region.LUMBAR_SACRAL)

    def _format(self) -> object:
        if self.s.setting is Setting.ASC_FACILITY:
            return self.p.asc_bilateral_format
        return self.p.bilateral_format

    def _extra_modifiers(self, code: str) -> list[str]:
        diagnostic = self.s.purpose is Purpose.DIAGNOSTIC
        if self.p.requires_kx_on_diagnostic and diagnostic and code.isdigit():
            return ["KX"]
        return []

    def _code_group(self, group: Group) -> list[ClaimLine]:
        self.log.apply("FJ-PRIMARY-FIRST")
        ordered = sequence(group.levels, "T12-L1" if group.junction else None)
        tiers: list[tuple[str, list[Level]]] = [(group.codes[0], ordered[:1])]
        if len(ordered) >= 2:
            tiers.append((group.codes[1], ordered[1:2]))
            self.log.apply("FJ-ADDON-PRIMARY")
        if len(ordered) >= 3:
            tiers.append((group.codes[2], ordered[2:]))
            self.log.apply("FJ-THIRD-ONCE")
            if len(ordered) > 3:
                self.log.info(
                    "FJ-THIRD-ONCE",
                    f"{len(ordered) - 2} levels past the second are all covered by one unit of +{group.codes[2]}, reported once per day.",
                )
        fmt = self._format()
        lines: list[ClaimLine] = []
        for code, covered in tiers:
            sides = frozenset().union(*(lv.sides for lv in covered))
            note = f"{_describe(covered)}"
            lines.extend(render_level(code, sides, fmt, self._extra_modifiers(code), note))  # type: ignore[arg-type]
        self.log.apply("FJ-UNITS-ONE", "FJ-UNILATERAL-SIDE")
        if any(lv.bilateral for lv in group.levels) or any(len(c[1]) > 1 for c in tiers):
            self.log.apply("FJ-50-SAME-JOINT")
        return lines

    # --- payer and Medicare overlays --------------------------------------------------
    def _overlays(self, groups: list[Group], lines: list[ClaimLine]) -> None:
        p, s = self.p, self.s
        bilateral = any(lv.bilateral for g in groups for lv in g.levels) or any(
            "50" in ln.modifiers or ln.units > 1 for ln in lines
        )
        fmt = self._format()
        if bilateral:
            label = FORMAT_LABELS[fmt]  # type: ignore[index]
            self.log.info(
                "FJ-BILATERAL",
                "Right and left of the same joint count as one bilateral level: one level, shown in the payer's bilateral format, never as two levels.",
            )
            if s.setting is Setting.ASC_FACILITY and fmt == "rt_lt_two_lines":
                self.log.info(
                    "FJ-ASC-FACILITY",
                    "On the ASC facility claim each bilateral level is two lines, RT and LT, 1 unit each; the physician's own claim keeps modifier 50 on one line.",
                )
            self.log.info("FJ-PAYER-FORMAT", f"Bilateral format applied for {p.name}: {label}.")
        if p.confirm_format_with_plan:
            self.log.warning(
                "FJ-PAYER-FORMAT",
                f"{p.name} plans differ in how they want bilateral and multi-level lines (some use 50 with 2 units or RT/LT lines); confirm the format with the member's plan.",
            )
        self._kx()
        self._levels(groups)
        if len(groups) > 1 and p.one_region_per_session:
            self.log.warning(
                "FJ-MEDICARE-ONE-REGION",
                f"{p.name} lists treating both the cervical/thoracic and the lumbar/sacral region in one session as a limitation, so expect a denial (no documented exception was confirmed); consider separate sessions.",
            )
        pa = p.hopd_prior_auth
        if s.setting is Setting.HOSPITAL_OUTPATIENT_FACILITY and pa and pa.required:
            needing = sorted({ln.code for ln in lines if ln.code in pa.codes})
            if needing:
                self.log.info(
                    "FJ-MEDICARE-PA-HOPD",
                    f"Hospital outpatient department: {', '.join(needing)} need prior authorization from {p.name} (since {pa.since}); without it the claim is denied.",
                )
        self._coverage()

    def _kx(self) -> None:
        p, purpose = self.p, self.s.purpose
        if not p.requires_kx_on_diagnostic:
            return
        if self.s.imaging is Imaging.ULTRASOUND:
            return
        if purpose is Purpose.DIAGNOSTIC:
            self.log.info("FJ-MEDICARE-KX", "Diagnostic facet injection for Medicare: KX is appended to every line.")
        elif purpose is Purpose.UNSPECIFIED:
            self.assumptions.append(
                "Purpose not stated: no KX added. If these are diagnostic blocks (e.g. medial branch blocks), add KX to every line."
            )
            self.log.info(
                "FJ-MEDICARE-KX",
                "The purpose was not stated: if this is a diagnostic injection (such as a medial branch block), Medicare wants KX on every line; therapeutic injections do not take KX.",
            )
        else:
            self.log.apply("FJ-MEDICARE-KX")

    def _levels(self, groups: list[Group]) -> None:
        p = self.p
        flagged = False
        for g in groups:
            n = len(g.levels)
            label = "lumbar (T12-L1 junction)" if g.junction else REGION_LABEL[g.region]
            if n >= 3 and p.covers_third_level is False:
                flagged = True
                if p.is_medicare:
                    self.log.warning(
                        "FJ-MEDICARE-LEVELS",
                        f"{n} {label} levels: Medicare covers at most 2 levels per region per session, so +{g.codes[2]} is coded correctly but not covered (at most payable on appeal).",
                    )
                else:
                    self.log.warning(
                        "FJ-PAYER-LEVELS",
                        f"{n} {label} levels: {p.name} does not cover a third level, so +{g.codes[2]} is likely denied.",
                    )
            cap = p.max_levels_per_region_per_session
            if cap and n > cap and not flagged:
                flagged = True
                self.log.warning(
                    "FJ-PAYER-LEVELS", f"{n} {label} levels exceed {p.name}'s limit of {cap} per region per session."
                )
        total = sum(len(g.levels) for g in groups)
        cap = p.max_levels_per_session
        if cap and total > cap:
            self.log.warning(
                "FJ-PAYER-LEVELS",
                f"{total} levels in one session exceed {p.name}'s limit of {cap} levels per session; the extra levels are likely denied.",
            )

    def _coverage(self) -> None:
        p, purpose = self.p, self.s.purpose
        if p.therapeutic_covered == "not_covered":
            if purpose is Purpose.THERAPEUTIC:
                self.log.warning(
                    "FJ-PAYER-COVERAGE",
                    f"{p.name} treats therapeutic facet injections as unproven, so this claim is coded correctly but likely denied.",
                )
            elif purpose is Purpose.UNSPECIFIED:
                self.log.info(
                    "FJ-PAYER-COVERAGE",
                    f"If this injection is therapeutic, {p.name} treats it as unproven; diagnostic blocks are covered only when RF ablation is being considered.",
                )
        if not p.criteria_retrieved:
            self.log.info(
                "FJ-PAYER-COVERAGE",
                f"{p.name}'s own coverage criteria for facet injections were not retrieved for this tool; check the current policy before relying on level or frequency limits.",
            )


def decide(
    scenario: Scenario,
    *,
    payers: PayerRegistry | None = None,
    catalog: Catalog | None = None,
) -> Decision:
    """Claim lines and findings for one scenario. Raises GuardrailsError for bad input."""
    cat = catalog or load_catalog()
    registry = payers or load_payers()
    profile = registry.get(scenario.payer)
    levels = merge_injections(scenario)
    decider = _Decider(scenario, profile, cat)
    billable, lines = decider.run(levels)
    return Decision(
        billable=billable,
        lines=lines,
        findings=decider.log.sorted(),
        assumptions=decider.assumptions,
        rules_applied=decider.log.applied,
        payer=profile.id,
        payer_name=profile.name,
        versions=versions(cat),
    )
