/*
 * py_func: the entrypoint Faasm runs for every Python function (python/py_func).
 *
 *   _faasm_zygote  initialises Python once (Faasm snapshots the memory after it) and, when the
 *                  host's PYTHON_PRELOAD flag is on, imports pyfaasm.core into that snapshot.
 *   main           reads py_user, py_func and py_entry from the host, puts
 *                  /pyfuncs/<user>/<func> first on sys.path, imports `function`, and calls
 *                  faasm_main() or, for a chained call, the named entry with the input bytes.
 *                  The function's int is the exit code.
 *
 * A failed call prints the Python traceback and then one line starting "py_func: " saying what
 * failed, which the host reports as the call's error. No dlopen: C extensions, _faasm among
 * them, are linked in and registered from faasm_builtin_extensions (faasm_inittab.c).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faasm_host.h"
#include "faasm_inittab.h"

#define DEFAULT_ENTRY "faasm_main"
#define FAIL "py_func: "
#define NAME_LEN 256

static int initialised = 0;

/*
 * Imports a module into the zygote. Not fatal: a function that needs it fails then. `optional`:
 * a runtime built without the module says nothing about it.
 */
static void preload(const char *name, const char *why, int optional) {
    PyObject *m = PyImport_ImportModule(name);
    if (m) {
        Py_DECREF(m);
        return;
    }
    if (optional && PyErr_ExceptionMatches(PyExc_ModuleNotFoundError)) {
        PyErr_Clear();
        return;
    }
    PyErr_Print();
    fprintf(stderr, "py_func (zygote): %s did not import (%s)\n", name, why);
}

static int init_python(void) {
    if (initialised) return 0;
    for (const struct faasm_builtin_extension *e = faasm_builtin_extensions; e->name; e++) {
        if (PyImport_AppendInittab(e->name, e->init) != 0) {
            fprintf(stderr, FAIL "cannot register the built-in module %s\n", e->name);
            return 1;
        }
    }
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;
    config.parse_argv = 0;
    config.user_site_directory = 0;
    /* The functions directory is the host's: never write __pycache__ into it. */
    config.write_bytecode = 0;
    PyStatus status = PyConfig_SetString(&config, &config.home, L"/");
    if (!PyStatus_Exception(status)) status = PyConfig_SetString(&config, &config.program_name, L"py_func");
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        fprintf(stderr, FAIL "Python failed to initialise: %s\n", status.err_msg ? status.err_msg : "unknown error");
        return 1;
    }
    /*
     * importlib's BuiltinImporter only answers top-level names, so built-ins with dotted names
     * (genshi._speedups) need the finder in site-packages' _faasm_builtins. site's .pth already
     * imported it; importing it here also covers a runtime started without site.
     */
    PyObject *finder = PyImport_ImportModule("_faasm_builtins");
    if (finder) {
        Py_DECREF(finder);
    } else {
        PyErr_Print();
        fprintf(stderr, "py_func (zygote): _faasm_builtins is missing: dotted built-in modules will not import\n");
    }
    /*
     * Every call imports its function.py from source (the functions directory is read-only),
     * and compile() sets up the _ast module's ~120 types on its first use in an interpreter:
     * about 4 ms that would fall on every call restored from the snapshot. Pay it here.
     */
    if (PyRun_SimpleString("compile('', '<zygote>', 'exec')") != 0) {
        fprintf(stderr, "py_func (zygote): compile() failed; calls will set up the AST types themselves\n");
    }
    /*
     * Every call starts from the snapshot taken after this, so what the zygote imports no call
     * imports again. pyfaasm is what every Faasm Python function imports (a few ms a call
     * otherwise). PYTHON_PRELOAD adds numpy, as Faasm's own zygote meant to
     * (faasm/python func/cpp/py_func.cpp @ 0a0e9a73, commented out while numpy was broken).
     */
    preload("pyfaasm.core", "every call imports it itself", 0);
    if (__faasm_conf_flag("PYTHON_PRELOAD") == 1) preload("numpy", "PYTHON_PRELOAD is on", 1);
    initialised = 1;
    return 0;
}

__attribute__((export_name("_faasm_zygote"))) int faasm_zygote(void) { return init_python(); }

static void host_string(void (*get)(unsigned char *, long), char *buf) {
    memset(buf, 0, NAME_LEN);
    get((unsigned char *)buf, NAME_LEN - 1);
}

static void flush_std(void) {
    const char *names[] = {"stdout", "stderr"};
    for (int i = 0; i < 2; i++) {
        PyObject *f = PySys_GetObject(names[i]); /* borrowed */
        if (f && f != Py_None) {
            PyObject *r = PyObject_CallMethod(f, "flush", NULL);
            if (r) Py_DECREF(r);
            else PyErr_Clear();
        }
    }
    fflush(stdout);
    fflush(stderr);
}

