"""A dict survives pickling."""
import pickle


def faasm_main():
    d = {"foo": 123, "bar": "baz"}
    return 0 if pickle.loads(pickle.dumps(d)) == d else 1
