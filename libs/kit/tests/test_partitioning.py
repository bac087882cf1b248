"""Keyed messages go to the partition every Kafka client picks (the Java client's murmur2)."""

from __future__ import annotations

import random

from aiokafka.partitioner import murmur2
from murmurhash2 import murmurhash2
from shouwang_kit.messaging import KAFKA_SEED


def test_the_compiled_hash_is_the_kafka_clients_murmur2_for_keys_of_every_length() -> None:
    rng = random.Random(7)
    keys = [rng.randbytes(rng.randrange(0, 70)) for _ in range(20_000)]
    keys += [b"", b"a", "户主".encode(), b"5f0c8f0e-3c1d-4c57-9a53-1b2b2f7a9c11"]
    for key in keys:
        assert murmurhash2(key, KAFKA_SEED) & 0x7FFFFFFF == murmur2(key) & 0x7FFFFFFF, key
