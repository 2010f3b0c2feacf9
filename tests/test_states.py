"""The status catalogue: 18 codes in journey order, their facts, and the spellings staff use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.states import (
    ALL_STATUSES,
    FACTS,
    NOTIFYING_STATUSES,
    STAGE_ORDER,
    Actor,
    KtpStatus,
    Stage,
    UnknownStatusError,
    is_backward,
    parse_status,
    suggest_statuses,
)

S = KtpStatus

DESIGN_TABLE: list[tuple[KtpStatus, Actor]] = [
    (S.UNREGISTERED, Actor.RESIDENT),
    (S.BIO_CAPTURED, Actor.OFFICE),
    (S.PROCESSING, Actor.OFFICE),
    (S.SENT_FOR_ENROLLMENT, Actor.CENTRAL),
    (S.RECEIVED_AT_CENTRAL, Actor.CENTRAL),
    (S.ENROLL_FAILURE_AT_CENTRAL, Actor.CENTRAL),
    (S.SEARCH_FAILURE_AT_CENTRAL, Actor.CENTRAL),
    (S.ENROLL_FAILURE_AT_REGIONAL, Actor.OFFICE),
    (S.PACKET_RETRY, Actor.CENTRAL),
    (S.SENT_FOR_DEDUP, Actor.CENTRAL),
    (S.DUPLICATE_RECORD, Actor.RESIDENT_AND_OFFICE),
    (S.ADJUDICATE_RECORD, Actor.RESIDENT_AND_OFFICE),
    (S.REQUEST_VALIDATION, Actor.RESIDENT_AND_OFFICE),
    (S.PRINT_READY_RECORD, Actor.OFFICE),
    (S.SENT_FOR_CARD_PRINTING, Actor.OFFICE),
    (S.CARD_PRINTED, Actor.RESIDENT),
    (S.CARD_SHIPPED, Actor.OFFICE),
    (S.CARD_ISSUED, Actor.NOBODY),
]


def test_eighteen_codes_in_the_journey_order_of_the_design() -> None:
    assert len(ALL_STATUSES) == 18
    assert [s for s, _ in DESIGN_TABLE] == list(ALL_STATUSES)
    assert [s.order for s in ALL_STATUSES] == list(range(1, 19))
    assert set(FACTS) == set(KtpStatus)


@pytest.mark.parametrize(("status", "actor"), DESIGN_TABLE)
def test_who_acts_matches_the_design(status: KtpStatus, actor: Actor) -> None:
    assert status.facts.actor is actor


def test_received_at_central_is_a_status_of_its_own() -> None:
    assert parse_status("RECEIVED_AT_CENTRAL") is S.RECEIVED_AT_CENTRAL
    assert S.RECEIVED_AT_CENTRAL.facts.stage is Stage.CENTRAL


def test_the_three_problems_need_the_resident_at_the_office() -> None:
    problems = {s for s in ALL_STATUSES if s.facts.stage is Stage.PROBLEM}
    assert problems == {S.DUPLICATE_RECORD, S.ADJUDICATE_RECORD, S.REQUEST_VALIDATION}
    assert all(s.facts.resident_must_come for s in problems)


def test_printed_card_and_every_status_needing_the_resident_notify() -> None:
    assert S.CARD_PRINTED in NOTIFYING_STATUSES
    assert S.CARD_PRINTED.facts.resident_must_come
    for status in ALL_STATUSES:
        if status.facts.resident_must_come:
            assert status in NOTIFYING_STATUSES, status


def test_waiting_statuses_do_not_notify_or_call_the_resident() -> None:
    for status in (S.SENT_FOR_ENROLLMENT, S.SENT_FOR_DEDUP, S.PRINT_READY_RECORD):
        assert status not in NOTIFYING_STATUSES
        assert not status.facts.resident_must_come


def test_stages_follow_the_journey() -> None:
    assert Stage.PROBLEM not in STAGE_ORDER
    shown = [
        Stage.CENTRAL if s.facts.stage is Stage.PROBLEM else s.facts.stage for s in ALL_STATUSES
    ]
    positions = [STAGE_ORDER.index(stage) for stage in shown]
    # ENROLL_FAILURE_AT_REGIONAL (8) sits back at "sending"; apart from it the stages never go back.
    without_regional = [
        p
        for s, p in zip(ALL_STATUSES, positions, strict=True)
        if s is not S.ENROLL_FAILURE_AT_REGIONAL
    ]
    assert without_regional == sorted(without_regional)
    assert S.ENROLL_FAILURE_AT_REGIONAL.facts.stage is Stage.SENDING
    assert S.CARD_ISSUED.facts.stage is Stage.DONE


@pytest.mark.parametrize(
    ("spelling", "status"),
    [
        ("PRINT_READY_RECORD", S.PRINT_READY_RECORD),
        ("print_ready_record", S.PRINT_READY_RECORD),
        ("Print Ready Record", S.PRINT_READY_RECORD),
        ("print-ready-record", S.PRINT_READY_RECORD),
        ("  print   ready  record ", S.PRINT_READY_RECORD),
        ("PRINT_READY_RECORD (PRR)", S.PRINT_READY_RECORD),
        ("PRR", S.PRINT_READY_RECORD),
        ("prr", S.PRINT_READY_RECORD),
        ("SFE", S.SENT_FOR_ENROLLMENT),
        ("sfe", S.SENT_FOR_ENROLLMENT),
        ("DR", S.DUPLICATE_RECORD),
        ("dup", S.DUPLICATE_RECORD),
        ("Dup", S.DUPLICATE_RECORD),
        ("adjudicate record", S.ADJUDICATE_RECORD),
        ("ADJUDICATE-RECORD", S.ADJUDICATE_RECORD),
        ("sent for dedup", S.SENT_FOR_DEDUP),
        ("Received at Central", S.RECEIVED_AT_CENTRAL),
        ("card_printed", S.CARD_PRINTED),
        ("card–issued", S.CARD_ISSUED),  # an en dash, as phones autocorrect
        ("enroll failure at regional", S.ENROLL_FAILURE_AT_REGIONAL),
    ],
)
def test_staff_spellings(spelling: str, status: KtpStatus) -> None:
    assert parse_status(spelling) is status


@pytest.mark.parametrize("status", list(KtpStatus))
def test_every_code_in_every_common_spelling(status: KtpStatus) -> None:
    code = status.value
    for spelling in (code, code.lower(), code.replace("_", " "), code.lower().replace("_", "-")):
        assert parse_status(spelling) is status


@pytest.mark.parametrize(
    ("typo", "first"),
    [
        ("PRINT_REDY", S.PRINT_READY_RECORD),
        ("print redy record", S.PRINT_READY_RECORD),
        ("card printd", S.CARD_PRINTED),
        ("dupplicate", S.DUPLICATE_RECORD),
        ("ajudicate", S.ADJUDICATE_RECORD),
        ("recieved at central", S.RECEIVED_AT_CENTRAL),
        ("request validasi", S.REQUEST_VALIDATION),
        ("dedup", S.SENT_FOR_DEDUP),
        ("retry", S.PACKET_RETRY),
        ("print", S.PRINT_READY_RECORD),
    ],
)
def test_a_typo_is_refused_with_the_closest_code_first(typo: str, first: KtpStatus) -> None:
    with pytest.raises(UnknownStatusError) as caught:
        parse_status(typo)
    assert caught.value.given == typo
    assert caught.value.suggestions[0] is first
    assert len(caught.value.suggestions) <= 3


def test_fragment_suggests_every_code_containing_it() -> None:
    assert suggest_statuses("failure") == [
        S.ENROLL_FAILURE_AT_CENTRAL,
        S.SEARCH_FAILURE_AT_CENTRAL,
        S.ENROLL_FAILURE_AT_REGIONAL,
    ]


@pytest.mark.parametrize("nonsense", ["", "   ", "xyz", "12345", "selesai?"])
def test_nonsense_is_refused(nonsense: str) -> None:
    with pytest.raises(UnknownStatusError):
        parse_status(nonsense)


def test_going_back_in_the_journey() -> None:
    assert is_backward(S.PRINT_READY_RECORD, S.DUPLICATE_RECORD)
    assert not is_backward(S.DUPLICATE_RECORD, S.PRINT_READY_RECORD)
    assert not is_backward(None, S.UNREGISTERED)
    assert not is_backward(S.CARD_PRINTED, S.CARD_PRINTED)


@given(st.text(max_size=60))
def test_any_text_gives_a_status_or_the_own_error(text: str) -> None:
    try:
        status = parse_status(text)
    except UnknownStatusError as err:
        assert all(isinstance(s, KtpStatus) for s in err.suggestions)
    else:
        assert isinstance(status, KtpStatus)
