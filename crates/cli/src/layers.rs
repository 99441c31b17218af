//! `lambda-profiling layers` (the built-in table of agent layers, and `--check` against
//! what AWS publishes) and `expand --resolve-layers` (the macro with what AWS publishes,
//! as the deployed macro expands). Asking AWS needs the `aws` feature; the table does not.

use std::process::ExitCode;

use lambda_profiling_macro::agent::{self, Family, Published};

#[cfg(not(feature = "aws"))]
use crate::{ExpandArgs, ExpandError, Expanded};

/// Said after an expansion from the built-in table.
pub(crate) const UNVERIFIED: &str = "note: the agent layers come from the built-in table and were not verified with AWS; \
     --resolve-layers asks AWS which versions the region publishes, as the deployed macro does";

#[derive(Debug, Clone, clap::Args)]
pub struct LayersArgs {
    /// The regions (repeatable) [default: every region where the agent layers are published].
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Ask AWS what each region publishes (versions, and the runtimes each lists), and mark
    /// where the built-in table disagrees; exits 1 where it does, 2 where AWS could not be
    /// asked. Needs the `aws` feature.
    #[arg(long)]
    pub check: bool,
}

/// Runtimes the table is read for: each family's, oldest to newest.
const RUNTIMES: &[(Family, &[&str])] = &[
    (
        Family::Python,
        &[
            "python3.8",
            "python3.9",
            "python3.10",
            "python3.11",
            "python3.12",
            "python3.13",
            "python3.14",
        ],
    ),
    (
        Family::Java,
        &["java8.al2", "java11", "java17", "java21", "java25"],
    ),
];

impl LayersArgs {
    fn regions(&self) -> Vec<String> {
        match self.regions.is_empty() {
            true => agent::LAYER_REGIONS.iter().map(|r| r.to_string()).collect(),
            false => self.regions.clone(),
        }
    }
}

