# SPDX-License-Identifier: Apache-2.0
"""
The host pyfaasm talks to, as a typing Protocol, and an in-process stand-in for it.

Inside Faasm the host is ``_faasm``, the C module built into py_func.wasm. On a native CPython
Faasm's pyfaasm answered through the native emulator of faasm/cpp once
``set_emulator_message`` had set a call; ``Emulator`` plays that part here, in pure Python, with
the host's rules for input, output and state (a key keeps the size it was created with, as in
faabric).
"""

import json
from typing import Dict, List, Optional, Protocol, Tuple


class Host(Protocol):
    """The functions of the built-in ``_faasm`` module (pyfaasm/cmodule/_faasmmodule.c)."""

    def input_len(self) -> int: ...
    def read_input(self) -> bytes: ...
    def write_output(self, data: bytes) -> None: ...
    def get_py_user(self) -> str: ...
    def get_py_func(self) -> str: ...
    def get_py_entry(self) -> str: ...
    def conf_flag(self, key: str) -> int: ...
    def chain_py(self, entry: str, data: bytes) -> int: ...
    def chain_name(self, name: str, data: bytes) -> int: ...
    def await_call(self, call_id: int) -> int: ...
    def await_call_output(self, call_id: int, max_len: int) -> Tuple[int, bytes]: ...
    def read_state_size(self, key: str) -> int: ...
    def read_state(self, key: str, length: int = ...) -> bytes: ...
    def read_state_offset(self, key: str, total_len: int, offset: int, length: int) -> bytes: ...
    def write_state(self, key: str, data: bytes) -> None: ...
    def write_state_offset(self, key: str, total_len: int, offset: int, data: bytes) -> None: ...
    def append_state(self, key: str, data: bytes) -> None: ...
    def read_appended_state(self, key: str, length: int, n_elems: int) -> bytes: ...
    def clear_appended_state(self, key: str) -> None: ...
    def push_state(self, key: str) -> None: ...
    def push_state_partial(self, key: str) -> None: ...
    def pull_state(self, key: str, length: int) -> None: ...
    def lock_state_read(self, key: str) -> None: ...
    def unlock_state_read(self, key: str) -> None: ...
    def lock_state_write(self, key: str) -> None: ...
    def unlock_state_write(self, key: str) -> None: ...


class EmulatorError(RuntimeError):
    """A call the emulator cannot answer as Faasm would (Faasm would fail it too)."""


class Emulator:
    """One emulated call (from set_emulator_message) over state kept for the process."""

    def __init__(self, message: Dict[str, object], state: Dict[str, bytearray]) -> None:
        self.message = message
        self._state = state
        self.output: Optional[bytes] = None
        self.status: Optional[bool] = None
        self._appended: Dict[str, List[bytes]] = {}

    @classmethod
    def from_json(cls, message_json: str, state: Dict[str, bytearray]) -> "Emulator":
        try:
            message = json.loads(message_json)
        except ValueError as e:
            raise ValueError("set_emulator_message takes a JSON object: {}".format(e)) from None
        if not isinstance(message, dict):
            raise ValueError("set_emulator_message takes a JSON object, not {}".format(message_json))
        return cls(message, state)

    def _str(self, field: str) -> str:
        value = self.message.get(field, "")
        return value if isinstance(value, str) else str(value)

    # ---- input and output

    def _input(self) -> bytes:
        return self._str("input_data").encode("utf-8")

    def input_len(self) -> int:
        return len(self._input())

    def read_input(self) -> bytes:
        return self._input()

    def write_output(self, data: bytes) -> None:
        self.output = bytes(data)

    def get_py_user(self) -> str:
        return self._str("py_user")

    def get_py_func(self) -> str:
        return self._str("py_func")

    def get_py_entry(self) -> str:
        return self._str("py_entry")

    def conf_flag(self, key: str) -> int:
        return 1 if key == "ALWAYS_ON" else 0

    # ---- chaining: the emulator has no functions to run

    def _no_chaining(self, what: str) -> EmulatorError:
        return EmulatorError(
            "pyfaasm: the emulator cannot run {}; use local chaining (set_local_chaining(True))".format(
                what
            )
        )

    def chain_py(self, entry: str, data: bytes) -> int:
        raise self._no_chaining("chained calls")

    def chain_name(self, name: str, data: bytes) -> int:
        raise self._no_chaining("chained calls")

    def await_call(self, call_id: int) -> int:
        raise self._no_chaining("await_call")

    def await_call_output(self, call_id: int, max_len: int) -> Tuple[int, bytes]:
        raise self._no_chaining("await_call_output")

    # ---- state, with faabric's sizes

    def _kv(self, key: str, size: int) -> bytearray:
        if not key:
            raise EmulatorError("a state key must not be empty")
        value = self._state.get(key)
        if value is None:
            if size <= 0:
                raise EmulatorError(
                    "state '{}' does not exist, and a key needs a size to be created".format(key)
                )
            value = self._state[key] = bytearray(size)
        return value

    def _range(self, key: str, value: bytearray, offset: int, length: int) -> None:
        if offset < 0 or length < 0 or offset + length > len(value):
            raise EmulatorError(
                "state '{}': offset {} + length {} is outside the key's {} bytes".format(
                    key, offset, length, len(value)
                )
            )

    def read_state_size(self, key: str) -> int:
        return len(self._state.get(key, b""))

    def read_state(self, key: str, length: int = -1) -> bytes:
        if length < 0:
            length = self.read_state_size(key)
            if length == 0:
                return b""
        value = self._kv(key, length)
        return bytes(value[:length]).ljust(length, b"\0")

    def read_state_offset(self, key: str, total_len: int, offset: int, length: int) -> bytes:
        value = self._kv(key, total_len)
        self._range(key, value, offset, length)
        return bytes(value[offset : offset + length])

    def write_state(self, key: str, data: bytes) -> None:
        value = self._kv(key, len(data))
        n = min(len(value), len(data))
        value[:n] = data[:n]
        value[n:] = bytes(len(value) - n)

    def write_state_offset(self, key: str, total_len: int, offset: int, data: bytes) -> None:
        value = self._kv(key, total_len)
        self._range(key, value, offset, len(data))
        value[offset : offset + len(data)] = data

    def append_state(self, key: str, data: bytes) -> None:
        self._appended.setdefault(key, []).append(bytes(data))

    def read_appended_state(self, key: str, length: int, n_elems: int) -> bytes:
        elems = self._appended.get(key, [])
        if n_elems > len(elems):
            raise EmulatorError(
                "state '{}': asked for {} appended elements, there are {}".format(
                    key, n_elems, len(elems)
                )
            )
        return b"".join(elems[:n_elems])[:length].ljust(length, b"\0")

    def clear_appended_state(self, key: str) -> None:
        self._appended.pop(key, None)

    # One process is the master of every key: push and pull only check or size the key.
    def push_state(self, key: str) -> None:
        self._kv(key, 0)

    def push_state_partial(self, key: str) -> None:
        self._kv(key, 0)

    def pull_state(self, key: str, length: int) -> None:
        self._kv(key, length)

    # One call at a time: the locks have nothing to exclude, but need the key, as in Faasm.
    def lock_state_read(self, key: str) -> None:
        self._kv(key, 0)

    def unlock_state_read(self, key: str) -> None:
        self._kv(key, 0)

    def lock_state_write(self, key: str) -> None:
        self._kv(key, 0)

    def unlock_state_write(self, key: str) -> None:
        self._kv(key, 0)
