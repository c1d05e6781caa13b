# The cpython image: the faasm-python runtime laid out at Faasm's paths, and the faasm-python CLI
# to run and upload Python functions with it:
#   docker run --rm -v "$PWD/func:/func:ro" IMAGE faasm-python run /func/hello.py
#   docker run --rm --network host IMAGE faasm-python upload --runtime --host http://localhost:8002
# Downstream images take what they need with `COPY --from=<this image> /usr/local/faasm/... ...`.
#
# The build context is made by `faasm-python image` (src/image/context.ts): the release bundle's
# files (src/release/bundle.ts) and, in faasm-python/, the CLI's ncc bundle (dist/cli) with the
# files it reads and its launcher. BASE is any image with Node.js >= 24 and /bin/sh, given by
# `faasm-python image`: node:24-slim pinned by digest (third-party/node-base/Dockerfile, kept
# current by Dependabot), or with `--base debian` one made from Debian's packages where no image
# can be pulled. The image is built for linux/amd64 and linux/arm64 (one OCI index): nothing here
# runs in the image, so the arm64 build needs no emulation, only an arm64 base.
ARG BASE
ARG FAASM_PYTHON_VERSION=0.5.0

# ADD unpacks the libpython tarball here, so that its lib/ and include/ can go to the sysroot's
# separate lib and include dirs below (COPY --from moves them without a shell).
FROM scratch AS libpython
ARG FAASM_PYTHON_VERSION
ADD faasm-python-${FAASM_PYTHON_VERSION}-libpython.tar.gz /

FROM ${BASE}
ARG FAASM_PYTHON_VERSION
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/faasm/python

# The Python stdlib and site-packages the guest sees as / (PYTHONHOME=/).
ADD faasm-python-${FAASM_PYTHON_VERSION}-runtime-root.tar.gz /usr/local/faasm/runtime_root/
# libpython and its headers, where Faasm's wasm32-wasi sysroot keeps libraries and includes.
COPY --from=libpython /lib/ /usr/local/faasm/llvm-sysroot/lib/wasm32-wasi/
COPY --from=libpython /include/ /usr/local/faasm/llvm-sysroot/include/
# The entrypoint function, where Faasm's local function storage keeps python/py_func.
COPY py_func.wasm /usr/local/faasm/wasm/python/py_func/function.wasm
# The runtime's software bill of materials (CycloneDX 1.6: CPython, its C libraries, the modules,
# with versions, licences, source sha256 and patches), the release asset of the same name.
COPY faasm-python-${FAASM_PYTHON_VERSION}-sbom.cdx.json /usr/local/faasm/sbom.cdx.json
# The CLI, run and upload defaulting to the runtime above.
COPY faasm-python/ /opt/faasm-python/
COPY faasm-python/bin/faasm-python /usr/local/bin/faasm-python
ENV FAASM_LOCAL_DIR=/usr/local/faasm \
    FAASM_PYTHON_FUNC_WASM=/usr/local/faasm/wasm/python/py_func/function.wasm \
    FAASM_PYTHON_RUNTIME_ROOT=/usr/local/faasm/runtime_root

LABEL org.opencontainers.image.title="faasm-python" \
      org.opencontainers.image.description="CPython cross-compiled to wasm32-wasi for Faasm: runtime root, libpython and the py_func entrypoint at Faasm's paths, and the faasm-python CLI" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${FAASM_PYTHON_VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}"