/// One line per region, family and runtime: the layer the built-in table gives, and with
/// `published`, the one AWS's catalog gives, marked where they differ. The number of
/// lines that differ.
pub fn table(regions: &[String], published: Option<&Published>) -> (String, usize) {
    let mut out = String::new();
    let mut differ = 0;
    for region in regions {
        for (family, runtimes) in RUNTIMES {
            for runtime in *runtimes {
                let built_in = built_in(*family, runtime, region);
                let line = match published.and_then(|p| p.newest(*family, region, &[runtime])) {
                    None => format!("{region:<15} {runtime:<11} {built_in}"),
                    Some(found) => {
                        let aws = match found {
                            Ok(v) => format!("version {v}"),
                            Err(_) => "none".into(),
                        };
                        let same = found.ok() == built_in_version(*family, runtime, region);
                        differ += usize::from(!same);
                        let mark = if same { "" } else { "   <- differs" };
                        format!("{region:<15} {runtime:<11} {built_in:<14} AWS: {aws}{mark}")
                    }
                };
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    (out, differ)
}

fn built_in_version(family: Family, runtime: &str, region: &str) -> Option<u32> {
    family
        .default_layer_version(runtime)
        .filter(|&v| family.layer_arn(region, v).is_some())
}

fn built_in(family: Family, runtime: &str, region: &str) -> String {
    match built_in_version(family, runtime, region) {
        Some(v) => format!("version {v}"),
        None => "none".into(),
    }
}

pub fn run(args: &LayersArgs) -> ExitCode {
    if !args.check {
        let (text, _) = table(&args.regions(), None);
        print!("{text}");
        return ExitCode::SUCCESS;
    }
    run_check(args)
}

#[cfg(not(feature = "aws"))]
fn run_check(_: &LayersArgs) -> ExitCode {
    eprintln!("{NO_AWS}");
    ExitCode::from(2)
}

#[cfg(not(feature = "aws"))]
pub fn expand_resolved(_: &str, _: &ExpandArgs) -> Result<Expanded, ExpandError> {
    Err(ExpandError::Input(NO_AWS.into()))
}

#[cfg(not(feature = "aws"))]
const NO_AWS: &str = "asking AWS about layers needs the command line's aws feature: \
     cargo install --path crates/cli --features aws";

#[cfg(feature = "aws")]
pub use with_aws::expand_resolved;
#[cfg(feature = "aws")]
use with_aws::run_check;

#[cfg(feature = "aws")]
mod with_aws {
    use std::process::ExitCode;
    use std::time::Duration;

    use lambda_profiling_macro::agent::Family;
    use lambda_profiling_switch::layers::{LayerResolver, Resolution};

    use super::{LayersArgs, table};
    use crate::printable::printable;
    use crate::session::{Session, block_on};
    use crate::{ExpandArgs, ExpandError, Expanded, cfn_yaml, expand_published};

    /// The longest one resolution waits: longer than the Lambda's, a person is waiting.
    const BUDGET: Duration = Duration::from_secs(20);

    async fn resolve(session: &Session, region: &str, arns: &[String]) -> Resolution {
        let resolver = LayerResolver::new(session.lambda(region));
        let families = [Family::Python, Family::Java];
        resolver.resolve(region, &families, arns, BUDGET).await
    }

    /// What could not be asked, in our words: what, and the failure's code.
    fn failures(resolution: &Resolution) -> Vec<String> {
        let failures = resolution.failures.iter();
        failures
            .map(|(what, why)| {
                let (what, why) = (printable(what), printable(&why.to_string()));
                format!("note: the agent layers of {what} could not be verified with AWS ({why})")
            })
            .collect()
    }

    pub fn run_check(args: &LayersArgs) -> ExitCode {
        let regions = args.regions();
        let run = |session: Session| async move {
            let mut published = lambda_profiling_macro::agent::Published::default();
            let mut notes = Vec::new();
            let asked = regions.iter().map(|region| resolve(&session, region, &[]));
            for found in futures_util::future::join_all(asked).await {
                notes.extend(failures(&found));
                published.merge(found.published);
            }
            (table(&regions, Some(&published)), notes)
        };
        match block_on(run) {
            Ok(((text, differ), notes)) => {
                print!("{text}");
                for note in &notes {
                    eprintln!("{note}");
                }
                let code = if !notes.is_empty() {
                    2
                } else {
                    u8::from(differ > 0)
                };
                ExitCode::from(code)
            }
            Err(why) => {
                eprintln!("{why}");
                ExitCode::from(2)
            }
        }
    }

    /// `expand --resolve-layers`: the layers of the region asked for, then a function's
    /// pinned versions, as the deployed macro does.
    pub fn expand_resolved(text: &str, args: &ExpandArgs) -> Result<Expanded, ExpandError> {
        let doc = cfn_yaml::parse_template(text).map_err(|e| ExpandError::Input(e.to_string()))?;
        let lanes = lambda_profiling_macro::Lanes::Any;
        let run = |session: Session| async move {
            let first = resolve(&session, &args.region, &[]).await;
            let mut expanded = expand_published(doc.clone(), args, lanes, &first.published)?;
            let mut notes = failures(&first);
            if !expanded.unverified_layers.is_empty() {
                let second = resolve(&session, &args.region, &expanded.unverified_layers).await;
                notes.extend(failures(&second));
                expanded = expand_published(doc, args, lanes, &second.published)?;
            }
            expanded.notes.extend(notes);
            Ok(expanded)
        };
        block_on(run).map_err(ExpandError::Input)?
    }
}

#[cfg(test)]
mod tests {
    use lambda_profiling_macro::agent::{Family, Published};

    use super::table;

    #[test]
    fn the_table_marks_where_aws_disagrees_with_it() {
        let regions = vec!["eu-west-1".to_string()];
        let (plain, _) = table(&regions, None);
        assert!(
            plain.contains("eu-west-1       python3.12  version 13"),
            "{plain}"
        );
        assert!(plain.contains("python3.14  none"), "{plain}");

        let mut p = Published::default();
        for (v, listed) in [
            (11, "python3.9"),
            (12, "python3.9"),
            (13, "python3.12"),
            (14, "python3.14"),
        ] {
            p.insert(
                Family::Python.layer_arn("eu-west-1", v).unwrap(),
                Some(vec![listed.into()]),
            );
        }
        p.mark_complete(Family::Python, "eu-west-1", 11..=20);
        let (checked, differ) = table(&regions, Some(&p));
        let line = |runtime: &str| {
            let line = checked.lines().find(|l| l.contains(&format!(" {runtime} ")));
            line.unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            line("python3.9"),
            "eu-west-1 python3.9 version 11 AWS: version 13 <- differs"
        );
        assert_eq!(
            line("python3.12"),
            "eu-west-1 python3.12 version 13 AWS: version 13"
        );
        assert_eq!(
            line("python3.14"),
            "eu-west-1 python3.14 none AWS: version 14 <- differs"
        );
        assert_eq!(differ, 3, "python3.8, 3.9 and 3.14 differ: {checked}");
    }
}
