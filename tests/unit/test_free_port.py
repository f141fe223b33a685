from __future__ import annotations

from devstack.harness.processes import free_port


def test_free_port_never_hands_out_the_same_port_twice() -> None:
    # The kernel reuses a closed ephemeral port often enough that two ports asked for one after
    # the other came back equal in CI (Kafka refused a controller on its listener's port).
    ports = [free_port() for _ in range(3000)]
    assert len(set(ports)) == len(ports)
