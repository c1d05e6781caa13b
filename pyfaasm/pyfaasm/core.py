# SPDX-License-Identifier: Apache-2.0
"""
The Faasm host interface for Python functions.

Every public function of Faasm's own pyfaasm (faasm/python pyfaasm/pyfaasm/core.py) is here
with the same name, arguments and local-mode behaviour, plus the host calls Faasm's pyfaasm did
not wrap (py getters, conf flags, appended state, locks, await_call_output).

Inside Faasm the calls go to ``_faasm``, a built-in C module of the py_func entrypoint whose
functions are the host interface's ``env`` imports. On a native CPython without ``_faasm``:

- local chaining (``PYTHON_LOCAL_CHAINING`` set, or ``set_local_chaining(True)``): ``chain``
  runs the function at once and returns 0, ``await_call`` returns 0 (as in Faasm's pyfaasm);
- local output (``PYTHON_LOCAL_OUTPUT`` set, or ``set_local_input_output(True)``):
  ``write_output`` keeps the output for ``get_output``; ``set_local_input`` gives the input;
- ``set_emulator_message(json)`` emulates one call in-process (input, py getters, state with
  Faasm's rules), as Faasm's native emulator did;
- anything else raises ``FaasmHostUnavailable``, naming the call.
"""

from __future__ import annotations

import os

# Every call imports pyfaasm afresh from the zygote's snapshot, so importing it stays cheap:
# typing, and json through the emulator, would cost a warm call more than its Python code
# (see docs/performance.md). Annotations are strings; the emulator loads when first used.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, Optional, Tuple, Union

    from ._emulator import Emulator, Host

    BytesLike = Union[bytes, bytearray, memoryview]
    EntryFunction = Callable[[bytes], object]

try:
    import _faasm  # type: ignore[import-not-found]

    _builtin: Optional[Host] = _faasm if hasattr(_faasm, "read_input") else None
except ImportError:  # a native CPython
    _builtin = None

__all__ = [
    # Faasm's pyfaasm
    "get_env_bool",
    "set_env_bool",
    "is_local_chaining",
    "is_local_output",
    "set_local_chaining",
    "set_local_input_output",
    "get_input_len",
    "read_input",
    "write_output",
    "get_output",
    "read_state_size",
    "read_state",
    "read_state_offset",
    "write_state",
    "write_state_offset",
    "push_state",
    "push_state_partial",
    "pull_state",
    "chain",
    "await_call",
    "set_emulator_message",
    "set_emulator_status",
    "get_emulator_async_response",
    # this runtime's additions
    "FaasmHostUnavailable",
    "in_faasm",
    "set_local_input",
    "get_input",
    "set_output",
    "get_py_user",
    "get_py_func",
    "get_py_entry",
    "conf_flag",
    "chain_this_with_input",
    "chain_name",
    "await_call_output",
    "append_state",
    "read_appended_state",
    "clear_appended_state",
    "lock_state_read",
    "unlock_state_read",
    "lock_state_write",
    "unlock_state_write",
]


class FaasmHostUnavailable(RuntimeError):
    """A host call was made outside Faasm, with no local mode or emulator covering it."""


env_cache: Dict[str, bool] = {}
input_data: Optional[bytes] = None
output_data: Optional[bytes] = None

_emulator: Optional[Emulator] = None
_emulator_state: Dict[str, bytearray] = {}


# ---- local modes (Faasm's names and meaning: a variable is on when set and non-empty) -------


def get_env_bool(var_name: str) -> bool:
    """Whether the environment variable is set to anything non-empty (cached, as in Faasm)."""
    if var_name not in env_cache:
        env_cache[var_name] = bool(os.environ.get(var_name))
    return env_cache[var_name]


def set_env_bool(var_name: str, value: bool) -> None:
    env_cache[var_name] = bool(value)


def is_local_chaining() -> bool:
    return get_env_bool("PYTHON_LOCAL_CHAINING")


def is_local_output() -> bool:
    return get_env_bool("PYTHON_LOCAL_OUTPUT")


def set_local_chaining(value: bool) -> None:
    set_env_bool("PYTHON_LOCAL_CHAINING", value)


