"""Check claim lines a coder already wrote; propose corrected lines when the fix is clear."""

from __future__ import annotations

from collections import Counter

from guardrails.catalog import Catalog, CodeInfo, load_catalog
from guardrails.findings import FindingLog
from guardrails.formats import order_modifiers
from guardrails.models import CheckResult, Claim, ClaimLine, Purpose, Setting
from guardrails.payers import UNSPECIFIED, BilateralFormat, PayerProfile, PayerRegistry, load_payers
from guardrails.versions import versions

LEVEL_MODIFIERS = {"59", "XE", "XS", "XP", "XU"}
SIDES = {"RT", "LT"}


class _Checker:
    def __init__(self, claim: Claim, profile: PayerProfile, catalog: Catalog) -> None:
        self.c = claim
        self.p = profile
        self.cat = catalog
        self.log = FindingLog(catalog)
        self.assumptions: list[str] = []
        self.fixable = True

    def facet(self, line: ClaimLine) -> CodeInfo | None:
        return self.cat.codes.get(line.code)

    def format_rule(self) -> str:
        """The rule a wrong bilateral format breaks, for this payer and claim type."""
        medicare_like = self.p.is_medicare or self.p.id == UNSPECIFIED
        if self.c.setting is Setting.ASC_FACILITY and medicare_like:
            return "FJ-ASC-FACILITY"
        return "FJ-BILATERAL" if medicare_like else "FJ-PAYER-FORMAT"

    def fmt(self) -> BilateralFormat:
        asc = self.c.setting is Setting.ASC_FACILITY
        return self.p.asc_bilateral_format if asc else self.p.bilateral_format

    def run(self) -> list[ClaimLine]:
        """Findings into self.log; returns the proposed corrected lines."""
        lines = list(self.c.lines)
        if self.p.id == UNSPECIFIED:
            self.assumptions.append("No payer given: checked against the Medicare/CMS line format.")
        lines = self._imaging(lines)
        lines = [self._modifiers(ln, lines) for ln in lines]
        lines = self._laterality_format(lines)
        lines = self._units_and_duplicates(lines)
        self._pairing(lines)
        lines = self._kx(lines)
        self._overlays(lines)
        return lines

    def _imaging(self, lines: list[ClaimLine]) -> list[ClaimLine]:
        kept = []
        has_facet = any(self.facet(ln) for ln in lines)
        for ln in lines:
            related = self.cat.related.get(ln.code)
            if related and related.kind == "imaging_included" and has_facet:
                self.log.error(
                    "FJ-IMAGING-INCLUDED",
                    f"{ln.code} must not be billed with a facet injection code: the imaging guidance is already included; remove the {ln.code} line.",
                )
                continue
            if related and related.kind == "sacroiliac" and has_facet:
                self.log.info(
                    "FJ-NOT-FACET",
                    f"{ln.code} is a sacroiliac joint code, not a facet code; a same-day SI joint and facet injection may hit payer or NCCI edits, so check the current edits.",
                )
            elif not related and not self.facet(ln):
                self.assumptions.append(f"{ln.code} is not a facet injection code and was not checked.")
            kept.append(ln)
        return kept

    def _modifiers(self, ln: ClaimLine, claim_lines: list[ClaimLine]) -> ClaimLine:
        info = self.facet(ln)
        if not info:
            return ln
        mods = list(ln.modifiers)
        bad59 = [m for m in mods if m in LEVEL_MODIFIERS]
        if bad59:
            self.log.error(
                "FJ-NO-59-LEVELS",
                f"Remove {'/'.join(bad59)} from {ln.code}: modifiers 59 and X{{EPSU}} are not used to show another facet level; the add-on code already does.",
            )
            mods = [m for m in mods if m not in LEVEL_MODIFIERS]
        if "51" in mods and info.add_on:
            self.log.error(
                "FJ-NO-51-ADDON",
                f"Remove modifier 51 from +{ln.code}: add-on codes are exempt from multiple-procedure reduction.",
            )
            mods = [m for m in mods if m != "51"]
        if "50" in mods and SIDES & set(mods):
            self.log.error(
                "FJ-50-SAME-JOINT",
                f"{ln.code} carries both 50 and RT/LT: modifier 50 already means right and left of the same joint, so use one or the other.",
            )
            self.fixable = False
        twin_50 = self.fmt() is BilateralFormat.CODE_PLUS_CODE_50 and any(
            o.code == ln.code and "50" in o.modifiers for o in claim_lines if o is not ln
        )
        if "50" not in mods and not SIDES & set(mods) and not twin_50:
            self.log.warning(
                "FJ-UNILATERAL-SIDE",
                f"{ln.code} has no RT, LT or 50: add RT or LT for a one-sided level (informational for Medicare, expected by many payers).",
            )
        return ln.model_copy(update={"modifiers": order_modifiers(mods)})

    def _laterality_format(self, lines: list[ClaimLine]) -> list[ClaimLine]:
        """RT+LT on one line, or 50 where the payer wants RT/LT lines: correct to the payer's format."""
        fmt = self.fmt()
        out: list[ClaimLine] = []
        for ln in lines:
            mods = set(ln.modifiers)
            if not self.facet(ln):
                out.append(ln)
                continue
            rest = [m for m in ln.modifiers if m not in SIDES | {"50"}]
            if mods >= SIDES and "50" not in mods:
                if fmt is BilateralFormat.RT_LT_TWO_LINES:
                    self.log.error(
                        self.format_rule(),
                        f"{ln.code} carries RT and LT on one line: {self.p.name} wants a bilateral level as two lines, RT and LT, 1 unit each.",
                    )
                    out += [
                        ln.model_copy(update={"modifiers": order_modifiers([s, *rest]), "units": 1})
                        for s in ("RT", "LT")
                    ]
                elif fmt is BilateralFormat.MODIFIER_50_ONE_LINE:
                    self.log.error(
                        self.format_rule(),
                        f"{ln.code} carries RT and LT on one line: {self.p.name} wants a bilateral level on one line with modifier 50 and 1 unit.",
                    )
                    out.append(ln.model_copy(update={"modifiers": order_modifiers(["50", *rest]), "units": 1}))
                else:
                    out.append(ln)
                continue
            if "50" in mods and not SIDES & mods and fmt is BilateralFormat.RT_LT_TWO_LINES:
                self.log.error(
                    self.format_rule(),
                    f"{ln.code}-50: {self.p.name} does not recognise modifier 50 on this claim; bill the bilateral level as two lines, RT and LT, 1 unit each.",
                )
                if ln.units == 1:
                    out += [ln.model_copy(update={"modifiers": order_modifiers([s, *rest])}) for s in ("RT", "LT")]
                else:
                    self.fixable = False
                    out.append(ln)
                continue
            out.append(ln)
        return out

    def _bilateral_regions(self, lines: list[ClaimLine]) -> set[str]:
        """Regions whose primary line shows a bilateral level (50, 2 units, or RT and LT lines)."""
        out: set[str] = set()
        for region in ("cervical_thoracic", "lumbar_sacral"):
            primaries = [ln for ln in lines if (i := self.facet(ln)) and i.tier == "primary" and i.region == region]
            sides = {m for ln in primaries for m in ln.modifiers}
            if any("50" in ln.modifiers or ln.units == 2 for ln in primaries) or sides >= SIDES:
                out.add(region)
        return out

    def _units_and_duplicates(self, lines: list[ClaimLine]) -> list[ClaimLine]:
        fmt = self.fmt()
        bilateral_regions = self._bilateral_regions(lines)
        out: list[ClaimLine] = []
        for ln in lines:
            info = self.facet(ln)
            if info and ln.units == 0:
                self.log.error("FJ-UNITS-ONE", f"{ln.code} with 0 units: each facet line is billed as 1 unit.")
                out.append(ln.model_copy(update={"units": 1}))
                continue
            if not info or ln.units <= 1:
                out.append(ln)
                continue
            if fmt is BilateralFormat.MODIFIER_50_TWO_UNITS and "50" in ln.modifiers and ln.units == 2:
                out.append(ln)
                continue
            if info.tier == "third_plus":
                self.log.error(
                    "FJ-THIRD-ONCE",
                    f"+{ln.code} is reported once per day as 1 unit, however many levels past the second; {ln.units} units is wrong.",
                )
                if not {"50", *SIDES} & set(ln.modifiers):
                    self.fixable = False  # the extra units may have meant the other side
                out.append(ln.model_copy(update={"units": 1}))
                continue
            self.log.error(
                "FJ-UNITS-ONE",
                f"{ln.code} with {ln.units} units: each facet code is 1 unit per day; a bilateral level is shown with modifier 50, not with 2 units.",
            )
            # 2 units of an add-on read as bilateral only when its primary is bilateral too; otherwise
            # the primary would belong on the bilateral joint (mixed laterality) and the fix is a guess.
            clear = info.tier != "second" or info.region in bilateral_regions
            if not clear:
                self.fixable = False
                out.append(ln)
            elif ln.units == 2 and fmt is BilateralFormat.MODIFIER_50_ONE_LINE and not SIDES & set(ln.modifiers):
                out.append(ln.model_copy(update={"units": 1, "modifiers": order_modifiers(["50", *ln.modifiers])}))
                self.assumptions.append(
                    f"The 2 units of {ln.code} were read as right and left of one level (a bilateral level)."
                )
            elif ln.units == 2 and fmt is BilateralFormat.RT_LT_TWO_LINES and not {"50", *SIDES} & set(ln.modifiers):
                out.append(ln.model_copy(update={"units": 1, "modifiers": order_modifiers(["RT", *ln.modifiers])}))
                out.append(ln.model_copy(update={"units": 1, "modifiers": order_modifiers(["LT", *ln.modifiers])}))
            else:
                self.fixable = False
                out.append(ln)
        return self._duplicates(out)

    def _duplicates(self, lines: list[ClaimLine]) -> list[ClaimLine]:
        fmt = self.fmt()
        bilateral_regions = self._bilateral_regions(lines)
        by_code: dict[str, list[ClaimLine]] = {}
        for ln in lines:
            if self.facet(ln):
                by_code.setdefault(ln.code, []).append(ln)
        replaced: dict[str, list[ClaimLine]] = {}
        for code, group in by_code.items():
            if len(group) == 1:
                continue
            sides = Counter(m for ln in group for m in ln.modifiers if m in SIDES | {"50"})
            rt_lt_pair = len(group) == 2 and sides == Counter({"RT": 1, "LT": 1})
            code_plus_50 = len(group) == 2 and sides == Counter({"50": 1})
            if rt_lt_pair and fmt is BilateralFormat.RT_LT_TWO_LINES:
                continue
            if code_plus_50 and fmt is BilateralFormat.CODE_PLUS_CODE_50:
                continue
            if rt_lt_pair and fmt is BilateralFormat.MODIFIER_50_ONE_LINE:
                rule = self.format_rule()
                self.log.error(
                    rule,
                    f"{code} on two lines RT and LT: {self.p.name} wants a bilateral level on one line with modifier 50 and 1 unit.",
                )
                info = self.cat.codes[code]
                if info.tier == "second" and info.region not in bilateral_regions:
                    # A bilateral add-on under a one-sided primary: the primary belongs on the bilateral
                    # joint (mixed laterality), so which line gets which code is not a clear fix.
                    self.fixable = False
                    continue
                keep = [m for m in group[0].modifiers if m not in SIDES]
                replaced[code] = [group[0].model_copy(update={"modifiers": order_modifiers(["50", *keep])})]
                continue
            rule = "FJ-THIRD-ONCE" if self.cat.codes[code].tier == "third_plus" else "FJ-UNITS-ONE"
            self.log.error(
                rule,
                f"{code} appears on {len(group)} lines: each facet code is reported once per day (1 unit), with a bilateral level shown in the payer's format.",
            )
            self.fixable = False
        if not replaced:
            return lines
        out: list[ClaimLine] = []
        done: set[str] = set()
        for ln in lines:
            if ln.code in replaced:
                if ln.code not in done:
                    out.extend(replaced[ln.code])
                    done.add(ln.code)
                continue
            out.append(ln)
        return out

    def _pairing(self, lines: list[ClaimLine]) -> None:
        present = {ln.code for ln in lines}
        for code in sorted(present):
            info = self.cat.codes.get(code)
            if not info or not info.add_on:
                continue
            needs = list(info.requires)
            # The junction pairing holds only when T12-L1 (64490) is the only cervical/thoracic level.
            junction_ok = (
                code in ("64494", "64495")
                and self.p.junction_rule
                and "64490" in present
                and not {"64491", "64492", "64493"} & present
            )
            if junction_ok:
                needs = [n for n in needs if n != "64493"]
                self.log.info(
                    "FJ-JUNCTION-MEDICARE",
                    f"+{code} with 64490 is accepted only for {self.p.name}'s T12-L1 + L1-L2 junction session; otherwise lumbar add-ons need 64493.",
                )
            missing = [n for n in needs if n not in present]
            if missing:
                self.log.error(
                    "FJ-ADDON-PRIMARY",
                    f"+{code} is an add-on and cannot be billed without {' and '.join(missing)} on the same claim for the same date.",
                )
                self.fixable = False

    def _level_limits(self, lines: list[ClaimLine]) -> None:
        """A payer's cap on levels per session (FJ-PAYER-LEVELS), counted from the codes on the claim."""
        tiers: dict[str, set[str]] = {}
        for ln in lines:
            info = self.facet(ln)
            if info:
                tiers.setdefault(info.region, set()).add(info.tier)
        # Each tier code is one level; the third-and-additional code is at least one more.
        levels = sum(len(t) for t in tiers.values())
        cap = self.p.max_levels_per_session
        if cap and levels > cap:
            self.log.warning(
                "FJ-PAYER-LEVELS",
                f"The claim reports at least {levels} levels in one session, above {self.p.name}'s limit of {cap}; the extra levels are likely denied.",
            )
        region_cap = self.p.max_levels_per_region_per_session
        if region_cap and self.p.covers_third_level is not False:
            for region, found in tiers.items():
                if len(found) > region_cap:
                    self.log.warning(
                        "FJ-PAYER-LEVELS",
                        f"The claim reports at least {len(found)} {region.replace('_', '/')} levels, above {self.p.name}'s limit of {region_cap} per region.",
                    )

    def _kx(self, lines: list[ClaimLine]) -> list[ClaimLine]:
        if not self.p.requires_kx_on_diagnostic:
            return lines
        fluoro = [ln for ln in lines if (i := self.facet(ln)) and i.family == "facet_fluoro_ct"]
        missing = [ln for ln in fluoro if "KX" not in ln.modifiers]
        purpose = self.c.purpose
        if purpose is Purpose.DIAGNOSTIC and missing:
            self.log.error(
                "FJ-MEDICARE-KX",
                f"Diagnostic facet injection for {self.p.name}: add KX to every facet line ({', '.join(ln.code for ln in missing)} lack it).",
            )
            return [
                ln.model_copy(update={"modifiers": order_modifiers([*ln.modifiers, "KX"])}) if ln in missing else ln
                for ln in lines
            ]
        if purpose is Purpose.UNSPECIFIED and missing:
            self.log.info(
                "FJ-MEDICARE-KX",
                "The purpose was not stated: if these are diagnostic injections, Medicare wants KX on every line.",
            )
        if purpose is Purpose.THERAPEUTIC and len(missing) < len(fluoro):
            self.log.warning(
                "FJ-MEDICARE-KX",
                "KX is for diagnostic facet injections; on a therapeutic injection it is aberrant use that can trigger review.",
            )
        return lines

    def _overlays(self, lines: list[ClaimLine]) -> None:
        p = self.p
        codes = {ln.code for ln in lines}
        infos = [self.cat.codes[c] for c in codes if c in self.cat.codes]
        if any(i.tier == "third_plus" for i in infos) and p.covers_third_level is False:
            rule = "FJ-MEDICARE-LEVELS" if p.is_medicare else "FJ-PAYER-LEVELS"
            self.log.warning(
                rule,
                f"{p.name} does not cover a third level per region per session: the third-and-additional code is likely denied (at most payable on appeal).",
            )
        self._level_limits(lines)
        if p.id == UNSPECIFIED:
            self.log.info(
                "FJ-PAYER-FORMAT",
                "No payer was named, so the Medicare/CMS line format was checked; commercial payers' bilateral formats vary.",
            )
        facility = self.c.setting in (Setting.ASC_FACILITY, Setting.HOSPITAL_OUTPATIENT_FACILITY)
        if facility and "27096" in codes:
            self.log.error(
                "FJ-NOT-FACET",
                "27096 is not recognised on ASC or hospital outpatient facility claims: the facility reports the SI joint injection as G0260.",
            )
        regions = {i.region for i in infos if i.tier == "primary"}
        junction = p.junction_rule and codes >= {"64490", "64494"} and "64493" not in codes
        if len(regions) > 1 and p.one_region_per_session and not junction:
            self.log.warning(
                "FJ-MEDICARE-ONE-REGION",
                f"{p.name} lists both spinal regions in one session as a limitation, so expect a denial (no documented exception was confirmed).",
            )
        if any(i.family == "facet_ultrasound" for i in infos):
            self.log.apply("FJ-ULTRASOUND")
            if p.ultrasound_covered is not True:
                self.log.warning(
                    "FJ-ULTRASOUND",
                    f"Ultrasound-guided facet codes (0213T-0218T) are {'not covered by ' + p.name if p.ultrasound_covered is False else 'not covered by Medicare and most commercial payers'}.",
                )
        pa = p.hopd_prior_auth
        if self.c.setting is Setting.HOSPITAL_OUTPATIENT_FACILITY and pa and pa.required and codes & set(pa.codes):
            self.log.info(
                "FJ-MEDICARE-PA-HOPD",
                f"Hospital outpatient claim: {', '.join(sorted(codes & set(pa.codes)))} need {p.name} prior authorization (since {pa.since}).",
            )
        if p.confirm_format_with_plan:
            self.log.warning(
                "FJ-PAYER-FORMAT",
                f"{p.name} plans differ in their bilateral and multi-level formats; confirm the format with the member's plan.",
            )
        if p.therapeutic_covered == "not_covered" and self.c.purpose is Purpose.THERAPEUTIC and infos:
            self.log.warning(
                "FJ-PAYER-COVERAGE",
                f"{p.name} treats therapeutic facet injections as unproven, so this claim is likely denied.",
            )


