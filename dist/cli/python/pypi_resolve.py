"""Resolves requirements on the package index into pinned module recipes (as JSON on stdout).

Usage: pypi_resolve.py WORK_DIR REQUIREMENT...

Run by the build Python (the wasm CPython's exact version), so markers and requires-python are
evaluated for the runtime's Python. pip's resolver picks the versions (`pip install --dry-run
--report`); each package then gets one file, pinned by URL and sha256 from the index pip is
configured with: the sdist when the package has compiled code (its wheels are platform wheels,
useless for wasm32-wasi), the pure wheel otherwise. Each sdist's build requirements are resolved
the same way, for the build Python (wheels only), and pinned too, with what its backend asks
for when asked (PEP 517's get_requires_for_build_wheel), as pip installs both. A build
requirement with compiled code (Cython) is pinned for every CPython line of the repository
($FAASM_PYTHON_LINES, such as "3.11 3.13"): its wheel of the same version and platform for each,
so a recipe written on one line builds on the others.
"""

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import urllib.parse
import urllib.request
import zipfile

from build_wheel import HOST_ONLY
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name


class Failure(Exception):
    """One sentence for the user."""


def index_url():
    """The index pip itself uses: PIP_INDEX_URL, else pip's configuration, else PyPI."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    out = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if key.endswith(".index-url"):
            return value.strip().strip("'\"")
    return "https://pypi.org/simple"


def pip_report(args, what):
    """pip's resolution of `args`, as its --report JSON."""
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
           "--quiet", "--disable-pip-version-check", "--report", "-"] + args
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        err = run.stderr
        m = re.search(r"No matching distribution found for (\S+)", err)
        versions = re.search(r"\(from versions: ([^)]*)\)", err)
        if m and versions and versions.group(1).strip() == "none":
            raise Failure("%s is not on the package index (%s); check its name." % (m.group(1), index_url()))
        if m:
            raise Failure("No release of %s exists for Python %d.%d on the index; pick one of: %s." % (
                m.group(1), sys.version_info[0], sys.version_info[1],
                ", ".join(versions.group(1).split(", ")[-8:]) if versions else "none"))
        last = [l for l in err.splitlines() if l.strip()][-1:] or ["pip failed"]
        raise Failure("Resolving %s failed: %s" % (what, last[0].strip()))
    return json.loads(run.stdout)["install"]


def simple_files(name):
    """The files of a project on the index (PEP 691 JSON)."""
    url = index_url().rstrip("/") + "/" + canonicalize_name(name) + "/"
    req = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)["files"]


def download(url, sha256, work):
    path = os.path.join(work, os.path.basename(urllib.parse.urlparse(url).path))
    if not os.path.exists(path):
        with urllib.request.urlopen(url, timeout=300) as r:
            data = r.read()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise Failure("%s does not match the sha256 the index gives for it; not used." % url)
        with open(path, "wb") as f:
            f.write(data)
    return path


def route(url, sha256):
    return {"kind": "url", "url": url, "file": os.path.basename(urllib.parse.urlparse(url).path),
            "sha256": sha256}


def is_pure_wheel(filename):
    return filename.endswith(".whl") and filename[:-4].split("-")[-1] == "any"


def sdist_of(name, version):
    for f in simple_files(name):
        fn = f["filename"]
        if f.get("yanked"):
            continue
        stem = re.sub(r"\.(tar\.gz|zip)$", "", fn)
        if stem != fn and canonicalize_name(stem.rsplit("-", 1)[0]) == canonicalize_name(name) \
                and stem.rsplit("-", 1)[-1] == version:
            return f["url"], f["hashes"]["sha256"]
    return None


def pure_wheel_of(name, version):
    """The project's py3-none-any wheel of `version`, when it publishes one."""
    for f in simple_files(name):
        fn = f["filename"]
        if f.get("yanked") or not is_pure_wheel(fn):
            continue
        parts = fn[:-4].split("-")
        if canonicalize_name(parts[0]) == canonicalize_name(name) and parts[1] == version:
            return f["url"], f["hashes"]["sha256"]
    return None


def archive_names(path):
    if path.endswith(".whl") or path.endswith(".zip"):
        return zipfile.ZipFile(path).namelist()
    return tarfile.open(path).getnames()


def read_member(path, suffix):
    """The first member ending in `suffix` at the top of an sdist (under its one directory)."""
    if path.endswith(".zip"):
        z = zipfile.ZipFile(path)
        for n in z.namelist():
            if n.count("/") == 1 and n.endswith(suffix):
                return z.read(n)
        return None
    t = tarfile.open(path)
    for m in t.getmembers():
        if m.name.count("/") == 1 and m.name.endswith(suffix) and m.isfile():
            return t.extractfile(m).read()
    return None


COMPILED = re.compile(r"\.(c|cc|cpp|cxx|pyx)$|(^|/)meson\.build$")


