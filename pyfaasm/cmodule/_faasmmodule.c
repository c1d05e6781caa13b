/*
 * _faasm: the Faasm host interface as a built-in CPython module. Each function is a thin,
 * binary-safe wrapper over one `env` import (faasm_host.h); pyfaasm.core builds the public API
 * on top. Linked statically into py_func.wasm and registered with PyImport_AppendInittab, so
 * there is no dlopen and no ctypes anywhere on the path from Python to the host.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "faasm_host.h"

#define NAME_BUF 256

static PyObject *zeroed_bytes(Py_ssize_t n) {
    PyObject *b = PyBytes_FromStringAndSize(NULL, n);
    if (b) memset(PyBytes_AS_STRING(b), 0, (size_t)n);
    return b;
}

static int check_len(long n, const char *what) {
    if (n < 0) {
        PyErr_Format(PyExc_ValueError, "%s must not be negative (got %ld)", what, n);
        return -1;
    }
    return 0;
}

/* ---- input / output ---- */

static PyObject *f_input_len(PyObject *self, PyObject *noargs) {
    return PyLong_FromLong(__faasm_read_input(NULL, 0));
}

static PyObject *f_read_input(PyObject *self, PyObject *noargs) {
    long n = __faasm_read_input(NULL, 0);
    PyObject *b = zeroed_bytes(n);
    if (b && n > 0) __faasm_read_input((unsigned char *)PyBytes_AS_STRING(b), n);
    return b;
}

static PyObject *f_write_output(PyObject *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*:write_output", &data)) return NULL;
    __faasm_write_output((const unsigned char *)data.buf, (long)data.len);
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

/* ---- call details ---- */

typedef void (*getter_fn)(unsigned char *, long);

static PyObject *get_string(getter_fn fn) {
    unsigned char buf[NAME_BUF];
    memset(buf, 0, sizeof buf);
    fn(buf, sizeof buf - 1);
    return PyUnicode_DecodeUTF8((const char *)buf, (Py_ssize_t)strnlen((const char *)buf, sizeof buf), "strict");
}

static PyObject *f_get_py_user(PyObject *self, PyObject *noargs) { return get_string(__faasm_get_py_user); }
static PyObject *f_get_py_func(PyObject *self, PyObject *noargs) { return get_string(__faasm_get_py_func); }
static PyObject *f_get_py_entry(PyObject *self, PyObject *noargs) { return get_string(__faasm_get_py_entry); }

static PyObject *f_conf_flag(PyObject *self, PyObject *args) {
    const char *key;
    if (!PyArg_ParseTuple(args, "s:conf_flag", &key)) return NULL;
    return PyLong_FromUnsignedLong(__faasm_conf_flag(key));
}

/* ---- chaining ---- */

typedef unsigned int (*chain_fn)(const char *, const unsigned char *, long);

static PyObject *do_chain(PyObject *args, const char *format, chain_fn fn) {
    const char *name;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, format, &name, &data)) return NULL;
    unsigned int id = fn(name, (const unsigned char *)data.buf, (long)data.len);
    PyBuffer_Release(&data);
    return PyLong_FromUnsignedLong(id);
}

static PyObject *f_chain_py(PyObject *self, PyObject *args) {
    return do_chain(args, "sy*:chain_py", __faasm_chain_py);
}

static PyObject *f_chain_name(PyObject *self, PyObject *args) {
    return do_chain(args, "sy*:chain_name", __faasm_chain_name);
}

static PyObject *f_await_call(PyObject *self, PyObject *args) {
    unsigned int id;
    if (!PyArg_ParseTuple(args, "I:await_call", &id)) return NULL;
    return PyLong_FromLong(__faasm_await_call(id));
}

/*
 * Returns (return_code, output_bytes). Faasm's await_call_output copies the output into a
 * buffer and cannot say how long it was, so this reads up to max_len bytes and drops the
 * trailing NUL padding (see docs/conformance.md).
 */
static PyObject *f_await_call_output(PyObject *self, PyObject *args) {
    unsigned int id;
    long max_len = 1 << 20;
    if (!PyArg_ParseTuple(args, "I|l:await_call_output", &id, &max_len)) return NULL;
    if (check_len(max_len, "max_len")) return NULL;
    PyObject *out = zeroed_bytes(max_len);
    if (!out) return NULL;
    int rc = __faasm_await_call_output(id, (unsigned char *)PyBytes_AS_STRING(out), max_len);
    Py_ssize_t n = max_len;
    while (n > 0 && PyBytes_AS_STRING(out)[n - 1] == 0) n--;
    if (_PyBytes_Resize(&out, n) != 0) return NULL;
    return Py_BuildValue("(iN)", rc, out);
}

/* ---- state ---- */

static PyObject *f_read_state_size(PyObject *self, PyObject *args) {
    const char *key;
    if (!PyArg_ParseTuple(args, "s:read_state_size", &key)) return NULL;
    return PyLong_FromLong(__faasm_read_state(key, NULL, 0));
}

static PyObject *f_read_state(PyObject *self, PyObject *args) {
    const char *key;
    long len = -1;
    if (!PyArg_ParseTuple(args, "s|l:read_state", &key, &len)) return NULL;
    if (len < 0) len = __faasm_read_state(key, NULL, 0);
    PyObject *b = zeroed_bytes(len);
    if (b && len > 0) __faasm_read_state(key, (unsigned char *)PyBytes_AS_STRING(b), len);
    return b;
}

