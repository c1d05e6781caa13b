"""
The Faasm host interface for Python functions.

Inside Faasm the calls go to ``_faasm``, a built-in C module of the py_func entrypoint whose
functions are the host interface's ``env`` imports. On a native CPython without ``_faasm`` the
local chaining and local input/output modes work, and every other call raises
``FaasmHostUnavailable``.
"""

import os

try:
    import _faasm

    if not hasattr(_faasm, "read_input"):  # e.g. a stray directory named _faasm on sys.path
        _faasm = None
except ImportError:  # a native CPython: only the local modes work
    _faasm = None

__all__ = [
    "FaasmHostUnavailable",
    "in_faasm",
    "set_local_chaining",
    "set_local_input_output",
    "set_local_input",
    "get_input_len",
    "read_input",
    "get_input",
    "write_output",
    "set_output",
    "get_output",
    "get_py_user",
    "get_py_func",
    "get_py_entry",
    "conf_flag",
    "chain",
    "chain_this_with_input",
    "chain_function",
    "await_call",
    "await_call_output",
    "read_state",
    "read_state_size",
    "read_state_offset",
    "write_state",
    "write_state_offset",
    "append_state",
    "read_appended_state",
    "clear_appended_state",
    "push_state",
    "push_state_partial",
    "pull_state",
    "lock_state_read",
    "unlock_state_read",
    "lock_state_write",
    "unlock_state_write",
]


class FaasmHostUnavailable(RuntimeError):
    """A host call was made outside Faasm, with no local mode covering it."""


def _env_flag(name):
    return os.environ.get(name, "") not in ("", "0", "false", "False", "no")


PYTHON_LOCAL_CHAINING = _env_flag("PYTHON_LOCAL_CHAINING")
PYTHON_LOCAL_OUTPUT = _env_flag("PYTHON_LOCAL_OUTPUT")

_local_input = b""
_local_output = None
_local_calls = {}
_next_local_call = 1


def in_faasm():
    """True when running inside Faasm (the built-in _faasm module is present)."""
    return _faasm is not None


def _host(what):
    if _faasm is None:
        raise FaasmHostUnavailable(
            "pyfaasm: {} needs the Faasm host, and this Python has no built-in _faasm module; "
            "run the function in Faasm (faasm-python run), or use the local modes "
            "(set_local_chaining / set_local_input_output) for chaining and input/output".format(what)
        )
    return _faasm


def _key(key):
    if not isinstance(key, str):
        raise TypeError("state keys are str, not {}".format(type(key).__name__))
    return key


def _bytes(data, what):
    if isinstance(data, str):
        raise TypeError("{} takes bytes, not str (encode it first)".format(what))
    return bytes(data)


# ---- local modes -------------------------------------------------------------------------


def set_local_chaining(value):
    """Run chained calls in this process: chain() calls the entry at once."""
    global PYTHON_LOCAL_CHAINING
    PYTHON_LOCAL_CHAINING = bool(value)


def set_local_input_output(value):
    """Keep input and output in this process (set_local_input / get_output)."""
    global PYTHON_LOCAL_OUTPUT
    PYTHON_LOCAL_OUTPUT = bool(value)


def set_local_input(data):
    """The input read_input() returns in local input/output mode."""
    global _local_input
    _local_input = _bytes(data, "set_local_input")


# ---- input and output --------------------------------------------------------------------


def get_input_len():
    if PYTHON_LOCAL_OUTPUT:
        return len(_local_input)
    return _host("get_input_len").input_len()


def read_input(input_len=None):
    """This call's input as bytes (the first input_len bytes when given)."""
    if PYTHON_LOCAL_OUTPUT:
        data = _local_input
    else:
        data = _host("read_input").read_input()
    return data if input_len is None else data[: int(input_len)]


def get_input():
    return read_input()


def write_output(output):
    """Sets this call's output (bytes; replaces any earlier output)."""
    global _local_output
    data = _bytes(output, "write_output")
    if PYTHON_LOCAL_OUTPUT:
        _local_output = data
    else:
        _host("write_output").write_output(data)


def set_output(output):
    write_output(output)


def get_output():
    """The output written in local input/output mode."""
    if not PYTHON_LOCAL_OUTPUT:
        raise FaasmHostUnavailable(
            "pyfaasm: get_output only works in local input/output mode; in Faasm the host keeps "
            "the output"
        )
    return _local_output


