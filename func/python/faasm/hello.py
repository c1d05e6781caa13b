"""Says hello with the Python version."""
import sys

from pyfaasm.core import write_output


def faasm_main():
    write_output("Hello! Running Python version {}".format(sys.version).encode("utf-8"))
    return 0
