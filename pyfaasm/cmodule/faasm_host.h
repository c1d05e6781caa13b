/*
 * The Faasm host interface as wasm imports from module "env" (names and signatures as in
 * faasm/cpp libfaasm/faasm/host_interface.h; on wasm32, long and pointers are i32). Only calls
 * Faasm's WAVM defines (third-party/faasm/profile.json): the func layer refuses anything else.
 * Declared here for the entrypoint (func/py_func.c) and the _faasm built-in module (_faasmmodule.c).
 */
#ifndef FAASM_PYTHON_HOST_H
#define FAASM_PYTHON_HOST_H

#define FAASM_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

FAASM_IMPORT(__faasm_read_input) long __faasm_read_input(unsigned char *buffer, long bufferLen);
FAASM_IMPORT(__faasm_write_output) void __faasm_write_output(const unsigned char *output, long outputLen);
FAASM_IMPORT(__faasm_get_py_user) void __faasm_get_py_user(unsigned char *buffer, long bufferLen);
FAASM_IMPORT(__faasm_get_py_func) void __faasm_get_py_func(unsigned char *buffer, long bufferLen);
FAASM_IMPORT(__faasm_get_py_entry) void __faasm_get_py_entry(unsigned char *buffer, long bufferLen);
FAASM_IMPORT(__faasm_conf_flag) unsigned int __faasm_conf_flag(const char *key);

FAASM_IMPORT(__faasm_chain_py)
unsigned int __faasm_chain_py(const char *name, const unsigned char *inputData, long inputDataSize);
FAASM_IMPORT(__faasm_chain_name)
unsigned int __faasm_chain_name(const char *name, const unsigned char *inputData, long inputDataSize);
FAASM_IMPORT(__faasm_await_call) int __faasm_await_call(unsigned int messageId);
/* Copies the call's output (as much as fits) into the buffer and returns its return code. */
FAASM_IMPORT(__faasm_await_call_output)
int __faasm_await_call_output(unsigned int messageId, unsigned char *buffer, long bufferLen);

FAASM_IMPORT(__faasm_read_state) long __faasm_read_state(const char *key, unsigned char *buffer, long bufferLen);
FAASM_IMPORT(__faasm_read_state_offset)
void __faasm_read_state_offset(const char *key, long totalLen, long offset, unsigned char *buffer, long bufferLen);
FAASM_IMPORT(__faasm_write_state) void __faasm_write_state(const char *key, const unsigned char *data, long dataLen);
FAASM_IMPORT(__faasm_write_state_offset)
void __faasm_write_state_offset(const char *key, long totalLen, long offset, const unsigned char *data, long dataLen);
FAASM_IMPORT(__faasm_append_state) void __faasm_append_state(const char *key, const unsigned char *data, long dataLen);
FAASM_IMPORT(__faasm_read_appended_state)
void __faasm_read_appended_state(const char *key, unsigned char *data, long dataLen, long nElems);
FAASM_IMPORT(__faasm_clear_appended_state) void __faasm_clear_appended_state(const char *key);
FAASM_IMPORT(__faasm_push_state) void __faasm_push_state(const char *key);
FAASM_IMPORT(__faasm_push_state_partial) void __faasm_push_state_partial(const char *key);
FAASM_IMPORT(__faasm_pull_state) void __faasm_pull_state(const char *key, long stateLen);
FAASM_IMPORT(__faasm_lock_state_read) void __faasm_lock_state_read(const char *key);
FAASM_IMPORT(__faasm_unlock_state_read) void __faasm_unlock_state_read(const char *key);
FAASM_IMPORT(__faasm_lock_state_write) void __faasm_lock_state_write(const char *key);
FAASM_IMPORT(__faasm_unlock_state_write) void __faasm_unlock_state_write(const char *key);

#endif