def set_local_input_output(value: bool) -> None:
    set_env_bool("PYTHON_LOCAL_OUTPUT", value)


def set_local_input(data: BytesLike) -> None:
    """The input read_input() returns in local output mode."""
    global input_data
    input_data = _bytes(data, "set_local_input")


def in_faasm() -> bool:
    """True when running inside Faasm (the built-in _faasm module is present)."""
    return _builtin is not None


def _host(what: str) -> Host:
    if _builtin is not None:
        return _builtin
    if _emulator is not None:
        return _emulator
    raise FaasmHostUnavailable(
        "pyfaasm: {} needs the Faasm host, and this Python has no built-in _faasm module; "
        "run the function in Faasm (faasm-python run), emulate a call with "
        "set_emulator_message, or use the local modes (set_local_chaining / "
        "set_local_input_output)".format(what)
    )


def _key(key: str) -> str:
    if not isinstance(key, str):
        raise TypeError("state keys are str, not {}".format(type(key).__name__))
    return key


def _bytes(data: BytesLike, what: str) -> bytes:
    if isinstance(data, str):
        raise TypeError("{} takes bytes, not str (encode it first)".format(what))
    return bytes(data)


# ---- input and output --------------------------------------------------------------------


def _local_input() -> Optional[bytes]:
    return input_data if is_local_output() and input_data is not None else None


def get_input_len() -> int:
    local = _local_input()
    return len(local) if local is not None else _host("get_input_len").input_len()


def read_input(input_len: Optional[int] = None) -> bytes:
    """This call's input (its first input_len bytes when given), every byte of it."""
    local = _local_input()
    data = local if local is not None else _host("read_input").read_input()
    return data if input_len is None else data[: int(input_len)]


def get_input() -> bytes:
    return read_input()


def write_output(output: BytesLike) -> None:
    """Sets this call's output (bytes; replaces any earlier output)."""
    global output_data
    data = _bytes(output, "write_output")
    if is_local_output():
        output_data = data
    else:
        _host("write_output").write_output(data)


def set_output(output: BytesLike) -> None:
    write_output(output)


def get_output() -> Optional[bytes]:
    """The output written in local output mode (None before any)."""
    if not is_local_output():
        raise FaasmHostUnavailable(
            "pyfaasm: get_output only works in local output mode (set_local_input_output); "
            "in Faasm the host keeps the output"
        )
    return output_data


def get_py_user() -> str:
    return _host("get_py_user").get_py_user()


def get_py_func() -> str:
    return _host("get_py_func").get_py_func()


def get_py_entry() -> str:
    return _host("get_py_entry").get_py_entry()


def conf_flag(key: str) -> int:
    """A Faasm conf flag: PYTHON_PRELOAD, ALWAYS_ON (1), ALWAYS_OFF (0); others are 0."""
    return _host("conf_flag").conf_flag(key)


# ---- chaining ----------------------------------------------------------------------------


def _entry_name(func: Union[EntryFunction, str]) -> str:
    name = func if isinstance(func, str) else getattr(func, "__name__", None)
    if not name:
        raise TypeError("chain takes a function (or the name of one), not {!r}".format(func))
    return name


def chain(func: Union[EntryFunction, str], input_data: BytesLike = b"") -> int:
    """Calls another entry of this function with input_data; returns a call id to await. In
    local chaining mode the function runs at once and 0 is returned (as in Faasm)."""
    data = _bytes(input_data, "chain")
    if is_local_chaining():
        if isinstance(func, str):
            raise FaasmHostUnavailable(
                "pyfaasm: local chaining needs the function object, not its name {!r}".format(func)
            )
        func(data)
        return 0
    return _host("chain").chain_py(_entry_name(func), data)


def chain_this_with_input(func: Union[EntryFunction, str], input_data: BytesLike) -> int:
    return chain(func, input_data)


def chain_name(name: str, input_data: BytesLike = b"") -> int:
    """Chains the Faasm function `name` of this user (Faasm's __faasm_chain_name). Every Python
    function runs as the Faasm function py_func, so "py_func" reruns this function."""
    return _host("chain_name").chain_name(name, _bytes(input_data, "chain_name"))


