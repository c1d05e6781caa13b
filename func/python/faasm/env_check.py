"""The environment Faasm gives a Python function, and no local-mode switches."""
import os

EXPECTED = {
    "PYTHONWASM": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONNOUSERSITE": "on",
    "PYTHONHOME": "/",
    "PYTHON_LOCAL_CHAINING": None,
    "PYTHON_LOCAL_OUTPUT": None,
    "FOOBAR": None,
}


def faasm_main():
    wrong = {k: os.environ.get(k) for k, v in EXPECTED.items() if os.environ.get(k) != v}
    for k, v in wrong.items():
        print("{} is {!r}, expected {!r}".format(k, v, EXPECTED[k]))
    return 1 if wrong else 0
