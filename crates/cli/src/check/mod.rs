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

use crate::{ExpandArgs, ExpandError, Printed, cfn_yaml, expand_document, transform};

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
    use std::io::Write;

    let printed = execute(args);
    // A reader that stops early (`| head`) ends the output, not the verdict.
    let _ = std::io::stdout().lock().write_all(printed.stdout.as_bytes());
    let _ = std::io::stderr().lock().write_all(printed.stderr.as_bytes());
    ExitCode::from(printed.code)
}

/// The whole of `lambda-profiling check` but the process.
pub fn execute(args: &CheckArgs) -> Printed {
    let refuse = |why: &str| Printed {
        stdout: String::new(),
        stderr: format!("{why}\n"),
        code: 2,
    };
    if cfg!(not(feature = "guard")) {
        return refuse(NO_GUARD);
    }
    if args.templates.iter().filter(|t| t.as_os_str() == "-").count() > 1 {
        return refuse("standard input can be read once: name - at most once");
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
        notes: Vec::new(),
    };
    judged.verdict = match deployed(args, path, &mut judged) {
        Ok(template) => verdict_on(&template, args.refuse_opt_outs),
        Err(why) => Verdict::Error(why),
    };
    judged
}

/// Said when a template cannot be judged: where, never what (the text may be a secret's).
const SEE_EXPAND: &str = "`lambda-profiling expand` on it says why";

/// The template as the stack would deploy it: the macro's expansion where it is declared.
fn deployed(args: &CheckArgs, path: &Path, judged: &mut Judged) -> Result<Value, String> {
    let text = read(path)?;
    let doc = cfn_yaml::parse_template(&text).map_err(|e| match e.location() {
        Some((line, column)) => {
            format!("cannot be read as JSON or YAML at line {line}, column {column}; {SEE_EXPAND}")
        }
        None => format!("cannot be read as a template; {SEE_EXPAND}"),
    })?;
    if !doc.get("Resources").is_some_and(Value::is_object) {
        return Err("is not a CloudFormation template: it has no Resources mapping".into());
    }
    let transforms = transform::split(doc.get("Transform"))
        .map_err(|_| format!("its Transform section is refused; {SEE_EXPAND}"))?;
    if !transforms.declared {
        return Ok(doc);
    }
    judged.expanded = true;
    match expand_document(doc, &args.expand_args(path)) {
        Ok(out) => {
            judged.notes = out.notes;
            Ok(out.template)
        }
        Err(ExpandError::Problems(problems)) => {
            let at: Vec<&str> = problems.0.iter().map(|p| p.path.as_str()).collect();
            Err(format!(
                "the macro refuses it, at {}; {SEE_EXPAND}",
                at.join(", ")
            ))
        }
        Err(ExpandError::Input(_)) => Err(format!("the macro cannot run on it; {SEE_EXPAND}")),
    }
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
