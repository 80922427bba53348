"""The simulators' shared test API (bookkeeping.simulators.base): `reset()` brings every tool's
simulator back to a fresh state, injected faults included. Run on all tools."""

from __future__ import annotations

import pytest

from bookkeeping.simulators.base import FAULT_KINDS, Simulator
from bookkeeping.tools import TOOLS


@pytest.fixture(params=list(TOOLS))
def sim(request) -> Simulator:
    return request.getfixturevalue(request.param)


def test_reset_clears_an_injected_fault(sim):
    sim.fail_next("POST", status=503, times=3)
    sim.faults_injected["503"] += 1

    sim.reset()

    assert sim.faults == []
    assert not sim.faults_injected


def test_reset_clears_the_fault_rate_and_its_kinds(sim):
    sim.set_fault_rate(0.5, ("timeout",), spare=("/auth",))

    sim.reset()

    assert sim.fault_rate == 0.0
    assert sim.fault_kinds == FAULT_KINDS
    assert sim.fault_spared == ()


def test_reset_opens_every_gate_and_forgets_the_calls(sim):
    gate = sim.hold("POST", "anything")
    sim.calls.append(object())

    sim.reset()

    assert gate.state == "dropped"
    assert sim.gates == []
    assert sim.calls == []


def test_every_simulator_implements_the_test_api(sim):
    assert sim.booking_count() == 0
    assert sim.customer_count() == 0
    assert sim.bookings("2026-0001") == []
    sim.expire_tokens()
    sim.revoke()
