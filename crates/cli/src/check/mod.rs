//! `lambda-profiling check`: the Guard rules of `guard/template`, run in-process on what
//! the stack would deploy. A template that declares `Transform: LambdaProfiling` is
//! expanded first, as `expand` would; any other template (an expansion, a hand-written
//! one) is judged as it is. A pipeline gets the verdict from the tool it already has,
//! without installing cfn-guard.
//!
//! The arguments and the report are always built and unit-tested; judging needs the
//! `guard` feature (the cfn-guard library).

#[cfg(feature = "guard")]
mod judge;
mod report;

#[cfg(feature = "guard")]
pub use judge::{JudgeError, TEMPLATE_RULES, judge};
pub use report::{Judged, Verdict, Violation, exit_code};

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use crate::{ExpandArgs, Printed, cfn_yaml, expand_document, transform};

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// The templates (JSON or YAML), or - for standard input.
    #[arg(required = true, value_name = "TEMPLATE")]
    pub templates: Vec<PathBuf>,
    /// Fail a function that opted out (`Profiling: false`) as well.
    #[arg(long)]
    pub refuse_opt_outs: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// The region a template is expanded for.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    #[arg(long, default_value = "123456789012")]
    pub account_id: String,
    /// A template parameter's value, as the stack would get it (repeatable).
    #[arg(long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,
}

impl CheckArgs {
    /// The defaults of `lambda-profiling check TEMPLATE...`.
    pub fn new(templates: Vec<PathBuf>) -> Self {
        CheckArgs {
            templates,
            refuse_opt_outs: false,
            format: CheckFormat::Text,
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            parameters: Vec::new(),
        }
    }

    fn expand_args(&self, template: &Path) -> ExpandArgs {
        let mut args = ExpandArgs::new(template);
        args.region = self.region.clone();
        args.account_id = self.account_id.clone();
        args.parameters = self.parameters.clone();
        args
    }
}

pub const NO_GUARD: &str = "check needs the CLI's guard feature: \
     cargo install --path crates/cli --features guard (with aws for status, enable and disable)";

pub fn run(args: &CheckArgs) -> ExitCode {
    let printed = execute(args);
    print!("{}", printed.stdout);
    eprint!("{}", printed.stderr);
    ExitCode::from(printed.code)
}

/// The whole of `lambda-profiling check` but the process.
pub fn execute(args: &CheckArgs) -> Printed {
    if cfg!(not(feature = "guard")) {
        return Printed {
            stdout: String::new(),
            stderr: format!("{NO_GUARD}\n"),
            code: 2,
        };
    }
    let judged: Vec<Judged> = args.templates.iter().map(|t| check_one(args, t)).collect();
    let stdout = match args.format {
        CheckFormat::Text => report::text(&judged),
        CheckFormat::Json => format!("{:#}\n", report::json(&judged)),
    };
    Printed {
        stdout,
        stderr: String::new(),
        code: exit_code(&judged),
    }
}

/// One template: read, expanded where it declares the macro, judged.
fn check_one(args: &CheckArgs, path: &Path) -> Judged {
    let mut judged = Judged {
        template: path.display().to_string(),
        expanded: false,
        verdict: Verdict::Pass,
    };
    judged.verdict = match deployed(args, path, &mut judged.expanded) {
        Ok(template) => verdict_on(&template, args.refuse_opt_outs),
        Err(why) => Verdict::Error(why),
    };
    judged
}

/// The template as the stack would deploy it: the macro's expansion where it is declared.
fn deployed(args: &CheckArgs, path: &Path, expanded: &mut bool) -> Result<Value, String> {
    let text = read(path)?;
    let doc = cfn_yaml::parse_template(&text).map_err(|e| e.to_string())?;
    if !transform::split(doc.get("Transform"))?.declared {
        return Ok(doc);
    }
    *expanded = true;
    let out =
        expand_document(doc, &args.expand_args(path)).map_err(|e| format!("the macro refuses it: {e}"))?;
    Ok(out.template)
}

fn read(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("reading standard input: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))
}

#[cfg(feature = "guard")]
fn verdict_on(template: &Value, refuse_opt_outs: bool) -> Verdict {
    match judge(template, refuse_opt_outs) {
        Ok(v) if v.is_empty() => Verdict::Pass,
        Ok(v) => Verdict::Fail(v),
        Err(e) => Verdict::Error(e.to_string()),
    }
}

#[cfg(not(feature = "guard"))]
fn verdict_on(_: &Value, _: bool) -> Verdict {
    Verdict::Error(NO_GUARD.into())
}
