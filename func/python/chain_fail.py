"""A chained call that fails reaches its caller as a non-zero await result."""
from pyfaasm.core import await_call, chain, write_output


def broken(input_bytes):
    raise ValueError("this chained call fails on purpose")


def declines(input_bytes):
    return 7


def faasm_main():
    rc_broken = await_call(chain(broken, b""))
    rc_declines = await_call(chain(declines, b""))
    assert rc_broken != 0, rc_broken
    assert rc_declines == 7, rc_declines
    write_output("broken={} declines={}".format(rc_broken, rc_declines).encode())
    return 0
