"""Coding answers: scenarios, follow-ups, claim checks and joint questions, decided by guardrails."""

from __future__ import annotations

import re
from typing import Any

from assistant import compose
from assistant.answer import Answer, Route, SourceRef
from assistant.grounding import Grounding
from assistant.router import REPLACE_RE, SIDE_CHANGE_RE
from guardrails import (
    Claim,
    ClaimLine,
    Decision,
    GuardrailsError,
    Scenario,
    Setting,
    check_claim,
    decide,
)
from guardrails.joints import region_of
from guardrails.models import Purpose
from guardrails.models import Setting as SettingEnum
from guardrails.parse import ParsedText
from guardrails.payers import UNSPECIFIED

_FACET_WORD = re.compile(r"\bfacets?\b|\bzygapophyseal\b|\bmedial\s+branch|\bMBBs?\b", re.I)
_SETTING_ALIASES = {
    "professional": "professional",
    "physician": "professional",
    "office": "professional",
    "pro": "professional",
    "asc": "asc_facility",
    "asc_facility": "asc_facility",
    "asc facility": "asc_facility",
    "surgery center": "asc_facility",
    "ambulatory surgery center": "asc_facility",
    "hopd": "hospital_outpatient_facility",
    "hospital outpatient": "hospital_outpatient_facility",
    "hospital_outpatient_facility": "hospital_outpatient_facility",
    "hospital outpatient facility": "hospital_outpatient_facility",
}


def _setting_value(setting: str | None) -> str | None:
    """A default setting as typed by a caller ('ASC', 'HOPD') → its enum value; None if not given."""
    if not setting:
        return None
    key = re.sub(r"[\s_-]+", " ", setting.strip().lower())
    value = _SETTING_ALIASES.get(key) or _SETTING_ALIASES.get(key.replace(" ", "_"))
    if value is None:
        valid = ", ".join(s.value for s in SettingEnum)
        raise GuardrailsError(f"Unknown setting '{setting}'; use one of: {valid}.")
    return value


