"""What CPython on WASI lacks that the runtime can honestly offer: the user and group ids.

WASI has no users. CPython's WASI notes say "user/group related features like os.chown(),
os.getuid, etc. are stubs or fail with ENOTSUP", and its WASI build leaves os.getuid and friends
out, since wasi-libc has no getuid; yet every file this runtime sees reports st_uid 0 and
st_gid 0 (WASI's filestat has no owner, and wasi-libc fills in 0). So the process is, as far as
anything it can observe goes, user 0 in group 0: offering exactly that keeps ownership checks
consistent (platformdirs compares a directory's st_uid with os.geteuid()), and it is the answer
emscripten gives pyodide. Nothing can be changed: os.setuid and friends stay absent.

Installed by the site-packages ``_faasm_builtins.pth`` at startup; importing it again is harmless.
"""

import os


def getuid():
    """WASI has no users: files report owner 0, and so does the process."""
    return 0


def getgid():
    """WASI has no groups: files report group 0, and so does the process."""
    return 0


def getgroups():
    """WASI has no supplementary groups."""
    return []


for _fn in (getuid, getgid, getgroups):
    if not hasattr(os, _fn.__name__):
        setattr(os, _fn.__name__, _fn)
if not hasattr(os, "geteuid"):
    os.geteuid = getuid
if not hasattr(os, "getegid"):
    os.getegid = getgid