def top_levels(path, name):
    """Import names a distribution provides, from its file list."""
    names = archive_names(path)
    if path.endswith(".whl"):
        tops = {n.split("/")[0] for n in names}
        mods = sorted(t[:-3] if t.endswith(".py") else t for t in tops
                      if not t.endswith((".dist-info", ".data")) and (t.endswith(".py") or "." not in t))
    else:
        rels = ["/".join(n.split("/")[1:]) for n in names]
        rels = [r[4:] if r.startswith("src/") else r for r in rels]
        mods = sorted({r.split("/")[0] for r in rels if r.count("/") == 1 and r.endswith("/__init__.py")})
        mods += sorted({r[:-3] for r in rels if "/" not in r and r.endswith(".py")
                        and r[:-3] not in ("setup", "conftest", "noxfile", "tasks")})
    mods = [m for m in mods if m and not m.startswith(("test", "_")) and m.isidentifier()]
    want = canonicalize_name(name).replace("-", "_")
    return sorted(mods, key=lambda m: (m.lower() != want, m))[:1] or [want]


def maturin_module(sdist):
    """The import name of a maturin project: its module-name, else its Rust library's name."""
    if sdist.endswith(".whl"):
        return None
    raw = read_member(sdist, "/pyproject.toml")
    pyproject = tomllib.loads(raw.decode()) if raw else {}
    if pyproject.get("build-system", {}).get("build-backend") != "maturin":
        return None
    module = pyproject.get("tool", {}).get("maturin", {}).get("module-name")
    if not module:
        cargo = read_member(sdist, "/Cargo.toml")
        package = tomllib.loads(cargo.decode()) if cargo else {}
        module = package.get("lib", {}).get("name") or package.get("package", {}).get("name", "")
    top = module.split(".")[0].replace("-", "_")
    return [top] if top.isidentifier() else None


def build_requirements(sdist):
    raw = read_member(sdist, "/pyproject.toml")
    table = tomllib.loads(raw.decode()).get("build-system", {}) if raw else {}
    requires = table.get("requires", ["setuptools>=40.8.0"])
    backend = table.get("build-backend", "setuptools.build_meta:__legacy__")
    # What the backends add from get_requires_for_build_wheel: setuptools wheel, mesonpy ninja.
    if backend.startswith("setuptools"):
        requires = requires + ["wheel"]
    if backend == "mesonpy":
        requires = requires + ["ninja"]
    return requires, backend


def wheel_parts(filename):
    """(python tag, abi tag, platform tag) of a wheel's file name (PEP 427)."""
    parts = filename[:-4].split("-")
    return parts[-3], parts[-2], parts[-1]


def other_line_wheels(name, version, filename):
    """The wheels of `version` for the repository's other CPython lines, with the pinned wheel's
    platform: none when the pinned one is pure or abi3 (every line installs it already)."""
    py, abi, platform = wheel_parts(filename)
    if not re.fullmatch(r"cp\d+", py) or abi != py:
        return []
    tags = ["cp" + l.replace(".", "") for l in os.environ.get("FAASM_PYTHON_LINES", "").split()]
    routes = []
    for tag in sorted(set(tags) - {py}):
        for f in simple_files(name):
            fn = f["filename"]
            if f.get("yanked") or not fn.endswith(".whl"):
                continue
            if fn.split("-")[1] == version and wheel_parts(fn) == (tag, tag, platform):
                routes.append(route(f["url"], f["hashes"]["sha256"]))
                break
    return routes


def pin_build_requirements(requires, work):
    pins = []
    for item in pip_report(["--only-binary", ":all:"] + requires, "the build requirements %s" % requires):
        info = item["download_info"]
        sha = info["archive_info"]["hashes"]["sha256"] if "hashes" in info.get("archive_info", {}) \
            else info["archive_info"]["hash"].split("=", 1)[1]
        name, version = canonicalize_name(item["metadata"]["name"]), item["metadata"]["version"]
        pinned = route(info["url"], sha)
        others = other_line_wheels(name, version, pinned["file"])
        pins.append({"name": name, "version": version, "sources": [pinned] + others})
    return sorted(pins, key=lambda p: p["name"])


BUILD_WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "build_wheel.py")
def unpack_sdist(path, dest):
    """The sdist's one top directory, unpacked under `dest`."""
    os.makedirs(dest, exist_ok=True)
    # Untrusted: only regular files and directories, none outside `dest` (the build Python may
    # predate tarfile's extraction filters).
    inside = lambda n: not os.path.isabs(n) and ".." not in n.replace("\\", "/").split("/")
    if path.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            z.extractall(dest, [n for n in z.namelist() if inside(n)])
    else:
        with tarfile.open(path) as t:
            t.extractall(dest, [m for m in t.getmembers() if (m.isfile() or m.isdir()) and inside(m.name)])
    tops = [e for e in os.listdir(dest) if os.path.isdir(os.path.join(dest, e))]
    return os.path.join(dest, tops[0]) if len(tops) == 1 else dest


def satisfied(req, pins):
    pin = next((p for p in pins if p["name"] == canonicalize_name(req.name)), None)
    return pin is not None and req.specifier.contains(pin["version"], prereleases=True)


