"""The rule catalog, code table and source register agree with the spec and with each other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from guardrails import Catalog, PayerRegistry
from guardrails.catalog import load_catalog

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC = REPO_ROOT.parent / "shared" / "domain" / "rules-spec.md"
RULE_ID = re.compile(r"\bFJ-[A-Z0-9]+(?:-[A-Z0-9]+)*")

SPEC_RULE_IDS = (
    "FJ-REGION", "FJ-LEVEL-COUNT", "FJ-PRIMARY-FIRST", "FJ-ADDON-PRIMARY", "FJ-THIRD-ONCE",
    "FJ-UNITS-ONE", "FJ-BILATERAL", "FJ-50-SAME-JOINT", "FJ-UNILATERAL-SIDE", "FJ-NO-59-LEVELS",
    "FJ-NO-51-ADDON", "FJ-IMAGING-REQUIRED", "FJ-IMAGING-INCLUDED", "FJ-ULTRASOUND",
    "FJ-NOT-FACET", "FJ-JUNCTION-MEDICARE", "FJ-MEDICARE-LEVELS", "FJ-MEDICARE-KX",
    "FJ-MEDICARE-ONE-REGION", "FJ-MEDICARE-PA-HOPD", "FJ-ASC-FACILITY", "FJ-PAYER-FORMAT",
    "FJ-PAYER-LEVELS",
)
EXTRA_RULE_IDS = ("FJ-PAYER-COVERAGE",)


def spec_rule_ids() -> list[str]:
    """IDs of the rules-spec §3 table, parsed from the spec when it is beside the repo."""
    if not SPEC.exists():
        return list(SPEC_RULE_IDS)
    text = SPEC.read_text(encoding="utf-8")
    section = text.split("## 3.", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(FJ-[A-Z0-9-]+)` \|", section, flags=re.MULTILINE)


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9+(\"'])", text.strip())
    return [p for p in parts if p]


def test_spec_table_parses_to_the_23_ids() -> None:
    ids = spec_rule_ids()
    assert len(ids) == 23
    assert sorted(ids) == sorted(SPEC_RULE_IDS)


@pytest.mark.parametrize("rule_id", SPEC_RULE_IDS)
def test_every_spec_rule_exists(rule_id: str, catalog: Catalog) -> None:
    assert rule_id in catalog.rules


def test_catalog_is_spec_plus_documented_extras(catalog: Catalog) -> None:
    assert set(catalog.rules) == set(spec_rule_ids()) | set(EXTRA_RULE_IDS)


def test_sentence_splitter_can_fail() -> None:
    assert len(sentences("One thing. Another thing.")) == 2
    assert len(sentences("Use 64490-50 (1 unit), e.g. for C4-C5.")) == 1


@pytest.mark.parametrize("rule_id", [*SPEC_RULE_IDS, *EXTRA_RULE_IDS])
def test_explanation_is_one_plain_sentence(rule_id: str, catalog: Catalog) -> None:
    text = catalog.rules[rule_id].explanation
    assert text.strip() == text and text.endswith("."), text
    assert len(sentences(text)) == 1, f"{rule_id}: more than one sentence: {text}"
    assert "\n" not in text
    assert len(text) <= 300, f"{rule_id}: explanation is not short"


@pytest.mark.parametrize("rule_id", [*SPEC_RULE_IDS, *EXTRA_RULE_IDS])
def test_rule_cites_facts_and_sources(rule_id: str, catalog: Catalog) -> None:
    rule = catalog.rules[rule_id]
    assert rule.facts and all(re.fullmatch(r"F-\d{3}", f) for f in rule.facts), rule.facts
    assert rule.sources
    citations = catalog.rule_citations(rule_id)
    assert citations and all(c.title.strip() for c in citations)


def test_rule_facts_exist_in_facts_sheet(catalog: Catalog) -> None:
    facts = SPEC.parent / "facts.md"
    if not facts.exists():
        pytest.skip("shared/domain/facts.md is not beside the repo")
    known = set(re.findall(r"\*\*(F-\d{3})", facts.read_text(encoding="utf-8")))
    for rule in catalog.rules.values():
        assert set(rule.facts) <= known, f"{rule.id}: unknown facts {set(rule.facts) - known}"


def test_every_source_cited_by_a_rule_has_a_url_or_says_why_not(catalog: Catalog) -> None:
    missing = sorted({(r.id, s) for r in catalog.rules.values() for s in r.sources
                      if not catalog.sources[s].url.startswith("http") and not catalog.sources[s].note})
    assert not missing, missing


def _code_table_source_ids() -> list[tuple[str, str]]:
    data = yaml.safe_load((REPO_ROOT / "knowledge" / "codes.yaml").read_text(encoding="utf-8"))
    out = [(f"families.{f['id']}", s) for f in data["families"] for s in f["sources"]]
    out += [(f"codes.{c['code']}", s) for c in data["codes"] for s in c["sources"]]
    out += [(f"related.{c['code']}", s) for c in data["related"] for s in c["sources"]]
    out.append(("medicare_2026.source", data["medicare_2026"]["source"]))
    return out


def test_every_cited_source_exists(catalog: Catalog, registry: PayerRegistry) -> None:
    cited: list[tuple[str, str]] = []
    cited += [(f"rules.{r.id}", s) for r in catalog.rules.values() for s in r.sources]
    cited += _code_table_source_ids()
    for profile in registry.profiles.values():
        for field, ids in profile.all_source_ids():
            cited += [(f"payers.{profile.id}.{field}", s) for s in ids]
    assert len(cited) > 50
    unknown = [(where, s) for where, s in cited if s not in catalog.sources]
    assert not unknown, unknown


def test_every_source_has_title_and_date(catalog: Catalog) -> None:
    for source in catalog.sources.values():
        assert source.title.strip() and source.date.strip(), source.id


def _rule_ids_in_source() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((REPO_ROOT / "guardrails").glob("*.py")):
        for rule_id in RULE_ID.findall(path.read_text(encoding="utf-8")):
            found.setdefault(rule_id, set()).add(path.name)
    return found


def test_rule_ids_in_engine_source_exist_in_catalog(catalog: Catalog) -> None:
    found = _rule_ids_in_source()
    assert "FJ-ADDON-PRIMARY" in found, "the scan must see the engine's rule IDs"
    unknown = {rid: files for rid, files in found.items() if rid not in catalog.rules}
    assert not unknown, f"rule IDs used in code but missing from rules.yaml: {unknown}"


def test_every_catalog_rule_is_used_by_the_code(catalog: Catalog) -> None:
    unused = sorted(set(catalog.rules) - set(_rule_ids_in_source()))
    assert not unused, f"catalog rules no code path refers to: {unused}"


def test_code_table_pairing_matches_fj_addon_primary(catalog: Catalog) -> None:
    requires = {code: set(info.requires) for code, info in catalog.codes.items()}
    assert requires == {
        "64490": set(), "64491": {"64490"}, "64492": {"64490", "64491"},
        "64493": set(), "64494": {"64493"}, "64495": {"64493", "64494"},
        "0213T": set(), "0214T": {"0213T"}, "0215T": {"0213T", "0214T"},
        "0216T": set(), "0217T": {"0216T"}, "0218T": {"0216T", "0217T"},
    }
    for code, info in catalog.codes.items():
        assert info.add_on is (info.tier != "primary"), code
        assert info.mue == 1, f"{code}: FJ-UNITS-ONE says MUE 1"


def test_code_regions_match_fj_region(catalog: Catalog) -> None:
    ct = {"64490", "64491", "64492", "0213T", "0214T", "0215T"}
    for code, info in catalog.codes.items():
        assert (info.region == "cervical_thoracic") is (code in ct), code
    assert {c for c, i in catalog.codes.items() if i.family == "facet_ultrasound"} == {
        "0213T", "0214T", "0215T", "0216T", "0217T", "0218T"}


def test_imaging_and_sacroiliac_codes_are_known(catalog: Catalog) -> None:
    assert catalog.related["77003"].kind == catalog.related["77012"].kind == "imaging_included"
    for code in ("27096", "G0260", "64451", "64625"):
        assert catalog.related[code].kind == "sacroiliac", code


def test_load_catalog_is_cached_and_versioned() -> None:
    assert load_catalog() is load_catalog()
    assert load_catalog().rules_version
    assert re.fullmatch(r"[0-9a-f]{12}", load_catalog().version())
