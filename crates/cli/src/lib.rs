//! The `lambda-profiling` command line (contract §5): the macro, run on a workstation. It
//! answers the same macro request CloudFormation would send, through the same
//! dispatcher as the Lambda, and prints the fragment and a line per function. With the
//! `aws` feature, `status` reads an account's functions (see [`status`]), and `enable`
//! and `disable` toggle profiling on existing functions (see [`toggle`]). With `guard`,
//! `check` judges templates with the Guard rules (see [`check`]).

pub mod accounts;
pub mod cfn_yaml;
pub mod check;
pub mod layer_publish;
#[cfg(feature = "aws")]
pub mod layer_publish_aws;
mod layer_zip;
pub mod layers;
mod printable;
#[cfg(feature = "aws")]
pub mod session;
pub mod status;
pub mod toggle;
mod transform;
mod yaml_out;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use lambda_profiling_macro::agent::Published;
use lambda_profiling_macro::{FunctionReport, Lanes, MacroStatus, Options, Problems, answer_published};
use serde_json::{Map, Value, json};

/// What a command printed, and its exit code: the whole of a run but the process (`status`,
/// `enable` and `disable` return it; `main` writes it out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub stdout: String,
    /// Warnings, refusals, or why the command could not answer (progress goes elsewhere).
    pub stderr: String,
    pub code: u8,
}

/// `--version`: the version and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("LAMBDA_PROFILING_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "lambda-profiling",
    version = VERSION,
    about = "Turns on CodeGuru Profiler for Lambda functions in CloudFormation templates"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the LambdaProfiling macro on a template, offline, and prints the result.
    Expand(ExpandArgs),
    /// Prints the JSON Schema of `Profiling` and of the transform's Parameters, which
    /// the cfn-lint plugin checks templates against.
    Schema,
    /// Lists the functions of a region with whether CodeGuru Profiler is on (profiled,
    /// broken with each problem, off, unsupported); exits 1 when any is broken. Needs
    /// the `aws` feature.
    Status(status::StatusArgs),
    /// Turns CodeGuru Profiler on for existing functions, as the console's toggle does:
    /// the group, the agent layer and variables, the policy on the role. Needs the `aws` feature.
    Enable(toggle::EnableArgs),
    /// Takes back exactly what `enable` added. Needs the `aws` feature.
    Disable(toggle::DisableArgs),
    /// Prints the built-in table of agent layers per region; with --check, asks AWS what
    /// each region publishes and marks where the two disagree. Needs the `aws` feature for --check.
    Layers(layers::LayersArgs),
    /// The self-built agent layer: `layer publish` publishes it in your account, for the
    /// Python runtimes no published agent layer serves. Needs the `aws` feature.
    Layer(layer_publish::LayerArgs),
    /// Judges templates with the Guard rules that keep profiling on (guard/template),
    /// expanding those that declare the macro first; exits 1 when a rule fails, 2 when a
    /// template cannot be judged. Needs the `guard` feature.
    Check(check::CheckArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ErrorFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ExpandArgs {
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    #[arg(long, default_value = "123456789012")]
    pub account_id: String,
    /// A template parameter's value, as the stack would get it (repeatable).
    #[arg(long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,
    /// The transform's parameters as JSON, instead of those in the template's Transform section.
    #[arg(long, value_name = "JSON")]
    pub transform_parameters: Option<String>,
    /// The ServiceToken of added custom resources [default: a placeholder function ARN in the account].
    #[arg(long, value_name = "ARN")]
    pub service_token: Option<String>,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// How problems are printed on stderr: the macro's text, or JSON
    /// `{"problems": [{"path", "message"}]}` for tools (a linter plugin, say).
    #[arg(long, value_enum, default_value = "text")]
    pub error_format: ErrorFormat,
    /// One template for every region and account the agent serves (service-managed
    /// StackSets, nested stacks): no region or account written in, the agent layers from
    /// a Mappings table keyed by AWS::Region.
    /// Parameters have no value then (each stack may give its own): what the macro reads
    /// must be written literally.
    #[arg(long, conflicts_with_all = ["region", "account_id", "service_token", "parameters"])]
    pub any_region: bool,
    /// Ask AWS (with your credentials, the region's Lambda) which agent layer versions
    /// exist and which runtimes each serves, as the deployed macro does [default: the
    /// built-in table, unverified]. Needs the `aws` feature.
    #[arg(long, conflicts_with = "any_region")]
    pub resolve_layers: bool,
    /// The template (JSON or YAML), or - for standard input.
    pub template: PathBuf,
}

/// The processed template and one summary line per function.
#[derive(Debug)]
pub struct Expanded {
    pub template: Value,
    pub report: Vec<FunctionReport>,
    /// Said on stderr before the summary.
    pub notes: Vec<String>,
    /// Layer versions a function names that were taken without knowing that they exist
    /// (see [`lambda_profiling_macro::answer_published`]).
    pub unverified_layers: Vec<String>,
}

/// Why a template was not expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    /// The input cannot be read or run (YAML, `Transform`, `--parameter`, …).
    Input(String),
    /// The macro's problems: what it would answer as its `errorMessage`.
    Problems(Problems),
}

