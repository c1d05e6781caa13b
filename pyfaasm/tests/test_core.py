# SPDX-License-Identifier: Apache-2.0
"""pyfaasm.core on a native CPython: Faasm's API, its local modes and the emulator."""

import json
from types import ModuleType
from typing import Callable, List

import pytest

import pyfaasm
from pyfaasm import config, objects

# Faasm's pyfaasm (faasm/python pyfaasm/pyfaasm/core.py @ 0a0e9a73): every public function.
FAASM_API = [
    "get_env_bool", "set_env_bool", "is_local_chaining", "is_local_output",
    "set_local_chaining", "set_local_input_output", "get_input_len", "read_input",
    "write_output", "get_output", "read_state_size", "read_state", "read_state_offset",
    "write_state", "write_state_offset", "push_state", "push_state_partial", "pull_state",
    "chain", "await_call", "set_emulator_message", "set_emulator_status",
    "get_emulator_async_response",
]  # fmt: skip


def test_has_faasms_whole_api(core: ModuleType) -> None:
    assert len(FAASM_API) == 23
    for name in FAASM_API:
        assert callable(getattr(core, name)), name
        assert name in core.__all__
    assert pyfaasm.core is not None and pyfaasm.config is config
    assert isinstance(objects.Dictionary(), objects.Dictionary)


def test_env_bools_are_faasms(core: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_FLAG", "0")  # any non-empty value is on, as in Faasm
    assert core.get_env_bool("SOME_FLAG") is True
    monkeypatch.delenv("SOME_FLAG")
    assert core.get_env_bool("SOME_FLAG") is True  # cached
    core.set_env_bool("SOME_FLAG", False)
    assert core.get_env_bool("SOME_FLAG") is False
    assert not core.is_local_chaining() and not core.is_local_output()
    core.set_local_chaining(True)
    core.set_local_input_output(True)
    assert core.is_local_chaining() and core.is_local_output()


def test_local_chaining_runs_at_once_and_awaits_zero(core: ModuleType) -> None:
    core.set_local_chaining(True)
    seen: List[bytes] = []

    def entry(data: bytes) -> int:
        seen.append(data)
        return 5

    assert core.chain(entry, b"x") == 0
    assert core.await_call(123) == 0
    assert seen == [b"x"]

    def broken(data: bytes) -> int:
        raise ValueError("no")

    with pytest.raises(ValueError):  # Faasm's pyfaasm lets it through
        core.chain(broken, b"")


def test_local_output(core: ModuleType) -> None:
    with pytest.raises(core.FaasmHostUnavailable, match="only works in local output mode"):
        core.get_output()
    core.set_local_input_output(True)
    assert core.get_output() is None
    core.set_local_input(b"in\x00put")
    assert core.get_input_len() == 6 and core.read_input() == b"in\x00put"
    assert core.read_input(2) == b"in"
    core.write_output(b"\xffout")
    assert core.get_output() == b"\xffout"
    with pytest.raises(TypeError, match="write_output takes bytes, not str"):
        core.write_output("text")


def test_outside_faasm_each_call_says_what_it_needs(core: ModuleType) -> None:
    assert not core.in_faasm()
    calls: List[Callable[[], object]] = [
        lambda: core.read_state("k"),
        lambda: core.write_output(b"x"),
    ]
    for call in calls:
        with pytest.raises(core.FaasmHostUnavailable, match="needs the Faasm host"):
            call()
    with pytest.raises(core.FaasmHostUnavailable, match="needs set_emulator_message first"):
        core.get_emulator_async_response()


def test_emulator_runs_faasms_state_test(core: ModuleType) -> None:
    # The sequence of faasm/python's pyfaasm/tester.py and func/python/state_test_*.py.
    msg = {"user": "demo", "function": "echo", "py_user": "u", "py_func": "f", "input_data": "hi"}
    assert core.set_emulator_message(json.dumps(msg)) == 0
    assert core.read_input() == b"hi" and core.get_py_user() == "u" and core.get_py_func() == "f"
    assert core.conf_flag("ALWAYS_ON") == 1
    key = "pyStateTest"
    core.write_state(key, b"0123456789")
    core.push_state(key)
    core.pull_state(key, 10)
    assert core.read_state(key, 10) == b"0123456789"
    core.write_state_offset(key, 10, 2, b"999")
    core.push_state_partial(key)
    assert core.read_state(key, 10) == b"0199956789"
    assert core.read_state_offset(key, 10, 2, 3) == b"999"
    # A key keeps its first size: a shorter total length still reads inside it.
    assert core.read_state_offset(key, 4, 4, 4) == b"9567"
    core.write_state(key, b"abcdefghijklmnop")
    assert core.read_state(key) == b"abcdefghij" and core.read_state_size(key) == 10
    with pytest.raises(RuntimeError, match="needs a size"):
        core.push_state("missing")
    core.append_state("log", b"ab")
    core.append_state("log", b"cd")
    assert core.read_appended_state("log", 4, 2) == b"abcd"
    # State outlives the message, as it outlives a call in Faasm.
    core.set_emulator_message(json.dumps({"user": "demo", "function": "f", "id": 7, "async": True}))
    assert core.read_state(key) == b"abcdefghij"
    assert core.get_emulator_async_response() == 1
    core.set_emulator_status(True)
    with pytest.raises(RuntimeError, match="cannot run chained calls"):
        core.chain(len, b"")


def test_config_matches_faasms(core: ModuleType) -> None:
    conf = config.MatrixConf(8, 2)
    assert conf.bytes_per_matrix == 8 * 8 * 4
    assert conf.get_submatrices_per_row(2) == 4 and conf.get_submatrix_size(1) == 4
    assert conf.get_bytes_per_submatrix(1) == 64
    assert conf.get_intermediate_result_key(1, 0, 1, 1, 0) == "intermediate_1_0_1_1_0"
    assert conf.get_submatrix_key(config.SUBMATRICES_KEY_A, 1, 0, 1) == "mat_a_1_0_1"


def test_import_loads_only_what_a_call_needs() -> None:
    # A Faasm call imports pyfaasm afresh from the zygote's snapshot, so what it imports is
    # paid on every call: typing alone costs more than a small function's own code.
    import subprocess
    import sys

    code = (
        "import sys; before = set(sys.modules); import pyfaasm.core; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run(
        [sys.executable, "-B", "-S", "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": ":".join(p for p in sys.path if p)},
    ).stdout.split()
    assert not {"typing", "json", "re", "collections", "enum"} & set(out), out
    assert "pyfaasm.core" in out
