"""The language basics: asserts, printing to both streams, lists, dicts, Decimal, weakrefs."""
import os
import sys
import weakref
from decimal import Decimal


class Thing:
    pass


def faasm_main():
    assert os.getenv("PYTHONWASM") == "1"
    print("stdout works", file=sys.stdout)
    print("stderr works", file=sys.stderr)
    values = list(range(10))
    values[1], values[3] = 9, 33
    values[-3:] = [40, 41, 42]
    assert values == [0, 9, 2, 33, 4, 5, 6, 40, 41, 42]
    d = {"foo": "bar", "baz": 23, "blah": Decimal(10), "wah": 1.2345}
    assert [k for k, _ in d.items()] == ["foo", "baz", "blah", "wah"]
    assert d["blah"] + Decimal("0.5") == Decimal("10.5")
    thing = Thing()
    assert weakref.ref(thing)() is thing
    return 0
