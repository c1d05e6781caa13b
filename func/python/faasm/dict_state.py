"""A pickled dict in state, extended by a chained call and read back."""
import pickle

from pyfaasm.core import await_call, chain, read_state, read_state_size, write_state

FIRST, SECOND = "dict_state_first", "dict_state_second"


def load(key):
    return pickle.loads(read_state(key, read_state_size(key)))


def extend(_):
    d = load(FIRST)
    d["epsilon"] = "zeta"
    write_state(SECOND, pickle.dumps(d))
    return 0


def faasm_main():
    write_state(FIRST, pickle.dumps({"alpha": "beta", "gamma": "delta"}))
    if await_call(chain(extend, b"")) != 0:
        return 1
    got = load(SECOND)
    print("dict after the chained call:", got)
    return 0 if got == {"alpha": "beta", "gamma": "delta", "epsilon": "zeta"} else 1
