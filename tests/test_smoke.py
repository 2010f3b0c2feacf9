from bot.states import ALL_STATUSES


def test_eighteen_statuses() -> None:
    assert len(ALL_STATUSES) == 18
