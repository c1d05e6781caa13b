"""Writes a state value, changes a segment at an offset, and checks both after pulling."""
from pyfaasm.core import (
    pull_state,
    push_state,
    push_state_partial,
    read_state,
    read_state_offset,
    write_state,
    write_state_offset,
)

KEY = "pyStateTest"


def faasm_main():
    write_state(KEY, b"0123456789")
    push_state(KEY)
    pull_state(KEY, 10)
    if read_state(KEY, 10) != b"0123456789":
        return 1
    write_state_offset(KEY, 10, 2, b"999")
    push_state_partial(KEY)
    pull_state(KEY, 10)
    if read_state(KEY, 10) != b"0199956789":
        return 1
    return 0 if read_state_offset(KEY, 10, 2, 3) == b"999" else 1
