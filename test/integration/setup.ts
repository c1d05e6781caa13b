import { jest } from '@jest/globals';

// Integration tests build for real (CPython, modules) and run Python inside node:wasi.
jest.setTimeout(60 * 60 * 1000);
