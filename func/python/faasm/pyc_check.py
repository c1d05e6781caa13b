"""A stdlib module's .pyc loads with marshal and disassembles as its source begins. The runtime
root ships sources only, so the .pyc is compiled to /tmp first when the stdlib has none."""
import bisect
import dis
import io
import marshal
import os
import py_compile


def faasm_main():
    pyc = bisect.__cached__
    if not pyc or not os.path.exists(pyc):
        pyc = py_compile.compile(bisect.__file__, cfile="/tmp/bisect.pyc", doraise=True)
    with open(pyc, "rb") as f:
        f.read(16)  # the header since Python 3.7
        code = marshal.load(f)
    out = io.StringIO()
    dis.dis(code, file=out)
    text = out.getvalue()
    ok = "LOAD_CONST" in text and "('Bisection algorithms.')" in text and "(__doc__)" in text
    if not ok:
        print("unexpected disassembly:\n" + "\n".join(text.splitlines()[:5]))
    return 0 if ok else 1
