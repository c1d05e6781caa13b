/*
 * The C extensions linked into py_func.wasm, registered as built-in modules before Python
 * starts. The func layer generates faasm_inittab.c (defining the table) from the modules
 * layer's extensions.json; _faasm is always its first entry. The table ends with {0, 0}.
 */
#ifndef FAASM_INITTAB_H
#define FAASM_INITTAB_H

#include <Python.h>

struct faasm_builtin_extension {
    const char *name;
    PyObject *(*init)(void);
};

extern const struct faasm_builtin_extension faasm_builtin_extensions[];

#endif
