"""Lets built-in modules with dotted names (``genshi._speedups``) be imported.

WASI has no dlopen, so faasm-python links C extensions into the interpreter and registers each
in the inittab under its full dotted name. CPython 3.11's BuiltinImporter only looks for
top-level names (it returns None whenever a package path is given), so without this finder
``import genshi._speedups`` would fall through to the path finder and fail, and a package
would silently use its slow pure-Python fallback.

Installed by the site-packages ``_faasm_builtins.pth`` at startup; importing it again (as the
entrypoint may at init, e.g. when ``site`` is disabled) is harmless.
"""

import sys
import _imp
from importlib.machinery import BuiltinImporter, ModuleSpec


class DottedBuiltinLoader(BuiltinImporter):
    """BuiltinImporter, and the module's __name__ made its full name: a single-phase
    extension such as genshi's names itself after its C module definition ("_speedups")."""

    @staticmethod
    def create_module(spec):
        module = BuiltinImporter.create_module(spec)
        if module.__name__ != spec.name:
            module.__name__ = spec.name
        return module


class DottedBuiltinFinder:
    """Finds a submodule that is compiled into the interpreter."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if "." not in fullname or not _imp.is_builtin(fullname):
            return None
        return ModuleSpec(fullname, DottedBuiltinLoader, origin="built-in")

    @classmethod
    def invalidate_caches(cls):
        pass


def install():
    if DottedBuiltinFinder not in sys.meta_path:
        sys.meta_path.insert(0, DottedBuiltinFinder)


install()