static PyObject *f_read_state_offset(PyObject *self, PyObject *args) {
    const char *key;
    long total, offset, len;
    if (!PyArg_ParseTuple(args, "slll:read_state_offset", &key, &total, &offset, &len)) return NULL;
    if (check_len(total, "total_len") || check_len(offset, "offset") || check_len(len, "length")) return NULL;
    PyObject *b = zeroed_bytes(len);
    if (b) __faasm_read_state_offset(key, total, offset, (unsigned char *)PyBytes_AS_STRING(b), len);
    return b;
}

static PyObject *f_write_state(PyObject *self, PyObject *args) {
    const char *key;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "sy*:write_state", &key, &data)) return NULL;
    __faasm_write_state(key, (const unsigned char *)data.buf, (long)data.len);
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

static PyObject *f_write_state_offset(PyObject *self, PyObject *args) {
    const char *key;
    long total, offset;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "slly*:write_state_offset", &key, &total, &offset, &data)) return NULL;
    if (check_len(total, "total_len") || check_len(offset, "offset")) {
        PyBuffer_Release(&data);
        return NULL;
    }
    __faasm_write_state_offset(key, total, offset, (const unsigned char *)data.buf, (long)data.len);
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

static PyObject *f_append_state(PyObject *self, PyObject *args) {
    const char *key;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "sy*:append_state", &key, &data)) return NULL;
    __faasm_append_state(key, (const unsigned char *)data.buf, (long)data.len);
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

static PyObject *f_read_appended_state(PyObject *self, PyObject *args) {
    const char *key;
    long len, n;
    if (!PyArg_ParseTuple(args, "sll:read_appended_state", &key, &len, &n)) return NULL;
    if (check_len(len, "length") || check_len(n, "n_elems")) return NULL;
    PyObject *b = zeroed_bytes(len);
    if (b) __faasm_read_appended_state(key, (unsigned char *)PyBytes_AS_STRING(b), len, n);
    return b;
}

static PyObject *f_pull_state(PyObject *self, PyObject *args) {
    const char *key;
    long len;
    if (!PyArg_ParseTuple(args, "sl:pull_state", &key, &len)) return NULL;
    if (check_len(len, "length")) return NULL;
    __faasm_pull_state(key, len);
    Py_RETURN_NONE;
}

/* Key-only calls: push, partial push, clear appended, and the locks. */
#define KEY_CALL(pyname, hostfn)                                         \
    static PyObject *f_##pyname(PyObject *self, PyObject *args) {        \
        const char *key;                                                 \
        if (!PyArg_ParseTuple(args, "s:" #pyname, &key)) return NULL;    \
        hostfn(key);                                                     \
        Py_RETURN_NONE;                                                  \
    }

KEY_CALL(push_state, __faasm_push_state)
KEY_CALL(push_state_partial, __faasm_push_state_partial)
KEY_CALL(clear_appended_state, __faasm_clear_appended_state)
KEY_CALL(lock_state_read, __faasm_lock_state_read)
KEY_CALL(unlock_state_read, __faasm_unlock_state_read)
KEY_CALL(lock_state_write, __faasm_lock_state_write)
KEY_CALL(unlock_state_write, __faasm_unlock_state_write)

#define M_NOARGS(name, doc) {#name, (PyCFunction)f_##name, METH_NOARGS, doc}
#define M_ARGS(name, doc) {#name, (PyCFunction)f_##name, METH_VARARGS, doc}

static PyMethodDef faasm_methods[] = {
    M_NOARGS(input_len, "input_len() -> int: size of this call's input"),
    M_NOARGS(read_input, "read_input() -> bytes: this call's whole input"),
    M_ARGS(write_output, "write_output(data): set this call's output (replaces any earlier output)"),
    M_NOARGS(get_py_user, "get_py_user() -> str"),
    M_NOARGS(get_py_func, "get_py_func() -> str"),
    M_NOARGS(get_py_entry, "get_py_entry() -> str: the entry of a chained call, '' for faasm_main"),
    M_ARGS(conf_flag, "conf_flag(key) -> int: a host configuration flag (1 = on)"),
    M_ARGS(chain_py, "chain_py(entry, data) -> call id: call another entry of this function"),
    M_ARGS(chain_name, "chain_name(func, data) -> call id: call the Faasm function func of this user"),
    M_ARGS(await_call, "await_call(call_id) -> return code"),
    M_ARGS(await_call_output, "await_call_output(call_id[, max_len]) -> (return code, output bytes)"),
    M_ARGS(read_state_size, "read_state_size(key) -> int"),
    M_ARGS(read_state, "read_state(key[, length]) -> bytes"),
    M_ARGS(read_state_offset, "read_state_offset(key, total_len, offset, length) -> bytes"),
    M_ARGS(write_state, "write_state(key, data)"),
    M_ARGS(write_state_offset, "write_state_offset(key, total_len, offset, data)"),
    M_ARGS(append_state, "append_state(key, data)"),
    M_ARGS(read_appended_state, "read_appended_state(key, length, n_elems) -> bytes"),
    M_ARGS(clear_appended_state, "clear_appended_state(key)"),
    M_ARGS(push_state, "push_state(key)"),
    M_ARGS(push_state_partial, "push_state_partial(key)"),
    M_ARGS(pull_state, "pull_state(key, length)"),
    M_ARGS(lock_state_read, "lock_state_read(key)"),
    M_ARGS(unlock_state_read, "unlock_state_read(key)"),
    M_ARGS(lock_state_write, "lock_state_write(key)"),
    M_ARGS(unlock_state_write, "unlock_state_write(key)"),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef faasm_module = {
    PyModuleDef_HEAD_INIT,
    "_faasm",
    "The Faasm host interface (built in; use pyfaasm.core).",
    -1,
    faasm_methods,
};

PyMODINIT_FUNC PyInit__faasm(void) { return PyModule_Create(&faasm_module); }
