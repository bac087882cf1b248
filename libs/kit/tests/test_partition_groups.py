"""How a poll's partitions are shared out between concurrent transactions."""

from __future__ import annotations

from aiokafka import TopicPartition
from shouwang_kit.messaging import partition_groups


def _poll(*sizes: int) -> dict[TopicPartition, list[int]]:
    return {TopicPartition("t", p): list(range(n)) for p, n in enumerate(sizes)}


def test_every_partition_lands_whole_in_exactly_one_group() -> None:
    poll = _poll(500, 20, 300, 300, 7, 900)
    groups = partition_groups(poll, 2)
    assert len(groups) == 2
    placed = [tp for group in groups for tp in group]
    assert sorted(placed) == sorted(poll)  # none lost, none twice
    for group in groups:
        for tp, records in group.items():
            assert records is poll[tp]  # the records as fetched, in order


def test_groups_carry_about_as_many_records() -> None:
    for sizes in [(900, 500, 300, 300, 20, 7), (1000, 1000, 1000, 1000, 1000, 1000), (1, 1, 50)]:
        for count in (2, 3):
            loads = [sum(map(len, g.values())) for g in partition_groups(_poll(*sizes), count)]
            assert sum(loads) == sum(sizes)
            # No group is heavier than another by more than one partition's records.
            assert max(loads) - min(loads) <= max(sizes)
    even = [sum(map(len, g.values())) for g in partition_groups(_poll(*[1000] * 6), 3)]
    assert even == [2000, 2000, 2000]


def test_never_more_groups_than_partitions_nor_an_empty_one() -> None:
    assert [len(g) for g in partition_groups(_poll(5, 6), 4)] == [1, 1]
    assert partition_groups(_poll(5, 6, 7), 1) == [_poll(5, 6, 7)]
    assert partition_groups({}, 3) == []
