"""State: whole values, offsets, appends, push and pull, and locks."""
from pyfaasm.core import (
    append_state,
    clear_appended_state,
    lock_state_write,
    pull_state,
    push_state,
    push_state_partial,
    read_appended_state,
    read_state,
    read_state_offset,
    read_state_size,
    unlock_state_write,
    write_output,
    write_state,
    write_state_offset,
)

KEY = "state_example"
LOCKED = "state_example_locked"


def faasm_main():
    value = bytes(range(10))
    write_state(KEY, value)
    push_state(KEY)
    assert read_state_size(KEY) == 10
    assert read_state(KEY) == value
    assert read_state(KEY, 10) == value

    # Offsets: change three bytes in the middle, read a window back.
    write_state_offset(KEY, 10, 4, b"\xaa\xbb\xcc")
    push_state_partial(KEY)
    assert read_state_offset(KEY, 10, 3, 5) == b"\x03\xaa\xbb\xcc\x07"

    # Pull sizes a value; the host keeps it across calls.
    pull_state(KEY, 10)
    assert read_state(KEY) == b"\x00\x01\x02\x03\xaa\xbb\xcc\x07\x08\x09"

    # Appended state is a list of elements per key.
    clear_appended_state("state_example_log")
    for chunk in (b"one", b"two", b"six"):
        append_state("state_example_log", chunk)
    assert read_appended_state("state_example_log", 9, 3) == b"onetwosix"
    assert read_appended_state("state_example_log", 6, 2) == b"onetwo"

    # A key keeps the size it was created with (as in Faasm): a longer value is cut to it.
    write_state(KEY, b"0123456789abc")
    assert read_state(KEY) == b"0123456789"

    lock_state_write(KEY)
    write_state(LOCKED, b"locked write")
    unlock_state_write(KEY)
    assert read_state(LOCKED) == b"locked write"

    write_output(read_state(LOCKED))
    return 0
