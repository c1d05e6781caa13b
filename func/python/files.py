"""Reads its own directory, writes under /tmp, and cannot reach host paths outside its root."""
import os
import sys
import tempfile

from pyfaasm.core import get_py_func, get_py_user, write_output


def cannot_read(path):
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError:
        return True
    return False


def faasm_main():
    here = os.path.dirname(os.path.abspath(__file__))
    assert here == "/pyfuncs/{}/{}".format(get_py_user(), get_py_func()), here
    assert "function.py" in os.listdir(here)
    with open(os.path.join(here, "function.py")) as f:
        assert "def faasm_main" in f.read()

    # The stdlib lives in the runtime root, which the guest sees as /.
    stdlib = "/lib/python{}.{}".format(*sys.version_info[:2])
    assert os.path.isfile(stdlib + "/os.py") or os.path.isfile(stdlib + "/os.pyc")

    # Host paths outside the runtime root are out of reach, however they are spelled.
    for path in ("/etc/passwd", "/../../../../etc/passwd", "../../../etc/passwd", "/proc/self/environ"):
        assert cannot_read(path), path

    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        p = os.path.join(d, "note.txt")
        with open(p, "w") as f:
            f.write("scratch")
        with open(p) as f:
            assert f.read() == "scratch"

    write_output(",".join(sorted(os.listdir(here))).encode())
    return 0
