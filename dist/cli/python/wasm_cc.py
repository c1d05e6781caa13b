"""Compiler, linker and archiver wrapper for cross-building Python packages to wasm32-wasi.

A package's own build backend (setuptools, meson-python, ...) calls this as CC, CXX, LDSHARED
and AR. Compiles go to clang for wasm32-wasi against the wasm CPython's headers. WASI has no
dlopen, so a "shared library" link (an extension module, name.cpython-311-wasm32-wasi.so) is
not linked at all: the wrapper writes a static archive of its objects (and of the members of
the package's own static libraries it names) under the .so's name, which the modules layer
takes out of the wheel and links into py_func.wasm as a built-in.

Usage: wasm_cc.py cc|c++|ar ARGS...   with FAASM_WASM_CC naming the JSON configuration.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

CONFIG = json.load(open(os.environ["FAASM_WASM_CC"]))


def expand(args):
    """Response files (@file) inline, as the compiler would read them."""
    out = []
    for a in args:
        if a.startswith("@") and os.path.isfile(a[1:]):
            with open(a[1:]) as f:
                out.extend(shlex.split(f.read()))
        else:
            out.append(a)
    return out


def dropped(arg):
    """Host-only flags: the host Python's headers, another target or sysroot, threads, rpaths."""
    if arg.startswith(("--sysroot", "--target", "-march=", "-mtune=", "-Wl,-rpath", "-Wl,-R")):
        return True
    if arg in ("-pthread", "-lpthread", "-shared", "-fPIC", "-fpic"):
        return True
    if arg.startswith(("-I", "-isystem")):
        path = arg[2:] if arg.startswith("-I") else arg[len("-isystem"):]
        return any(os.path.realpath(path).startswith(p) for p in CONFIG["hostIncludes"])
    return False


def log(line):
    with open(CONFIG["log"], "a") as f:
        f.write(line + "\n")


def compiler(mode):
    return CONFIG["clangxx"] if mode == "c++" else CONFIG["clang"]


def base_flags():
    return ["--target=" + CONFIG["target"], "--sysroot=" + CONFIG["sysroot"]]


def split_pairs(args):
    """Joins '-I dir', '-isystem dir' into one argument so filtering sees the path."""
    out, i = [], 0
    while i < len(args):
        a = args[i]
        if a in ("-I", "-isystem") and i + 1 < len(args):
            out.append(a + args[i + 1])
            i += 2
        else:
            out.append(a)
            i += 1
    return out


def output_of(args):
    for i, a in enumerate(args):
        if a == "-o" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("-o") and len(a) > 2:
            return a[2:]
    return None


def is_thin(archive):
    with open(archive, "rb") as f:
        return f.read(8) == b"!<thin>\n"


def archive_members(archive, into):
    """Copies an archive's members into `into` under unique names; returns their paths."""
    ar = CONFIG["ar"]
    names = subprocess.run([ar, "t", archive], check=True, capture_output=True, text=True)
    members = [n for n in names.stdout.splitlines() if n.strip()]
    out = []
    if is_thin(archive):
        base = os.path.dirname(os.path.abspath(archive))
        for m in members:
            src = m if os.path.isabs(m) else os.path.join(base, m)
            if not os.path.exists(src):
                src = os.path.abspath(m)
            out.append(src)
        return out
    tmp = tempfile.mkdtemp(dir=into)
    # `x` of duplicate member names would overwrite: extract by position with `xN`.
    seen = {}
    for m in members:
        seen[m] = seen.get(m, 0) + 1
        d = os.path.join(tmp, str(len(out)))
        os.mkdir(d)
        subprocess.run([ar, "xN", str(seen[m]), os.path.abspath(archive), m], cwd=d, check=True)
        out.append(os.path.join(d, m))
    return out


def find_lib(name, libdirs):
    """A static library of the package's own build (never the sysroot's libc, libm ...)."""
    for d in libdirs:
        cand = os.path.join(d, "lib" + name + ".a")
        if os.path.isfile(cand) and not os.path.realpath(cand).startswith(CONFIG["sysroot"]):
            return cand
    return None


def link_extension(args, output):
    """The 'shared' link of an extension module: a static archive of what it would link."""
    libdirs = [a[2:] for a in args if a.startswith("-L")] + CONFIG.get("libdirs", [])
    inputs = []
    for a in args:
        if a.startswith("-"):
            if a.startswith("-l"):
                lib = find_lib(a[2:], libdirs)
                if lib:
                    inputs.append(lib)
            continue
        if a.endswith((".o", ".obj", ".a")) or ".o" in os.path.basename(a):
            inputs.append(a)
    work = tempfile.mkdtemp(prefix="wasm-cc-")
    try:
        members = []
        for path in inputs:
            if path.endswith(".a"):
                members.extend(archive_members(path, work))
            else:
                members.append(path)
        staged = []
        for i, m in enumerate(members):
            dest = os.path.join(work, "%04d-%s" % (i, os.path.basename(m)))
            shutil.copyfile(m, dest)
            staged.append(dest)
        if os.path.exists(output):
            os.remove(output)
        subprocess.run([CONFIG["ar"], "rcs", output] + staged, check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log("extension %s <- %d objects" % (os.path.abspath(output), len(staged)))


def main():
    mode, args = sys.argv[1], expand(sys.argv[2:])
    if mode == "ar":
        # Thin archives ('T') point at files a later step deletes: always write real ones.
        if args and not args[0].startswith("-"):
            args = [args[0].replace("T", "")] + args[1:]
        os.execv(CONFIG["ar"], [CONFIG["ar"]] + args)
    args = split_pairs(args)
    output = output_of(args)
    linking = not any(a in ("-c", "-E", "-S", "-M", "-MM") for a in args)
    shared = "-shared" in args or (output or "").endswith(".so")
    if linking and shared and output:
        link_extension(args, output)
        return 0
    flags = base_flags()
    if not linking:
        flags += ["-I" + d for d in CONFIG["includes"]] + CONFIG["cflags"]
        if mode == "c++":
            flags += CONFIG["cxxflags"]
    kept = [a for a in args if not dropped(a)]
    cmd = [compiler(mode)] + flags + kept
    if not linking:
        # A package's -Werror is for the platforms its CI knows; wasm32's new warnings (its
        # 32-bit long, for one) must not stop its build. -Werror=<name> still applies.
        cmd.append("-Wno-error")
    if linking:
        cmd += CONFIG["ldflags"]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
