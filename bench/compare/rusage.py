# Usage: python3 rusage.py OUT.json -- COMMAND [ARGS...]
# Runs COMMAND and writes the CPU time (user, system) and peak RSS of that process, threads and waited-for
# children included, as the kernel accounted them (wait4's rusage): the same yardstick for a JVM, a C program
# and Node, with no sampling. Exits with COMMAND's exit code.
import json
import os
import sys
import time

out = sys.argv[1]
command = sys.argv[3:] if sys.argv[2] == "--" else sys.argv[2:]
started = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(out, "w") as f:
    json.dump(
        {
            "userSeconds": usage.ru_utime,
            "systemSeconds": usage.ru_stime,
            "peakRssKiB": usage.ru_maxrss,
            "wallSeconds": time.monotonic() - started,
        },
        f,
    )
sys.exit(os.waitstatus_to_exitcode(status))
