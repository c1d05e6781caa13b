"""Two chained entries of this function, each checking the input it was given."""
from pyfaasm.core import await_call, chain


def first(data):
    return 0 if data == b"1234" else 1


def second(data):
    return 0 if data == b"5678" else 1


def faasm_main():
    calls = [chain(first, b"1234"), chain(second, b"5678")]
    codes = [await_call(c) for c in calls]
    print("chained calls", calls, "returned", codes)
    return 0 if codes == [0, 0] else 1
