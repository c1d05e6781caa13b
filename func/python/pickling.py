"""Pickle round trips across protocols, custom classes and shared references."""
import pickle
from collections import OrderedDict, namedtuple
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from pyfaasm.core import write_output

Point = namedtuple("Point", "x y")


@dataclass
class Order:
    id: int
    items: list = field(default_factory=list)
    total: Decimal = Decimal("0")


class Node:
    def __init__(self, name):
        self.name = name
        self.children = []
        self.parent = None

    def __reduce__(self):
        return (Node._rebuild, (self.name, self.children, self.parent))

    @staticmethod
    def _rebuild(name, children, parent):
        n = Node(name)
        n.children, n.parent = children, parent
        return n


def faasm_main():
    shared = [1, 2, 3]
    value = {
        "ints": [0, -1, 2**100],
        "floats": (1.5, float("inf")),
        "text": "héllo ✓",
        "bytes": bytes(range(256)),
        "set": frozenset({"a", "b"}),
        "point": Point(3, 4),
        "order": Order(7, ["tea"], Decimal("2.50")),
        "fraction": Fraction(3, 7),
        "ordered": OrderedDict(b=1, a=2),
        "shared": (shared, shared),
    }
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(value, protocol=protocol))
        assert back == value, protocol
        assert back["shared"][0] is back["shared"][1]

    root = Node("root")
    child = Node("child")
    child.parent = root
    root.children.append(child)
    copy = pickle.loads(pickle.dumps(root))
    assert copy.children[0].name == "child"

    write_output("pickled with protocols 0..{}".format(pickle.HIGHEST_PROTOCOL).encode())
    return 0
