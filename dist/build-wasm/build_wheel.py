"""Builds one wheel through the project's own PEP 517 backend, in this process.

Usage: build_wheel.py SOURCE_DIR OUT_DIR CONFIG_SETTINGS_JSON

Run by the build Python inside the cross environment (its sysconfig is the wasm CPython's), with
the build requirements already on sys.path: no isolation, no network. A project without a
pyproject.toml build-system table gets setuptools' legacy backend, as pip would give it.
"""

import importlib
import json
import os
import sys
import tomllib


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


def main():
    src, out, settings = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    os.chdir(src)
    wheel = backend_of(src).build_wheel(out, settings or None)
    print("built-wheel:" + wheel)


if __name__ == "__main__":
    main()
