"""cfn-lint rules for templates that use the LambdaProfiling macro.

Enable with `cfn-lint --append-rules cfn_lint_lambda_profiling` or `append_rules:` in
.cfnlintrc. cfn-lint instantiates every rule class this module exposes.
"""

__version__ = "0.1.0"

from .rules import (
    CliMissing,
    ForEachBeforeExpansion,
    MacroProblem,
    ParameterWithoutValue,
    ProfilingValue,
    ProfilingWithoutTransform,
    TransformOrder,
    TransformParameters,
)

__all__ = [
    "CliMissing",
    "ForEachBeforeExpansion",
    "MacroProblem",
    "ParameterWithoutValue",
    "ProfilingValue",
    "ProfilingWithoutTransform",
    "TransformOrder",
    "TransformParameters",
]
