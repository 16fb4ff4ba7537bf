"""A signal during a store write is held until the write is done, never lost."""

from __future__ import annotations

import os
import signal

import pytest

from tracker.worker.interrupts import Interrupts


def test_a_signal_outside_a_write_interrupts_at_once():
    reached = []
    with Interrupts().installed(), pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)  # handled before the next line runs
        reached.append("after the signal")
    assert reached == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_write_is_raised_after_it(signum):
    written = []
    interrupts = Interrupts()
    with interrupts.installed(), pytest.raises(KeyboardInterrupt):
        with interrupts.held():
            os.kill(os.getpid(), signum)
            written.append("the whole record")  # the write goes on to its end
        written.append("never reached")
    assert written == ["the whole record"]


def test_handlers_are_restored_afterwards():
    before = signal.getsignal(signal.SIGINT)
    with Interrupts().installed():
        pass
    assert signal.getsignal(signal.SIGINT) is before
