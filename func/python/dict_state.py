"""A pickled dict kept in state, updated by a chained call."""
import pickle

from pyfaasm.core import await_call, chain, read_state, read_state_size, write_output, write_state

KEY_A = "dict_state_a"
KEY_B = "dict_state_b"


def load(key):
    return pickle.loads(read_state(key, read_state_size(key)))


def store(key, value):
    write_state(key, pickle.dumps(value))


def extend(input_bytes):
    d = load(KEY_A)
    d[input_bytes.decode()] = "zeta"
    store(KEY_B, d)
    return 0


def faasm_main():
    store(KEY_A, {"alpha": "beta", "gamma": "delta", "nums": [1, 2, 3]})
    assert await_call(chain(extend, b"epsilon")) == 0
    got = load(KEY_B)
    assert got == {"alpha": "beta", "gamma": "delta", "nums": [1, 2, 3], "epsilon": "zeta"}, got
    write_output(repr(sorted(got)).encode())
    return 0
