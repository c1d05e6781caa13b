"""Chains two entries of this function, awaits both and checks what they did."""
from pyfaasm.core import await_call, await_call_output, chain, write_output


def square(input_bytes):
    n = int(input_bytes.decode())
    write_output(str(n * n).encode())
    return 0


def reverse(input_bytes):
    write_output(input_bytes[::-1])
    return 0


def faasm_main():
    first = chain(square, b"12")
    second = chain(reverse, b"abc\x00\xff")
    assert first != second

    rc_first, out_first = await_call_output(first)
    rc_second, out_second = await_call_output(second)
    assert (rc_first, out_first) == (0, b"144"), (rc_first, out_first)
    assert (rc_second, out_second) == (0, b"\xff\x00cba"), (rc_second, out_second)
    # Awaiting again gives the same answer.
    assert await_call(first) == 0 and await_call(second) == 0

    write_output(b"chained: " + out_first + b" " + out_second.hex().encode())
    return 0
