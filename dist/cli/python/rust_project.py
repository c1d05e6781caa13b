"""Reads a maturin project and lays out the Python side of its wheel, without running maturin.

Usage: rust_project.py SOURCE_DIR TREE_DIR

Run by the build Python. maturin would build the crate as a cdylib (a shared object, which the
runtime cannot load); the modules layer builds it as a staticlib with cargo instead
(src/modules/rust.ts), and this script does the rest of what maturin's wheel holds, as maturin
lays it out: the `python-source` package (or, for a pure-Rust project with a `<module>.pyi`, the
package maturin generates around the extension), and a .dist-info with the project's metadata.
Prints, as JSON: the Cargo manifest, the library's name, the extension's dotted module name, the
path its archive takes in the tree (`pkg/_ext.so`: installWheelTree takes it from there like a
C extension) and maturin's cargo feature settings.
"""

import json
import os
import shutil
import sys
import tomllib


class Failure(Exception):
    """One sentence for the user."""


def load(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def cargo_version(manifest, package):
    """The package's version; `version.workspace = true` reads the workspace's Cargo.toml."""
    version = package.get("version")
    if isinstance(version, str):
        return version
    here = os.path.dirname(os.path.abspath(manifest))
    while True:
        up = os.path.dirname(here)
        if up == here:
            raise Failure("%s takes its version from a workspace that is not in the sdist." % manifest)
        here = up
        ws = os.path.join(here, "Cargo.toml")
        if os.path.exists(ws) and "workspace" in load(ws):
            return load(ws)["workspace"]["package"]["version"]


# What maturin writes as the package of a pure-Rust project that ships a `<module>.pyi`.
GENERATED_INIT = """from .{m} import *

__doc__ = {m}.__doc__
if hasattr({m}, "__all__"):
    __all__ = {m}.__all__
"""


def metadata(project, name, version):
    lines = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version]
    if project.get("requires-python"):
        lines.append("Requires-Python: " + project["requires-python"])
    lines += ["Requires-Dist: " + d for d in project.get("dependencies", [])]
    return "\n".join(lines) + "\n"


def main():
    src, tree = sys.argv[1], sys.argv[2]
    pyproject = load(os.path.join(src, "pyproject.toml"))
    backend = pyproject.get("build-system", {}).get("build-backend", "")
    if backend != "maturin":
        raise Failure("its build backend is %r; only maturin projects build as Rust extensions "
                      "(setuptools-rust is not supported yet)" % (backend or "setuptools"))
    tool = pyproject.get("tool", {}).get("maturin", {})
    if tool.get("bindings", "pyo3") not in ("pyo3", "pyo3-ffi"):
        raise Failure("it uses maturin's %r bindings; only PyO3 builds as a Rust extension"
                      % tool["bindings"])
    manifest = os.path.join(src, tool.get("manifest-path", "Cargo.toml"))
    cargo = load(manifest)
    package = cargo["package"]
    lib = cargo.get("lib", {}).get("name", package["name"].replace("-", "_"))
    module = tool.get("module-name", lib)
    project = pyproject.get("project", {})
    name = project.get("name", package["name"])
    version = project.get("version") or cargo_version(manifest, package)

    top = module.split(".")[0]
    source = os.path.join(src, tool["python-source"]) if "python-source" in tool else src
    ext = module.replace(".", "/") + ".so"
    if os.path.isdir(os.path.join(source, top)) and os.path.exists(os.path.join(source, top, "__init__.py")):
        shutil.copytree(os.path.join(source, top), os.path.join(tree, top),
                        ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "*.pyc"))
    elif "." not in module and os.path.exists(os.path.join(src, module + ".pyi")):
        os.makedirs(os.path.join(tree, module))
        with open(os.path.join(tree, module, "__init__.py"), "w") as f:
            f.write(GENERATED_INIT.format(m=module))
        shutil.copy(os.path.join(src, module + ".pyi"), os.path.join(tree, module, "__init__.pyi"))
        open(os.path.join(tree, module, "py.typed"), "w").close()
        ext = "%s/%s.so" % (module, module)
    elif "." in module:
        raise Failure("its module %s is inside a package, but its python-source has no %s/__init__.py"
                      % (module, top))

    dist = "%s-%s.dist-info" % (name.replace("-", "_"), version)
    os.makedirs(os.path.join(tree, dist))
    with open(os.path.join(tree, dist, "METADATA"), "w") as f:
        f.write(metadata(project, name, version))
    with open(os.path.join(tree, dist, "WHEEL"), "w") as f:
        f.write("Wheel-Version: 1.0\nGenerator: faasm-python (rust_project.py)\n"
                "Root-Is-Purelib: false\nTag: cp3-none-wasi_wasm32\n")
    files = []
    for root, _dirs, names in os.walk(tree):
        files += [os.path.relpath(os.path.join(root, n), tree) for n in names]
    # RECORD gets its hashes once the tree is installed (rewriteRecords in python-parts.ts).
    with open(os.path.join(tree, dist, "RECORD"), "w") as f:
        f.write("".join("%s,,\n" % p for p in sorted(files)))

    json.dump({
        "manifest": os.path.relpath(manifest, src),
        "lib": lib,
        "module": module,
        "extension": ext,
        "features": tool.get("features", []),
        "noDefaultFeatures": bool(tool.get("no-default-features", False)),
        "allFeatures": bool(tool.get("all-features", False)),
    }, sys.stdout)


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print("faasm-error: " + str(e), file=sys.stderr)
        sys.exit(3)
