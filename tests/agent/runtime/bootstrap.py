"""Stands for /var/runtime/bootstrap.py of Lambda's Python runtimes: it starts the
runtime interface client (awslambdaric, which Lambda's runtimes are built on) on the
handler named by _HANDLER, in the function's directory, with the import path Lambda
documents for python3.N: the function's code, the layers' two paths under /opt, then
the runtime's own packages (awslambdaric, boto3), then the standard library.

_HANDLER is read here, after any exec wrapper ran: that is how a wrapper such as the
CodeGuru Profiler agent's can put its own handler in front of the function's.
"""
import os
import sys


def main():
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    # Only where /opt cannot be made real (no private mount namespace): the directory
    # standing for it. Never set when the layers are mounted at /opt.
    opt = os.environ.pop("LAMBDA_PROFILING_SUITE_OPT", "/opt")
    runtime_packages = os.environ.pop("LAMBDA_PROFILING_SUITE_RUNTIME_PACKAGES")
    version = "python%d.%d" % sys.version_info[:2]
    del sys.path[0]  # this script's directory
    sys.path[0:0] = [
        task_root,
        os.path.join(opt, "python", "lib", version, "site-packages"),
        os.path.join(opt, "python"),
        runtime_packages,
    ]
    os.chdir(task_root)
    from awslambdaric import __main__ as ric

    ric.main([sys.argv[0], os.environ["_HANDLER"]])


if __name__ == "__main__":
    main()
