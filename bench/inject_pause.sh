#!/bin/sh
# How long a target is stopped per injection (livetune vs gdb), measured inside the target.
# Needs the executor jar (make build), gcc, and gdb for the comparison. See inject_pause.py.
exec python3 "$(dirname "$0")/inject_pause.py" "$@"
