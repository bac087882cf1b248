"""The database pool holds a connection for every transaction the consumer can have in flight."""

from __future__ import annotations

from shouwang_kit.settings import ServiceSettings


def test_the_pool_covers_the_transactions_in_flight_and_their_side_connections() -> None:
    for concurrency in (1, 2, 3, 6):
        settings = ServiceSettings(consumer_batch_concurrency=concurrency)
        in_flight = 2 * concurrency - 1  # the next poll is taken while the last ones commit
        assert settings.pool_size() >= 2 * in_flight + 2  # a side connection each, loops


def test_a_pool_size_given_is_used() -> None:
    settings = ServiceSettings(consumer_batch_concurrency=3, database_pool_size=4)
    assert settings.pool_size() == 4
