# The faasm-python runtime as a data-only image, laid out at Faasm's paths. The build context is
# a release bundle directory (see src/release/bundle.ts): `faasm-python image --bundle DIR`, or
# `docker build -f Dockerfile --build-arg FAASM_PYTHON_VERSION=X.Y.Z DIR`. Downstream images take
# what they need with `COPY --from=<this image> /usr/local/faasm/... ...`.
ARG FAASM_PYTHON_VERSION=0.5.0

# ADD unpacks the libpython tarball here, so that its lib/ and include/ can go to the sysroot's
# separate lib and include dirs below (a scratch image has no shell to move files with).
FROM scratch AS libpython
ARG FAASM_PYTHON_VERSION
ADD faasm-python-${FAASM_PYTHON_VERSION}-libpython.tar.gz /

FROM scratch
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

LABEL org.opencontainers.image.title="faasm-python" \
      org.opencontainers.image.description="CPython cross-compiled to wasm32-wasi for Faasm: runtime root, libpython and the py_func entrypoint" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${FAASM_PYTHON_VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}"
