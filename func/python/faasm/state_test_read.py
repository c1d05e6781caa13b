"""Reads what state_test_write left: the whole value and segments, giving each segment's length
as the total length, which Faasm allows because a key keeps the size it was created with."""
from pyfaasm.core import read_state, read_state_offset

KEY = "pyStateTest"


def faasm_main():
    if read_state(KEY, 10) != b"0199956789":
        return 1
    for offset, expected in ((0, b"019"), (4, b"9567")):
        if read_state_offset(KEY, len(expected), offset, len(expected)) != expected:
            print("segment at", offset, "is not", expected)
            return 1
    return 0
