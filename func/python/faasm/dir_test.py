"""Lists the directory named by the input; the output is the sorted names, comma-separated."""
import os

from pyfaasm.core import read_input, write_output


def faasm_main():
    path = read_input().decode("utf-8")
    if not path:
        print("give a directory as the input")
        return 1
    write_output(",".join(sorted(os.listdir(path))).encode("utf-8"))
    return 0
