"""The publisher's partitioner puts every key where aiokafka's default one (and Kafka's Java
client) puts it: a campaign's events stay on the partition its consumer owns, whichever
producer wrote them."""

from __future__ import annotations

import uuid

from aiokafka.partitioner import DefaultPartitioner

from mobilise_runtime.kafka.publisher import partition_for

PARTITION_COUNTS = (1, 3, 12, 24)


def test_each_key_goes_where_the_default_partitioner_puts_it() -> None:
    default = DefaultPartitioner()
    keys = [b"", b"a", uuid.uuid4().hex[:24].encode(), "campagne-été".encode()]
    keys += [uuid.uuid4().hex.encode() for _ in range(200)]
    for count in PARTITION_COUNTS:
        partitions = list(range(count))
        for key in keys:
            # Twice: the second answer comes from the remembered hash.
            for _ in range(2):
                assert partition_for(key, partitions, partitions) == default(
                    key, partitions, partitions
                )


def test_a_message_without_a_key_goes_to_an_available_partition() -> None:
    assert partition_for(None, [0, 1, 2], [2]) == 2
    assert partition_for(None, [0, 1, 2], []) in {0, 1, 2}