/* Prints the pending exception's traceback and returns "Type: message" (caller frees). */
static char *print_exception(void) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    char *summary = NULL;
    const char *tname = type ? ((PyTypeObject *)type)->tp_name : "Exception";
    PyObject *s = value ? PyObject_Str(value) : NULL;
    const char *msg = s ? PyUnicode_AsUTF8(s) : NULL;
    if (!msg) PyErr_Clear();
    size_t n = strlen(tname) + (msg ? strlen(msg) : 0) + 3;
    summary = malloc(n);
    if (summary) {
        snprintf(summary, n, msg && *msg ? "%s: %s" : "%s", tname, msg ? msg : "");
        for (char *c = summary; *c; c++)
            if (*c == '\n' || *c == '\r') *c = ' ';
    }
    Py_XDECREF(s);
    if (tb) PyException_SetTraceback(value, tb);
    PyErr_Restore(type, value, tb);
    PyErr_Print();
    return summary;
}

/* SystemExit(code) from the function: its code is the call's code, like a process exit. */
static int system_exit_code(void) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    int rc = 1;
    PyObject *code = value ? PyObject_GetAttrString(value, "code") : NULL;
    if (!code || code == Py_None) {
        rc = 0;
    } else if (PyLong_Check(code)) {
        rc = (int)PyLong_AsLong(code);
    } else {
        PyObject *s = PyObject_Str(code);
        if (s) {
            fprintf(stderr, "%s\n", PyUnicode_AsUTF8(s));
            Py_DECREF(s);
        }
    }
    PyErr_Clear();
    Py_XDECREF(code);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return rc;
}

static PyObject *read_input_bytes(void) {
    long n = __faasm_read_input(NULL, 0);
    PyObject *b = PyBytes_FromStringAndSize(NULL, n);
    if (b && n > 0) __faasm_read_input((unsigned char *)PyBytes_AS_STRING(b), n);
    return b;
}

static int run_function(const char *user, const char *func, const char *entry) {
    char dir[2 * NAME_LEN + 16];
    snprintf(dir, sizeof dir, "/pyfuncs/%s/%s", user, func);
    PyObject *path = PySys_GetObject("path"); /* borrowed */
    PyObject *pdir = PyUnicode_FromString(dir);
    if (!path || !pdir || PyList_Insert(path, 0, pdir) != 0) {
        Py_XDECREF(pdir);
        char *why = print_exception();
        fprintf(stderr, FAIL "%s/%s: cannot set sys.path: %s\n", user, func, why ? why : "?");
        free(why);
        return 1;
    }
    Py_DECREF(pdir);

    PyObject *module = PyImport_ImportModule("function");
    if (!module) {
        if (PyErr_ExceptionMatches(PyExc_SystemExit)) return system_exit_code();
        char *why = print_exception();
        fprintf(stderr, FAIL "%s/%s: function.py failed to import: %s\n", user, func, why ? why : "?");
        free(why);
        return 1;
    }
    PyObject *fn = PyObject_GetAttrString(module, entry);
    Py_DECREF(module);
    if (!fn || !PyCallable_Check(fn)) {
        PyErr_Clear();
        Py_XDECREF(fn);
        fprintf(stderr, FAIL "%s/%s: function.py has no function '%s'\n", user, func, entry);
        return 1;
    }
    /* faasm_main takes no arguments; a chained entry gets the call's input as bytes. */
    PyObject *result;
    if (strcmp(entry, DEFAULT_ENTRY) == 0) {
        result = PyObject_CallNoArgs(fn);
    } else {
        PyObject *input = read_input_bytes();
        result = input ? PyObject_CallOneArg(fn, input) : NULL;
        Py_XDECREF(input);
    }
    Py_DECREF(fn);
    if (!result) {
        if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
            int rc = system_exit_code();
            if (rc != 0) fprintf(stderr, FAIL "%s/%s: %s exited with %d\n", user, func, entry, rc);
            return rc;
        }
        char *why = print_exception();
        fprintf(stderr, FAIL "%s/%s: %s raised %s\n", user, func, entry, why ? why : "an exception");
        free(why);
        return 1;
    }
    if (!PyLong_Check(result)) {
        fprintf(stderr, FAIL "%s/%s: %s returned %s, not an int\n", user, func, entry, Py_TYPE(result)->tp_name);
        Py_DECREF(result);
        return 1;
    }
    int overflow = 0;
    long rc = PyLong_AsLongAndOverflow(result, &overflow);
    Py_DECREF(result);
    if (overflow || rc < INT_MIN || rc > INT_MAX) {
        fprintf(stderr, FAIL "%s/%s: %s returned an int too large for an exit code\n", user, func, entry);
        return 1;
    }
    return (int)rc;
}

int main(void) {
    if (init_python() != 0) return 1;
    char user[NAME_LEN], func[NAME_LEN], entry[NAME_LEN];
    host_string(__faasm_get_py_user, user);
    host_string(__faasm_get_py_func, func);
    host_string(__faasm_get_py_entry, entry);
    int rc = run_function(user, func, entry[0] ? entry : DEFAULT_ENTRY);
    /*
     * The instance is thrown away after the call; flushing is all the teardown it needs. So it
     * leaves with _Exit, not by returning into exit(): exit() would run atexit handlers and C++
     * static destructors for nothing, and on the 3.13 line (clang 19, libc++ 19) one of them, a
     * global array's destructor in a C++ extension, makes an indirect call that traps ("null
     * function or function signature mismatch" in __cxx_global_array_dtor) after the call's
     * output is complete, failing every call.
     */
    flush_std();
    _Exit(rc);
}
