#!/bin/bash
# Stands for /var/runtime/bootstrap of Lambda's python3.N runtime, which Lambda runs
# to start the runtime: without AWS_LAMBDA_EXEC_WRAPPER it execs the interpreter on
# the runtime's bootstrap.py; with it, it execs the wrapper with that command line as
# its arguments (the wrapper must exist and be executable, or the runtime fails to
# start). tests/agent/python.rs fills in the @...@ parts for each interpreter.
export AWS_EXECUTION_ENV=AWS_Lambda_python@VERSION@

if [ -z "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
  exec '@PYTHON@' '@BOOTSTRAP_PY@'
else
  wrapper="$AWS_LAMBDA_EXEC_WRAPPER"
  if [ ! -f "$wrapper" ]; then
    echo "$wrapper: does not exist"
    exit 127
  fi
  if [ ! -x "$wrapper" ]; then
    echo "$wrapper: is not an executable"
    exit 126
  fi
  exec -- "$wrapper" '@PYTHON@' '@BOOTSTRAP_PY@'
fi
