"""The smallest function: prints and writes a greeting."""
import sys

from pyfaasm.core import write_output


def faasm_main():
    msg = "Hello from Python {} on {}".format(sys.version.split()[0], sys.platform)
    print(msg)
    write_output(msg.encode("utf-8"))
    return 0
