"""hashlib's md5 gives the known digest."""
import hashlib


def faasm_main():
    digest = hashlib.md5(b"Hello faasm").hexdigest()
    return 0 if digest == "8720316a1afed81c1dd0026403aaa25b" else 1