def dynamic_requirements(sdist, pins, work):
    """What the backend asks for beyond its static requirements, as pip asks it: PEP 517's
    get_requires_for_build_wheel, run in its own process with exactly the pinned static
    requirements installed (frozenlist's in-tree backend asks for Cython there). A backend that
    cannot answer asks for nothing: the build itself then says what is missing."""
    stem = re.sub(r"\.(tar\.gz|zip)$", "", os.path.basename(sdist))
    env_dir = os.path.join(work, "hook-env", stem)
    src = unpack_sdist(sdist, os.path.join(work, "hook-src", stem))
    wheels = []
    for p in pins:
        r = p["sources"][0]
        wheels.append(download(r["url"], r["sha256"], work))
    pip = [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--no-compile",
           "--quiet", "--disable-pip-version-check", "--target", env_dir] + wheels
    if wheels and subprocess.run(pip, capture_output=True).returncode != 0:
        return []
    env = dict(os.environ, PYTHONPATH=env_dir, PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run([sys.executable, BUILD_WHEEL, "--requires", src, "{}"], cwd=src, env=env,
                         capture_output=True, text=True, timeout=600)
    try:
        asked = json.loads(run.stdout.strip().splitlines()[-1]) if run.returncode == 0 else []
    except (ValueError, IndexError):
        return []
    extra = []
    for text in asked:
        try:
            req = Requirement(text)
        except Exception:
            continue
        if canonicalize_name(req.name) in HOST_ONLY or (req.marker and not req.marker.evaluate()):
            continue
        if not satisfied(req, pins):
            extra.append(text)
    return extra


def pin_all_build_requirements(sdist, work):
    """The static build requirements and what the backend asks for besides, pinned together."""
    requires, backend = build_requirements(sdist)
    pins = pin_build_requirements(requires, work)
    extra = dynamic_requirements(sdist, pins, work)
    if extra:
        pins = pin_build_requirements(requires + extra, work)
    return pins, backend


def main():
    work, reqs = sys.argv[1], sys.argv[2:]
    os.makedirs(work, exist_ok=True)
    for r in reqs:
        try:
            Requirement(r)
        except Exception:
            raise Failure("'%s' is not a valid requirement; write it as name or name==version." % r)
    items = pip_report(reqs, " ".join(reqs))
    names = {canonicalize_name(i["metadata"]["name"]) for i in items}
    env = None
    out = []
    for item in items:
        meta = item["metadata"]
        name, version = canonicalize_name(meta["name"]), meta["version"]
        info = item["download_info"]
        url = info["url"]
        archive = info.get("archive_info", {})
        sha = archive.get("hashes", {}).get("sha256") or archive.get("hash", "=").split("=", 1)[1]
        fn = os.path.basename(urllib.parse.urlparse(url).path)
        recipe = {"name": name, "version": version, "summary": meta.get("summary", "")}
        if is_pure_wheel(fn):
            path = download(url, sha, work)
            recipe.update(kind="pure", source=route(url, sha), buildRequires=[])
        else:
            found = (url, sha) if not fn.endswith(".whl") else sdist_of(name, version)
            if not found:
                raise Failure("%s %s has only platform wheels and no sdist on the index, so it cannot be built for wasm32-wasi." % (name, version))
            path = download(found[0], found[1], work)
            compiled = any(COMPILED.search(n) for n in archive_names(path))
            # Platform wheels from pure sources (mypyc-compiled tomli, chardet...): the project's
            # pure wheel is the same package without the host-only speed-up.
            pure = None if compiled else pure_wheel_of(name, version)
            if pure:
                path = download(pure[0], pure[1], work)
                recipe.update(kind="pure", source=route(*pure), buildRequires=[])
            else:
                _, backend = build_requirements(path)
                if backend == "maturin":
                    # A Rust extension: cargo builds it (src/modules/rust.ts), maturin never runs.
                    recipe.update(kind="rust-extension", source=route(*found), backend=backend,
                                  buildRequires=[])
                else:
                    pins, backend = pin_all_build_requirements(path, work)
                    recipe.update(kind="c-extension" if compiled else "pure", source=route(*found),
                                  backend=backend, buildRequires=pins)
                    # The project's own pure build of the same version (protobuf's python
                    # implementation), for when its compiled build cannot be had on WASI.
                    alt = pure_wheel_of(name, version) if compiled else None
                    if alt:
                        recipe["pureWheel"] = route(*alt)
        deps = []
        for d in meta.get("requires_dist", []):
            req = Requirement(d)
            if req.marker and not req.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(req.name) in names:
                deps.append(canonicalize_name(req.name))
        recipe["requires"] = sorted(set(deps))
        recipe["imports"] = maturin_module(path) or top_levels(path, name)
        recipe["requested"] = name in {canonicalize_name(Requirement(r).name) for r in reqs}
        out.append(recipe)
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print("faasm-error: " + str(e), file=sys.stderr)
        sys.exit(3)