def check_claim(
    claim: Claim,
    *,
    payers: PayerRegistry | None = None,
    catalog: Catalog | None = None,
) -> CheckResult:
    """Validate claim lines against the rules; corrected lines only when the fix is unambiguous."""
    cat = catalog or load_catalog()
    profile = (payers or load_payers()).get(claim.payer)
    checker = _Checker(claim, profile, cat)
    proposed = checker.run()
    valid = not checker.log.has_errors()
    corrected: list[ClaimLine] | None = None
    if not valid and checker.fixable:
        recheck = _Checker(claim.model_copy(update={"lines": proposed}), profile, cat)
        recheck.run()
        if not recheck.log.has_errors():
            corrected = _sorted_lines(proposed, cat)
    return CheckResult(
        valid=valid,
        findings=checker.log.sorted(),
        corrected_lines=corrected,
        assumptions=checker.assumptions,
        payer=profile.id,
        payer_name=profile.name,
        versions=versions(cat),
    )


def _sorted_lines(lines: list[ClaimLine], cat: Catalog) -> list[ClaimLine]:
    tier = {"primary": 0, "second": 1, "third_plus": 2}

    def key(ln: ClaimLine) -> tuple[int, int, int]:
        info = cat.codes.get(ln.code)
        if not info:
            return (2, 0, 0)
        return (0 if info.region == "cervical_thoracic" else 1, tier[info.tier], 0 if "LT" not in ln.modifiers else 1)

    return sorted(lines, key=key)
