"""Joint names: the spellings people use normalise; anything not a facet joint is refused."""

from __future__ import annotations

import pytest

from guardrails import InvalidJointError, Scenario, decide
from guardrails.joints import FACET_JOINTS, joint_index, joints_between, normalise_joint, region_of
from guardrails.models import Region

EXPECTED_JOINTS = (
    [f"C{i}-C{i + 1}" for i in range(2, 7)] + ["C7-T1"]
    + [f"T{i}-T{i + 1}" for i in range(1, 12)] + ["T12-L1"]
    + [f"L{i}-L{i + 1}" for i in range(1, 5)] + ["L5-S1"]
)


def test_valid_joints_are_exactly_the_23_of_the_spec() -> None:
    assert len(EXPECTED_JOINTS) == 23
    assert list(FACET_JOINTS) == EXPECTED_JOINTS


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("C4-C5", "C4-C5"),
        ("C4-5", "C4-C5"),
        ("C4/C5", "C4-C5"),
        ("C4/5", "C4-C5"),
        ("c4-c5", "C4-C5"),
        ("  c4-5 ", "C4-C5"),
        ("C4–C5", "C4-C5"),
        ("L5-S1", "L5-S1"),
        ("L5/S1", "L5-S1"),
        ("l5-s1", "L5-S1"),
        ("C7-T1", "C7-T1"),
        ("T12-L1", "T12-L1"),
        ("t12-l1", "T12-L1"),
        ("C2-C3", "C2-C3"),
        ("T11-12", "T11-T12"),
        ("L4-5", "L4-L5"),
    ],
)
def test_spellings_normalise(text: str, canonical: str) -> None:
    assert normalise_joint(text) == canonical


@pytest.mark.parametrize("canonical", EXPECTED_JOINTS)
def test_every_canonical_name_round_trips(canonical: str) -> None:
    assert normalise_joint(canonical) == canonical
    assert normalise_joint(canonical.lower()) == canonical
    assert normalise_joint(canonical.replace("-", "/")) == canonical


@pytest.mark.parametrize(
    ("text", "reason_word"),
    [
        ("L5-L6", "L6"),
        ("S1-S2", "sacr"),
        ("SI joint", "sacroiliac"),
        ("sacroiliac", "sacroiliac"),
        ("left SI", "sacroiliac"),
        ("C1-C2", "C1-C2"),
        ("C4-C6", "neighbouring"),
        ("", "no joint"),
        ("   ", "no joint"),
        ("banana", "vertebrae"),
        ("C8-T1", "C8"),
        ("T12-T13", "T13"),
        ("L5", "vertebrae"),
    ],
)
def test_non_facet_names_are_rejected_with_a_reason(text: str, reason_word: str) -> None:
    with pytest.raises(InvalidJointError) as info:
        normalise_joint(text)
    err = info.value
    assert err.reason.strip(), "a rejection must say why"
    assert reason_word.lower() in str(err).lower()
    assert "\n" not in str(err), "the message is one line"


@pytest.mark.parametrize("text", ["SI joint", "sacroiliac", "Sacroiliac joint", "SIJ", "S1-S2"])
def test_sacroiliac_and_sacral_point_to_not_facet(text: str) -> None:
    with pytest.raises(InvalidJointError) as info:
        normalise_joint(text)
    assert info.value.rule == "FJ-NOT-FACET"
    if text != "S1-S2":
        assert "27096" in str(info.value)


@pytest.mark.parametrize("text", ["L5-L6", "C1-C2", "C4-C6", "banana", ""])
def test_other_rejections_do_not_claim_not_facet_rule(text: str) -> None:
    with pytest.raises(InvalidJointError) as info:
        normalise_joint(text)
    assert info.value.rule != "FJ-NOT-FACET"


@pytest.mark.parametrize("text", ["L5-L6", "SI joint", "C1-C2", "banana"])
def test_decide_refuses_a_bad_joint_among_good_ones(text: str) -> None:
    scenario = Scenario(imaging="fluoroscopy", injections=[
        {"joint": "L4-L5", "side": "right"}, {"joint": text, "side": "right"}])
    with pytest.raises(InvalidJointError):
        decide(scenario)


def test_decide_refuses_sacroiliac_even_without_imaging() -> None:
    scenario = Scenario(imaging="none", injections=[{"joint": "SI joint", "side": "left"}])
    with pytest.raises(InvalidJointError) as info:
        decide(scenario)
    assert info.value.rule == "FJ-NOT-FACET"


def test_regions_follow_fj_region() -> None:
    for name in EXPECTED_JOINTS:
        lumbar = name.startswith("L")
        expected = Region.LUMBAR_SACRAL if lumbar else Region.CERVICAL_THORACIC
        assert region_of(name) is expected, name
    assert region_of("T12-L1") is Region.CERVICAL_THORACIC


def test_order_is_cranial_to_caudal() -> None:
    indexes = [joint_index(n) for n in EXPECTED_JOINTS]
    assert indexes == sorted(indexes) == list(range(23))


def test_joints_between() -> None:
    assert joints_between("C3-4", "C6-7") == ["C3-C4", "C4-C5", "C5-C6", "C6-C7"]
    assert joints_between("L5-S1", "L4-L5") == ["L4-L5", "L5-S1"]
    assert joints_between("T12-L1", "T12-L1") == ["T12-L1"]
