"""The plugin's cfn-lint rules. cfn-lint reserves 9xxx for users' rules; this plugin
takes the E95xx/I95xx block (cfn-lint's own categories stop at 8, and the best-known
rule packs use E90xx-E98xx for their categories 0-8, but none uses 5 under 9).
The README lists each id."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from . import analysis


class _Rule(CloudFormationLintRule):
    """Reports one kind of the template's findings at the lines they name."""

    finding = ""
    source_url = ""  # documented in the package's README.md, section Rules
    tags = ["resources", "lambda", "lambda-profiling"]

    def initialize(self, cfn) -> None:
        # Before any rule matches: takes Profiling out of what cfn-lint's own rules see.
        analysis.of(cfn)

    def match(self, cfn):
        return [
            RuleMatch(list(path), message, location=location)
            for _, path, message, location in analysis.of(cfn).of_rule(self.finding)
        ]


class ProfilingValue(_Rule):
    id = "E9501"
    shortdesc = "Profiling is true, false, a Ref, or an object of known options"
    description = (
        "Checks each function's Profiling and SAM's Globals.Function.Profiling against the "
        "macro's schema: unknown keys (with the nearest known one), types, exclusive keys"
    )
    finding = analysis.SCHEMA


class TransformParameters(_Rule):
    id = "E9502"
    shortdesc = "The LambdaProfiling transform's Parameters are known and well typed"
    description = "Checks Transform: [{Name: LambdaProfiling, Parameters: ...}] against the macro's schema"
    finding = analysis.PARAMETERS


class ProfilingWithoutTransform(_Rule):
    id = "E9503"
    shortdesc = "Profiling needs Transform: LambdaProfiling"
    description = (
        "A function's Profiling is read only by the LambdaProfiling macro; "
        "without it CloudFormation rejects the property"
    )
    finding = analysis.NO_TRANSFORM


class TransformOrder(_Rule):
    id = "E9504"
    shortdesc = "LambdaProfiling is listed before AWS::Serverless-2016-10-31"
    description = "SAM runs after the transforms listed before it and rejects the Profiling property"
    finding = analysis.ORDER


class MacroProblem(_Rule):
    id = "E9505"
    shortdesc = "The LambdaProfiling macro would reject the template"
    description = (
        "Runs the macro offline (the lambda-profiling CLI) and reports each problem it would "
        "answer at deploy time, at the line of the path it names"
    )
    finding = analysis.MACRO


class ForEachBeforeExpansion(_Rule):
    id = "E9506"
    shortdesc = (
        "AWS::LanguageExtensions is listed before LambdaProfiling when a loop holds a profiled function"
    )
    description = "The macro sees Fn::ForEach loops unexpanded unless AWS::LanguageExtensions runs first"
    finding = analysis.FOR_EACH


class CliMissing(_Rule):
    # A warning, not a note: cfn-lint hides notes unless asked, and a lint that passes
    # without the macro's checks must not pass in silence.
    id = "W9501"
    shortdesc = "The lambda-profiling CLI was not found, so the macro's own checks were skipped"
    description = (
        "Set LAMBDA_PROFILING_CLI or put lambda-profiling on PATH (or LAMBDA_PROFILING_CLI=off to "
        "choose the schema checks alone); said at the first line of every template"
    )
    finding = analysis.NO_CLI


class ParameterWithoutValue(_Rule):
    id = "I9502"
    shortdesc = "A check of the macro waits for a parameter's deploy-time value"
    description = "A parameter without a Default that the macro needs is given its value only at deploy time"
    finding = analysis.NO_VALUE
