"""Checks the environment a function runs in: the interpreter, its paths and the host."""
import os
import sys
import sysconfig

import pyfaasm.core as core


def faasm_main():
    assert sys.platform == "wasi", sys.platform
    # The runtime's CPython line: 3.13 by default, 3.11 with --python 3.11.
    assert sys.version_info[:2] in ((3, 11), (3, 13)), sys.version_info
    stdlib = "/lib/python{}.{}".format(*sys.version_info[:2])
    assert sys.prefix == "/" and sys.exec_prefix == "/", (sys.prefix, sys.exec_prefix)
    assert os.environ.get("PYTHONHOME") == "/"
    assert stdlib in sys.path, sys.path
    assert sys.path[0] == "/pyfuncs/{}/{}".format(core.get_py_user(), core.get_py_func())
    assert sysconfig.get_platform().startswith("wasi"), sysconfig.get_platform()
    assert "_faasm" in sys.builtin_module_names
    assert core.in_faasm()
    assert core.get_py_entry() == ""
    assert core.conf_flag("NO_SUCH_FLAG") == 0
    assert not hasattr(os, "fork")
    for name in ("json", "re", "decimal", "datetime", "sqlite3", "zlib", "hashlib", "unicodedata"):
        __import__(name)
    core.write_output("{} {}".format(sys.version.split()[0], sys.platform).encode())
    return 0