class CodingAnswers(Grounding):
    def _payer(self, parsed: ParsedText, default: str | None) -> tuple[str, list[str]]:
        if parsed.payer:
            return parsed.payer, []
        if parsed.unsupported_payer:
            return UNSPECIFIED, [
                f"There is no payer profile for {parsed.unsupported_payer}: the Medicare/CMS line format is shown "
                "without payer-specific rules (Medicare Advantage plans generally follow the local Medicare LCD)."
            ]
        if default and default != UNSPECIFIED:
            pid = self.payers.resolve(default) or UNSPECIFIED
            return pid, [f"Payer taken from your default setting: {self.payers.get(pid).name}."]
        return UNSPECIFIED, []

    def _scenario(self, parsed: ParsedText, payer: str | None, setting: str | None) -> Answer:
        pid, notes = self._payer(parsed, payer)
        data: dict[str, Any] = {"payer": pid, "injections": [{"joint": j, "side": s} for j, s in parsed.joints]}
        chosen_setting = parsed.setting.value if parsed.setting else _setting_value(setting)
        if chosen_setting:
            data["setting"] = chosen_setting
            if not parsed.setting and chosen_setting != SettingEnum.PROFESSIONAL.value:
                notes.append(
                    f"Claim type taken from your default setting: {compose.SETTING_WORDS.get(chosen_setting, chosen_setting)}."
                )
        if parsed.imaging:
            data["imaging"] = parsed.imaging.value
        if parsed.purpose:
            data["purpose"] = parsed.purpose.value
        if parsed.purpose_note:
            notes.append(parsed.purpose_note)
        return self._resolve(data, notes, parsed)

    def _resolve(self, data: dict[str, Any], notes: list[str], parsed: ParsedText, intro: str = "") -> Answer:
        """Ask when a missing or conflicting fact would change the lines; otherwise decide."""

        def ask(question: str) -> Answer:
            return Answer(route=Route.CLARIFY, answer=question, scenario=data, summary=question)

        if parsed.invalid_joints:
            bad = "; ".join(str(e) for e in parsed.invalid_joints)
            answer = ask(f"{bad}. Which facet joints were injected (C2-C3 through L5-S1)?")
            answer.rules = sorted({e.rule for e in parsed.invalid_joints if e.rule})
            return answer
        if parsed.mentions_si and not _FACET_WORD.search(parsed.text):
            named = ", ".join(dict.fromkeys(i["joint"] for i in data["injections"]))
            answer = ask(
                f"Was this a facet joint injection at {named}, or a sacroiliac (SI) joint injection? "
                f"{self.catalog.rule('FJ-NOT-FACET').explanation}"
            )
            answer.rules = ["FJ-NOT-FACET"]
            return answer
        if parsed.imaging_undocumented:
            answer = ask(
                "The imaging guidance is not documented. 64490-64495 require documented fluoroscopic or CT guidance, "
                "so they cannot be reported as things stand: was guidance used, and can the procedure note be amended?"
            )
            answer.rules = ["FJ-IMAGING-REQUIRED"]
            return answer
        if parsed.setting_ambiguous and not parsed.setting:
            return ask(
                "Which facility claim is this: an ambulatory surgery center (ASC) or a hospital outpatient "
                "department (HOPD)? Medicare wants RT/LT lines on ASC facility claims but modifier 50 on hospital "
                "outpatient claims, and the HOPD needs prior authorization."
            )
        if parsed.other_payers:
            names = [self.payers.get(p).name for p in [data["payer"], *parsed.other_payers]]
            return ask(f"Which payer is this claim for: {' or '.join(names)}? The payers' rules differ.")
        if parsed.imaging_conflict:
            kinds = " and ".join(k.value for k in parsed.imaging_conflict)
            return ask(
                f"The question mentions {kinds}. Which imaging guided the injection? The codes differ "
                "(64490-64495 for fluoroscopy/CT, 0213T-0218T for ultrasound, none for no imaging)."
            )
        if parsed.purpose_conflict:
            return ask(
                "Was this injection diagnostic (e.g. a medial branch block) or therapeutic? "
                "The question mentions both, and Medicare's KX modifier depends on it."
            )
        unsided = [i["joint"] for i in data["injections"] if i["side"] is None]
        if unsided:
            return ask(
                f"Which side was injected at {', '.join(dict.fromkeys(unsided))}: right, left or bilateral? "
                "The side changes the modifiers (RT, LT or 50), so I won't guess."
            )
        joints = {i["joint"] for i in data["injections"]}
        if data.get("payer") == UNSPECIFIED and {"T12-L1", "L1-L2"} <= joints:
            return ask(
                "Which payer is this for? T12-L1 with L1-L2 is coded 64490 + 64494 under Medicare's junction rule "
                "(NGS, CGS) but 64490 + 64493 under CPT region logic for other payers."
            )
        answer = self._decide(data, notes, intro, parsed.unsupported_payer)
        proposed = [ln for ln in parsed.lines if ln.code in self.catalog.codes or ln.code in self.catalog.related]
        if proposed and answer.decision is not None:
            self._compare_proposed(answer, data, proposed)
        if parsed.mentions_si:
            rule = self.catalog.rule("FJ-NOT-FACET")
            answer.answer += f"\n\n**SI joint:** {rule.explanation}"
            answer.rules.append("FJ-NOT-FACET")
        return answer

    def _compare_proposed(self, answer: Answer, data: dict[str, Any], proposed: list[ClaimLine]) -> None:
        """The question also states lines ('... billed 64493-RT'): compare them with the engine's lines."""
        claim = {k: data[k] for k in ("payer", "setting", "purpose") if k in data}
        result = check_claim(
            Claim.model_validate({**claim, "lines": [ln.model_dump() for ln in proposed]}),
            payers=self.payers,
            catalog=self.catalog,
        )
        given = ", ".join(f"{compose.line_label(ln)} ×{ln.units}" for ln in proposed)
        expected = sorted(ln.key() for ln in Decision.model_validate(answer.decision).lines)
        stated = sorted(ClaimLine(code=ln.code, modifiers=ln.modifiers, units=ln.units).key() for ln in proposed)
        errors = [f for f in result.findings if f.severity.value == "error"]
        if stated == expected:
            answer.answer += f"\n\n**The lines in your question ({given})** match the lines above."
            return
        answer.answer += (
            f"\n\n**The lines in your question ({given}) are not right** for this scenario (compare the lines above)"
            + (":\n" + compose.findings_block(errors) if errors else " (check the codes, modifiers and units).")
        )
        answer.rules += [f.rule for f in errors if f.rule not in answer.rules]

    def _other_procedure(self, parsed: ParsedText) -> Answer:
        """'right L4-5 RFA': not a facet injection; never code it as one."""
        named = ", ".join(dict.fromkeys(p for p in parsed.other_procedures))
        text = (
            f"'{named}' is not a facet joint injection, so 64490-64495 do not apply and I will not code it as one. "
            "Facet radiofrequency ablation is 64633/+64634 (cervical/thoracic) and 64635/+64636 (lumbar/sacral); "
            "epidural, transforaminal, trigger-point and other nerve-block injections have their own codes, outside "
            "what this assistant decides. Was a facet joint injection or medial branch block (also) done? "
            "If so, tell me which joints and sides."
        )
        return Answer(route=Route.CLARIFY, answer=text, summary=text.split(". ")[0] + ".")

    def _levels_only(self, parsed: ParsedText) -> Answer:
        """Levels given as a count or as nerves: codes follow joints, so ask for the joints."""
        rule = self.catalog.rule("FJ-LEVEL-COUNT")
        text = (
            f"{rule.explanation} Which facet joints were injected, and on which side(s)? "
            "For example: 'right L4-L5 and L5-S1'. Two medial branches around one joint are one level "
            "(e.g. L3 + L4 medial branches = the L4-L5 joint)."
        )
        answer = Answer(
            route=Route.CLARIFY, answer=text, summary="Which joints were injected?", rules=["FJ-LEVEL-COUNT"]
        )
        return self._with_sources(answer, [], [self.catalog.rule_citations("FJ-LEVEL-COUNT")])

    def _joint_regions(self, parsed: ParsedText) -> Answer:
        """'Is T12-L1 thoracic or lumbar?': the region and code family of each joint named."""
        rows = []
        for joint in dict.fromkeys(j for j, _ in parsed.joints):
            region = region_of(joint)
            codes = "64490 / +64491 / +64492" if region == "cervical_thoracic" else "64493 / +64494 / +64495"
            label = "cervical/thoracic" if region == "cervical_thoracic" else "lumbar/sacral"
            rows.append(
                f"- **{joint}** is in the {label} region: {codes} (first / second / third and additional level)."
            )
        rules = ["FJ-REGION"]
        text = "\n".join(rows) + f"\n\n{self.catalog.rule('FJ-REGION').explanation}"
        if any(j == "T12-L1" for j, _ in parsed.joints):
            rules.append("FJ-JUNCTION-MEDICARE")
            text += f"\n\n{self.catalog.rule('FJ-JUNCTION-MEDICARE').explanation}"
            text += (
                "\n\nT12-L1 as thoracic is the majority and later view (AAPC, the MAC articles); a 2010 Becker's "
                "ASC Review article said lumbar (64493), which is not followed here (U-03)."
            )
        text += "\n\nTell me the side(s), imaging and payer and I will give the claim lines."
        answer = Answer(route=Route.CODING, answer=text, summary=rows[0][2:], rules=rules)
        return self._with_sources(answer, [], [self.catalog.rule_citations(r) for r in rules])

    def _decide(
        self, data: dict[str, Any], notes: list[str], intro: str = "", unsupported_payer: str | None = None
    ) -> Answer:
        scenario = Scenario.model_validate(data)
        decision = decide(scenario, payers=self.payers, catalog=self.catalog)
        if unsupported_payer and decision.payer == UNSPECIFIED:
            decision = _name_unsupported_payer(decision, unsupported_payer)
        text, summary = compose.render_decision(decision, scenario.setting.value, intro, notes)
        query = " ".join([compose.describe_scenario(data), *(ln.code for ln in decision.lines)])
        passages = self._support(query, decision.payer)
        answer = Answer(
            route=Route.CODING,
            answer=text,
            summary=summary,
            decision=decision.model_dump(mode="json"),
            rules=decision.rules_applied,
            assumptions=[*notes, *decision.assumptions],
            scenario=data,
        )
        codes = {ln.code for ln in decision.lines}
        known = self._known_conflicts(set(decision.rules_applied), codes)
        return self._with_sources(answer, passages, [f.citations for f in decision.findings], known)

    def _follow_up(self, parsed: ParsedText, previous: Answer) -> Answer:
        data = {**(previous.scenario or {})}
        data["injections"] = [dict(i) for i in data.get("injections", [])]
        changed = []
        if parsed.payer:
            data["payer"] = parsed.payer
            changed.append(f"payer {self.payers.get(parsed.payer).name}")
        elif parsed.negated_payers and data.get("payer") in parsed.negated_payers:
            data["payer"] = UNSPECIFIED
            changed.append("no payer named")
        self._edit_joints(data, parsed, changed)
        if parsed.negated_purposes and data.get("purpose") in parsed.negated_purposes:
            data.pop("purpose")
            changed.append("purpose not stated")
        if parsed.setting:
            data["setting"] = parsed.setting.value
            changed.append(compose.SETTING_WORDS[parsed.setting.value])
        if parsed.imaging:
            data["imaging"] = parsed.imaging.value
            changed.append(f"imaging {parsed.imaging.value}")
        if parsed.purpose:
            data["purpose"] = parsed.purpose.value
            changed.append(f"{parsed.purpose.value} purpose")
        intro = f"Same case as before with {', '.join(changed)}:" if changed else ""
        if not data["injections"]:
            question = "That leaves no joints in the case. Which facet joints were injected, and on which side(s)?"
            return Answer(route=Route.CLARIFY, answer=question, summary=question)
        note = f"Follow-up: reused the previous scenario ({compose.describe_scenario(previous.scenario or {})})."
        return self._resolve(data, [note], parsed, intro)

    @staticmethod
    def _edit_joints(data: dict[str, Any], parsed: ParsedText, changed: list[str]) -> None:
        """Apply a follow-up's joint and side edits to the previous scenario's injections."""
        sides = _sides_by_joint(data["injections"])
        for joint in parsed.excluded_joints:
            if sides.pop(joint, None) is not None:
                changed.append(f"{joint} removed")
        side_change = SIDE_CHANGE_RE.search(parsed.text)
        for side in [] if side_change else parsed.removed_sides:
            for joint in list(sides):
                sides[joint].discard(side)
                if not sides[joint]:
                    del sides[joint]
            changed.append(f"{side} side removed")
        new = _sides_by_joint([{"joint": j, "side": s} for j, s in parsed.joints])
        if new:
            if (REPLACE_RE.search(parsed.text) and not parsed.excluded_joints) or parsed.only:
                sides = {j: s or sides.get(j, set()) for j, s in new.items()}
            elif _ADDING_WORDS.search(parsed.text):
                for joint, found in new.items():
                    sides[joint] = sides.get(joint, set()) | found
            else:
                for joint, found in new.items():
                    sides[joint] = found or sides.get(joint, set())
            changed.append(", ".join(f"{s or 'side not given'} {j}" for j, s in parsed.joints))
        elif side_change:
            word = next(v for v in side_change.groupdict().values() if v).lower()
            target = BOTH_SIDES if word in ("other", "bilateral") else {word}
            for joint in sides:
                sides[joint] = set(target)
            changed.append("the other side added (bilateral)" if word == "other" else f"all joints {word}")
        elif re.fullmatch(r"\s*(?:both|both\s+sides|b/l|bilat)\s*[.!]?\s*", parsed.text, re.I) or (
            len(parsed.sides_mentioned) == 1 and not parsed.removed_sides
        ):
            side = "bilateral" if not parsed.sides_mentioned else parsed.sides_mentioned[0]
            unsided = [j for j, s in sides.items() if not s]
            for joint in unsided or list(sides):
                sides[joint] = set(BOTH_SIDES) if side == "bilateral" else {side}
            changed.append(f"{side} at {', '.join(unsided)}" if unsided else f"all joints {side}")
        data["injections"] = _injections(sides)

    def _check_follow_up(self, parsed: ParsedText, previous: Answer, payer: str | None, setting: str | None) -> Answer:
        """'it was diagnostic', 'aetna?', 'what about for an ASC' after a claim check: re-check the same lines."""
        claim = dict(previous.claim or {})
        parsed.lines = [ClaimLine.model_validate(ln) for ln in claim.get("lines", [])]
        parsed.payer = parsed.payer or claim.get("payer")
        if not parsed.setting and claim.get("setting"):
            parsed.setting = SettingEnum(claim["setting"])
        if not parsed.purpose and claim.get("purpose") and claim["purpose"] not in parsed.negated_purposes:
            parsed.purpose = Purpose(claim["purpose"])
        return self._check(parsed, payer, setting)

    def _check(self, parsed: ParsedText, payer: str | None, setting: str | None) -> Answer:
        if parsed.setting_ambiguous and not parsed.setting:
            question = (
                "Which facility claim is this: an ambulatory surgery center (ASC) or a hospital outpatient "
                "department (HOPD)? The bilateral format differs (Medicare: RT/LT lines in the ASC, 50 in the HOPD)."
            )
            return Answer(route=Route.CLARIFY, answer=question, summary=question)
        pid, notes = self._payer(parsed, payer)
        default = _setting_value(setting)
        chosen = parsed.setting.value if parsed.setting else (default or Setting.PROFESSIONAL.value)
        if not parsed.setting:
            notes.append(
                f"Claim type taken from your default setting: {compose.SETTING_WORDS[chosen]}."
                if default
                else "Assumed a physician (professional) claim; say 'ASC' or 'hospital outpatient' for a facility claim."
            )
        data: dict[str, Any] = {
            "payer": pid,
            "setting": chosen,
            "lines": [ln.model_dump(include={"code", "modifiers", "units"}) for ln in parsed.lines],
        }
        if parsed.purpose:
            data["purpose"] = parsed.purpose.value
        claim = Claim.model_validate(data)
        result = check_claim(claim, payers=self.payers, catalog=self.catalog)
        text, summary = compose.render_check(result, claim.lines, chosen, notes)
        passages = self._support(
            " ".join(ln.code for ln in claim.lines) + " " + " ".join(f.rule for f in result.findings), pid
        )
        answer = Answer(
            route=Route.CODING,
            answer=text,
            summary=summary,
            decision=result.model_dump(mode="json"),
            rules=sorted({f.rule for f in result.findings}),
            assumptions=[*notes, *result.assumptions],
            claim=data,
        )
        known = self._known_conflicts({f.rule for f in result.findings}, {ln.code for ln in claim.lines})
        return self._with_sources(answer, passages, [f.citations for f in result.findings], known)

    def _invalid_joint(self, parsed: ParsedText) -> Answer:
        errors = parsed.invalid_joints
        rules = sorted({e.rule for e in errors if e.rule})
        text = "\n".join(f"- {e}" for e in errors)
        answer = Answer(
            route=Route.CODING,
            rules=rules,
            summary=str(errors[0]),
            answer=f"**Not a facet joint these codes cover:**\n{text}\n\nName each facet joint by its two vertebrae (C2-C3 through L5-S1).",
        )
        if rules:
            answer.citations = [
                SourceRef(source_id=c.doc_id or c.source_id, title=c.title, url=c.url)
                for c in self.catalog.rule_citations(rules[0])
            ]
        return answer

    # --- rule questions and knowledge -------------------------------------------------------