impl std::fmt::Display for ExpandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpandError::Input(message) => f.write_str(message),
            ExpandError::Problems(problems) => problems.fmt(f),
        }
    }
}

impl From<String> for ExpandError {
    fn from(message: String) -> Self {
        ExpandError::Input(message)
    }
}

impl ExpandError {
    /// `{"problems": [{"path", "message"}]}`; an input error has the path `""`.
    pub fn to_json(&self) -> Value {
        let problems: Vec<Value> = match self {
            ExpandError::Input(message) => vec![serde_json::json!({"path": "", "message": message})],
            ExpandError::Problems(p) => {
                p.0.iter()
                    .map(|p| serde_json::json!({"path": p.path, "message": p.message}))
                    .collect()
            }
        };
        serde_json::json!({ "problems": problems })
    }
}

/// Expands a template's text: what `lambda-profiling expand` does, without the I/O.
pub fn expand_text(text: &str, args: &ExpandArgs) -> Result<Expanded, ExpandError> {
    expand_document(cfn_yaml::parse_template(text).map_err(|e| e.to_string())?, args)
}

/// [`expand_text`] on a template already read into JSON.
pub fn expand_document(doc: Value, args: &ExpandArgs) -> Result<Expanded, ExpandError> {
    expand_document_in(doc, args, Lanes::Any)
}

/// [`expand_document`] with the macro's lanes chosen (tests hold the two to one answer).
pub fn expand_document_in(doc: Value, args: &ExpandArgs, lanes: Lanes) -> Result<Expanded, ExpandError> {
    expand_published(doc, args, lanes, &Published::default())
}

/// [`expand_document_in`] with what AWS publishes in the region (`--resolve-layers`).
pub fn expand_published(
    mut doc: Value,
    args: &ExpandArgs,
    lanes: Lanes,
    published: &Published,
) -> Result<Expanded, ExpandError> {
    let Value::Object(top) = &mut doc else {
        return Err(ExpandError::Input(
            "the template must be a mapping of sections (Resources, Parameters, …)".into(),
        ));
    };
    let transforms = transform::split(top.get("Transform"))?;
    let params = match &args.transform_parameters {
        Some(json) => Some(
            serde_json::from_str(json)
                .map_err(|e| ExpandError::Input(format!("--transform-parameters: {e}")))?,
        ),
        None => transforms.params.clone(),
    };
    // For any region, no value: each stack instance may give its own, so the macro may
    // rely on none (a Ref it must read is a problem, not a guess from the Default).
    let values = match args.any_region {
        true => Map::new(),
        false => transform::parameter_values(top.get("Parameters"), &args.parameters)?,
    };
    let mut notes = Vec::new();
    if !transforms.declared {
        notes.push(format!(
            "note: the template does not declare Transform: {}; expanding it anyway",
            transform::MACRO_NAME
        ));
    }
    // The fragment is the template without its Transform section, as CloudFormation sends it.
    let position = top.keys().position(|k| k == "Transform");
    top.shift_remove("Transform");
    // CloudFormation would have expanded these loops before the macro: this command does
    // not run AWS::LanguageExtensions, so it leaves them as they are, and says so.
    let loops = match transforms.loops_expanded_first {
        true => take_loops(top),
        false => Vec::new(),
    };
    if !loops.is_empty() {
        notes.push(format!(
            "note: {} runs before {} and expands the Fn::ForEach loops; this command does not run it, so \
             the loops are left as they are and their functions are not shown",
            transform::LANGUAGE_EXTENSIONS,
            transform::MACRO_NAME
        ));
    }
    let token = args.service_token.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:lambda:{}:{}:function:lambda-profiling",
            args.region, args.account_id
        )
    });
    let request = json!({
        "region": args.region, "accountId": args.account_id, "requestId": "lambda-profiling-cli",
        "transformId": format!("{}::{}", args.account_id, transform::MACRO_NAME),
        "params": params, "templateParameterValues": values, "fragment": doc,
    });
    let options = Options {
        lanes,
        report: true,
        any_region: args.any_region,
    };
    let answer = answer_published(&request.to_string(), &token, &options, published)
        .ok_or_else(|| ExpandError::Input("the template could not be made into a macro request".into()))?;
    if answer.status == MacroStatus::Failure {
        return Err(ExpandError::Problems(Problems(answer.problems)));
    }
    let mut response: Value = serde_json::from_slice(&answer.json).map_err(|e| e.to_string())?;
    let Value::Object(mut out) = response["fragment"].take() else {
        return Err(ExpandError::Input(
            "the macro answered a fragment that is not an object".into(),
        ));
    };
    if let Some(Value::Object(resources)) = out.get_mut("Resources") {
        for (at, key, value) in loops {
            resources.shift_insert(at.min(resources.len()), key, value);
        }
    }
    if args.any_region {
        notes.push(any_region_note(&out));
    }
    if let (Some(rest), Some(at)) = (transforms.rest, position) {
        out.shift_insert(at.min(out.len()), "Transform".into(), rest);
    }
    Ok(Expanded {
        template: Value::Object(out),
        report: answer.report,
        notes,
        unverified_layers: answer.unverified_layers,
    })
}

