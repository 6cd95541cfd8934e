"""The progress line and the shared deadline, alone."""

from __future__ import annotations

from eprom_verify.contract import CallbackKind
from eprom_verify.waiting import WaitProgress, wait_for_all

from ._fakes import Callbacks, Terminal, status_callback

ONE, TWO = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def test_a_short_wait_shows_nothing_a_long_one_a_line():
    terminal = Terminal()
    progress = WaitProgress(terminal)
    progress("the status callback of x", 1.0, 10.0)
    assert terminal.text == "", "under 2 s nothing is shown"

    progress("the status callback of x", 3.0, 10.0)
    progress("the status callback of x", 4.0, 10.0)  # within 15 s of the last: not again

    assert terminal.shown == ["waiting for the status callback of x: 3 s of 10 s\n"]
    progress.end()
    assert terminal.shown[-1].endswith("\n"), "a log line needs no closing newline"
    assert len(terminal.shown) == 1


def test_on_a_terminal_the_line_is_rewritten_and_closed():
    terminal = Terminal(tty=True)
    progress = WaitProgress(terminal)
    progress("x", 3.0, 10.0)
    progress("x", 4.0, 10.0)
    progress.end()

    assert [s[:1] for s in terminal.shown] == ["\r", "\r", "\n"]
    assert "4 s of 10 s" in terminal.shown[1]
    WaitProgress(None)("x", 5.0, 10.0)  # no stream: silent, no error


def test_the_waits_share_one_deadline():
    callbacks = Callbacks(status_callback(ONE, seq=1))

    found = wait_for_all(
        callbacks, CallbackKind.STATUS, [ONE, TWO], timeout_s=7.0, progress=WaitProgress(None)
    )

    assert [len(found[ONE][0]), len(found[TWO][0])] == [1, 0]
    assert found[TWO][1] == 7.0, "nothing came: the whole time limit is reported"
    assert all(limit <= 7.0 for _, _, limit in callbacks.waits)