def await_call(call_id: int) -> int:
    """Waits for a chained call; returns its return code (0 is success; 0 in local mode)."""
    if is_local_chaining():
        return 0
    return _host("await_call").await_call(int(call_id))


def await_call_output(call_id: int, max_len: int = 1 << 20) -> Tuple[int, bytes]:
    """Waits for a chained call; returns (return code, output). Faasm copies at most max_len
    bytes and cannot say how long the output was, so trailing NUL bytes are dropped."""
    return _host("await_call_output").await_call_output(int(call_id), int(max_len))


# ---- emulator (outside Faasm) -------------------------------------------------------------


def set_emulator_message(message_json: str) -> int:
    """Emulates the Faasm call described by message_json (user, function, py_user, py_func,
    py_entry, input_data) in this process; returns its id. State persists across messages."""
    global _emulator, output_data
    if in_faasm():
        raise FaasmHostUnavailable("pyfaasm: set_emulator_message is for use outside Faasm")
    from ._emulator import Emulator

    _emulator = Emulator.from_json(message_json, _emulator_state)
    if is_local_output():
        output_data = None
    msg_id = _emulator.message.get("id", 0)
    return msg_id if isinstance(msg_id, int) else 0


def _emulated(what: str) -> Emulator:
    if _emulator is None:
        raise FaasmHostUnavailable("pyfaasm: {} needs set_emulator_message first".format(what))
    return _emulator


def set_emulator_status(success: bool) -> None:
    _emulated("set_emulator_status").status = bool(success)


def get_emulator_async_response() -> int:
    """1 when the emulated message asks for an asynchronous call ("async": true), else 0."""
    return 1 if _emulated("get_emulator_async_response").message.get("async") else 0


# ---- state -------------------------------------------------------------------------------


def read_state_size(key: str) -> int:
    return _host("read_state_size").read_state_size(_key(key))


def read_state(key: str, state_len: Optional[int] = None) -> bytes:
    """A state value (state_len bytes, zero-padded, when given; a missing key is created at
    that size, as in Faasm)."""
    if state_len is None:
        return _host("read_state").read_state(_key(key))
    return _host("read_state").read_state(_key(key), int(state_len))


def read_state_offset(key: str, total_len: int, offset: int, offset_len: int) -> bytes:
    return _host("read_state_offset").read_state_offset(
        _key(key), int(total_len), int(offset), int(offset_len)
    )


def write_state(key: str, value: BytesLike) -> None:
    """Writes a value; an existing key keeps its size (longer values are cut to it)."""
    _host("write_state").write_state(_key(key), _bytes(value, "write_state"))


def write_state_offset(key: str, total_len: int, offset: int, value: BytesLike) -> None:
    _host("write_state_offset").write_state_offset(
        _key(key), int(total_len), int(offset), _bytes(value, "write_state_offset")
    )


def append_state(key: str, value: BytesLike) -> None:
    _host("append_state").append_state(_key(key), _bytes(value, "append_state"))


def read_appended_state(key: str, total_len: int, n_elems: int) -> bytes:
    return _host("read_appended_state").read_appended_state(
        _key(key), int(total_len), int(n_elems)
    )


def clear_appended_state(key: str) -> None:
    _host("clear_appended_state").clear_appended_state(_key(key))


def push_state(key: str) -> None:
    _host("push_state").push_state(_key(key))


def push_state_partial(key: str) -> None:
    _host("push_state_partial").push_state_partial(_key(key))


def pull_state(key: str, state_len: int) -> None:
    _host("pull_state").pull_state(_key(key), int(state_len))


def lock_state_read(key: str) -> None:
    _host("lock_state_read").lock_state_read(_key(key))


def unlock_state_read(key: str) -> None:
    _host("unlock_state_read").unlock_state_read(_key(key))


def lock_state_write(key: str) -> None:
    _host("lock_state_write").lock_state_write(_key(key))


def unlock_state_write(key: str) -> None:
    _host("unlock_state_write").unlock_state_write(_key(key))