/// Why a template for any region may be refused where the same template for one is not.
const ANY_REGION_VALUES: &str = "note: a template for any region is expanded without parameter values, since \
     each stack may give its own: write literally what the macro reads (Profiling, ProfilingGroup, Runtime, \
     Layers, a role's ManagedPolicyArns)";

/// What a template for any region asks of where it is deployed.
fn any_region_note(out: &Map<String, Value>) -> String {
    let regions = lambda_profiling_macro::agent::any_regions().join(", ");
    let mut note = format!(
        "note: a template for any account and these regions: {regions}; expanded without parameter values \
         (each stack may give its own), so what the macro reads must be written literally"
    );
    if out
        .get("Parameters")
        .and_then(|p| p.get("LambdaProfilingMacroName"))
        .is_some()
    {
        note += "; its custom resources use the ServiceToken the macro stack exports as <macro \
                 name>:ServiceToken in each (the parameter LambdaProfilingMacroName, default \
                 LambdaProfiling), so that stack must be there first, and stay while they do";
    }
    note
}

/// Takes the `Fn::ForEach::…` entries out of `Resources`, with their places.
fn take_loops(top: &mut Map<String, Value>) -> Vec<(usize, String, Value)> {
    let Some(Value::Object(resources)) = top.get_mut("Resources") else {
        return Vec::new();
    };
    let keys: Vec<(usize, String)> = resources
        .keys()
        .enumerate()
        .filter(|(_, k)| k.starts_with("Fn::ForEach::"))
        .map(|(i, k)| (i, k.clone()))
        .collect();
    keys.into_iter()
        .filter_map(|(at, key)| resources.shift_remove(&key).map(|value| (at, key, value)))
        .collect()
}

pub fn render(template: &Value, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(template)? + "\n",
        Format::Yaml => yaml_out::to_yaml(template),
    })
}

impl ExpandArgs {
    /// The defaults of `lambda-profiling expand TEMPLATE`.
    pub fn new(template: impl Into<PathBuf>) -> Self {
        ExpandArgs {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            parameters: Vec::new(),
            transform_parameters: None,
            service_token: None,
            format: Format::Json,
            error_format: ErrorFormat::Text,
            any_region: false,
            resolve_layers: false,
            template: template.into(),
        }
    }
}

/// Runs the command line; the process's exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let args = match cli.command {
        Command::Expand(args) => args,
        Command::Schema => {
            print!("{}", lambda_profiling_macro::SCHEMA);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Status(args) => return Ok(status::run(&args)),
        Command::Enable(args) => return Ok(toggle::run(toggle::Toggle::Enable(&args))),
        Command::Disable(args) => return Ok(toggle::run(toggle::Toggle::Disable(&args))),
        Command::Check(args) => return Ok(check::run(&args)),
        Command::Layers(args) => return Ok(layers::run(&args)),
        Command::Layer(args) => return Ok(layer_publish::run(&args)),
    };
    let text = if args.template.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the template from standard input")?;
        s
    } else {
        std::fs::read_to_string(&args.template)
            .with_context(|| format!("reading {}", args.template.display()))?
    };
    let expanded = match args.resolve_layers {
        true => layers::expand_resolved(&text, &args),
        false => expand_text(&text, &args),
    };
    match expanded {
        Ok(expanded) => {
            print!("{}", render(&expanded.template, args.format)?);
            for note in &expanded.notes {
                eprintln!("{note}");
            }
            for line in &expanded.report {
                eprintln!("{line}");
            }
            if !args.resolve_layers && !args.any_region {
                eprintln!("{}", layers::UNVERIFIED);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            match args.error_format {
                ErrorFormat::Text => {
                    eprintln!("{e}");
                    if args.any_region && matches!(e, ExpandError::Problems(_)) {
                        eprintln!("{ANY_REGION_VALUES}");
                    }
                }
                ErrorFormat::Json => eprintln!("{}", e.to_json()),
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
#[path = "lib_tests.rs"]
mod tests;
