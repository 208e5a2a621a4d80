"""The ``ivr`` console command ends its process as a normal exit would (exit code,
``atexit`` handlers, flushed output) but without freeing every object first; a caller
of ``main`` in its own process is untouched."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

from ivr import process_end
from tests.test_import_crash import environment

IVR = Path(sys.executable).with_name("ivr")

ENDING = """
import atexit, sys, threading
from ivr import process_end
process_end.ending()
atexit.register(lambda: print("atexit ran", file=sys.stderr))
print("written", end="")
{before}
process_end.exit_now(3)
{after}
"""


def run(before: str = "", after: str = "") -> subprocess.CompletedProcess[str]:
    code = ENDING.format(before=before, after=after)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_the_process_ends_with_the_code_its_output_and_atexit_handlers() -> None:
    done = run(after="sys.exit(0)")
    assert (done.returncode, done.stdout, done.stderr) == (3, "written", "atexit ran\n")


def test_a_thread_still_running_is_waited_for_as_in_a_normal_exit() -> None:
    waits = "go = threading.Event(); t = threading.Thread(target=go.wait); t.start()"
    done = run(before=waits, after="print(' returned', end=''); go.set(); sys.exit(0)")
    assert (done.returncode, done.stdout, done.stderr) == (0, "written returned", "atexit ran\n")


def test_an_unflushable_stdout_is_left_to_the_normal_exit() -> None:
    done = run(before="sys.stdout.close()", after="sys.exit(5)")
    assert (done.returncode, done.stderr) == (5, "atexit ran\n")


def test_without_the_console_entry_point_nothing_changes() -> None:
    assert not process_end._ending
    process_end.exit_now(0)  # returns: this test process goes on

    class Big:
        pass

    held = Big()
    gone = weakref.ref(held)
    process_end.keep(held)
    del held
    gc.collect()
    assert gone() is None


TORN_DOWN = """
import os


class _TornDown:
    def __del__(self, open=os.open, close=os.close, flags=os.O_WRONLY | os.O_CREAT):
        close(open({path!r}, flags))


marker = _TornDown()
"""
"""A ``sitecustomize`` whose object leaves a file behind when the interpreter's teardown
frees it: the file is there after a normal exit, not after :func:`process_end.exit_now`."""


def test_the_ivr_command_ends_through_it_with_its_answer_whole(tmp_path: Path) -> None:
    env = environment(tmp_path)
    torn = tmp_path / "torn-down"
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(TORN_DOWN.format(path=str(torn)))
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), env.get("PYTHONPATH", "")])
    ivr = [str(IVR)] if IVR.exists() else [sys.executable, "-m", "ivr.cli"]
    add = [
        *ivr,
        "optout",
        "add",
        "0612345678",
        "--advertiser",
        "acme",
        "--kind",
        "recht_van_verzet",
    ]
    subprocess.run(add, env=env, capture_output=True, check=True, timeout=120)
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True, timeout=60)
    assert torn.exists()  # the marker works: a normal exit tears it down
    torn.unlink()
    calls = tmp_path / "calls.csv"
    calls.write_text("naam,telefoon\n" + "".join(f"n{i},06123456{i:02}\n" for i in range(100)))
    scrub = [*ivr, "scrub", str(calls), "-o", "-", "--advertiser", "acme"]
    done = subprocess.run(scrub, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    kept = done.stdout.splitlines()
    assert kept[0] == "naam,telefoon"
    assert len(kept) == 100 and "n78,0612345678" not in kept
    assert "scrubbed 100 rows: 1 suppressed" in done.stderr
    assert not torn.exists()  # ended without the interpreter's teardown
    unknown = subprocess.run(
        [*ivr, "scrub", str(calls), "-o", "-", "--advertiser", "nobody"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (unknown.returncode, unknown.stdout) == (2, "")
