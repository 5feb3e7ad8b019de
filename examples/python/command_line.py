"""What every example here shares: the command line (PREFIX COUNT N, or - N with the URLs on
stdin, as the C++ examples take it) and the one-line JSON summary a test or bench can parse."""
import json
import sys


def read_command_line(usage):
    """The URL list and N; prints `usage` and exits 1 on anything else."""
    args = sys.argv[1:]
    try:
        n = int(args[-1]) if len(args) in (2, 3) else 0
        count = int(args[1]) if len(args) == 3 else 0
    except ValueError:
        n = 0
    if n <= 0 or (len(args) == 2 and args[0] != "-"):
        print(f"usage: {usage} (PREFIX COUNT | -) N", file=sys.stderr)
        sys.exit(1)
    if len(args) == 2:
        return [line.strip() for line in sys.stdin if line.strip()], n
    return [f"{args[0]}/{i}" for i in range(1, count + 1)], n


def print_line(**fields):
    """One JSON object on a line, flushed at once: a program that hangs later still shows it."""
    print(json.dumps(fields), flush=True)