def get_py_user():
    return _host("get_py_user").get_py_user()


def get_py_func():
    return _host("get_py_func").get_py_func()


def get_py_entry():
    return _host("get_py_entry").get_py_entry()


def conf_flag(key):
    """A host configuration flag such as PYTHON_PRELOAD (1 when on, 0 when off or unknown)."""
    return _host("conf_flag").conf_flag(key)


# ---- chaining ----------------------------------------------------------------------------


def _entry_name(func):
    name = func if isinstance(func, str) else getattr(func, "__name__", None)
    if not name:
        raise TypeError("chain takes a function (or the name of one), not {!r}".format(func))
    return name


def _run_local(func, input_data):
    """Runs an entry in-process with py_func's rules: an int is the return code, anything
    else (None too) or an exception is a failure."""
    try:
        rc = func(input_data)
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except Exception:
        import traceback

        traceback.print_exc()
        return 1
    return rc if isinstance(rc, int) else 1


def chain(func, input_data=b""):
    """Calls another entry of this function with input_data; returns a call id to await."""
    global _next_local_call
    data = _bytes(input_data, "chain")
    if PYTHON_LOCAL_CHAINING:
        if isinstance(func, str):
            raise FaasmHostUnavailable(
                "pyfaasm: local chaining needs the function object, not its name {!r}".format(func)
            )
        call_id = _next_local_call
        _next_local_call += 1
        _local_calls[call_id] = _run_local(func, data)
        return call_id
    return _host("chain").chain_py(_entry_name(func), data)


def chain_this_with_input(func, input_data):
    return chain(func, input_data)


def chain_function(name, input_data=b""):
    """Calls another Python function of the same user (faasm_main of <user>/<name>)."""
    return _host("chain_function").chain_name(name, _bytes(input_data, "chain_function"))


def await_call(call_id):
    """Waits for a chained call; returns its return code (0 is success)."""
    if PYTHON_LOCAL_CHAINING:
        if call_id not in _local_calls:
            raise ValueError("no local chained call with id {}".format(call_id))
        return _local_calls[call_id]
    return _host("await_call").await_call(call_id)


def await_call_output(call_id, max_len=1 << 20):
    """Waits for a chained call; returns (return code, output bytes). Faasm copies at most
    max_len bytes and cannot say how long the output was, so trailing NUL bytes are dropped."""
    return _host("await_call_output").await_call_output(call_id, int(max_len))


# ---- state -------------------------------------------------------------------------------


def read_state_size(key):
    return _host("read_state_size").read_state_size(_key(key))


def read_state(key, state_len=None):
    """The value of a state key (its first state_len bytes, zero-padded, when given)."""
    if state_len is None:
        return _host("read_state").read_state(_key(key))
    return _host("read_state").read_state(_key(key), int(state_len))


def read_state_offset(key, total_len, offset, offset_len):
    return _host("read_state_offset").read_state_offset(
        _key(key), int(total_len), int(offset), int(offset_len)
    )


def write_state(key, value):
    _host("write_state").write_state(_key(key), _bytes(value, "write_state"))


def write_state_offset(key, total_len, offset, value):
    _host("write_state_offset").write_state_offset(
        _key(key), int(total_len), int(offset), _bytes(value, "write_state_offset")
    )


def append_state(key, value):
    _host("append_state").append_state(_key(key), _bytes(value, "append_state"))


def read_appended_state(key, total_len, n_elems):
    return _host("read_appended_state").read_appended_state(_key(key), int(total_len), int(n_elems))


def clear_appended_state(key):
    _host("clear_appended_state").clear_appended_state(_key(key))


def push_state(key):
    _host("push_state").push_state(_key(key))


def push_state_partial(key):
    _host("push_state_partial").push_state_partial(_key(key))


def pull_state(key, state_len):
    _host("pull_state").pull_state(_key(key), int(state_len))


def lock_state_read(key):
    _host("lock_state_read").lock_state_read(_key(key))


def unlock_state_read(key):
    _host("unlock_state_read").unlock_state_read(_key(key))


def lock_state_write(key):
    _host("lock_state_write").lock_state_write(_key(key))


def unlock_state_write(key):
    _host("unlock_state_write").unlock_state_write(_key(key))