BOTH_SIDES = frozenset({"left", "right"})
_ADDING_WORDS = re.compile(r"\b(?:also|too|as well|add|plus|in addition|additionally)\b|^\s*and\b", re.I)


def _sides_by_joint(injections: list[dict[str, Any]]) -> dict[str, set[str]]:
    """{joint: {'left', 'right'}} in order; an unknown side is an empty set."""
    out: dict[str, set[str]] = {}
    for inj in injections:
        side = inj.get("side")
        found = out.setdefault(inj["joint"], set())
        if side == "bilateral":
            found |= BOTH_SIDES
        elif side:
            found.add(side)
    return out


def _injections(sides: dict[str, set[str]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for joint, found in sides.items():
        side = "bilateral" if found >= BOTH_SIDES else (next(iter(found)) if found else None)
        out.append({"joint": joint, "side": side})
    return out


def _name_unsupported_payer(decision: Decision, name: str) -> Decision:
    """'Humana' was named but has no profile: say so instead of 'no payer was named'."""
    findings = [
        f.model_copy(update={"message": f.message.replace("No payer was named", f"{name} has no payer profile here")})
        for f in decision.findings
    ]
    assumptions = [a for a in decision.assumptions if not a.startswith("No payer given")]
    return decision.model_copy(update={"findings": findings, "assumptions": assumptions})
