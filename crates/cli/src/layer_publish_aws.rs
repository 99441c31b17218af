//! The AWS side of `layer publish`: in each region, the newest version of the layer is
//! kept when it holds the same bytes and lists the same runtimes (so running it again
//! publishes nothing), else a new version is published. Regions are asked at once; one
//! failing does not stop the others.

use std::process::ExitCode;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, LayerVersionContentInput, Runtime};
use base64::Engine as _;
use lambda_profiling_macro::agent::SELF_BUILT_PYTHON_LAYER;
use lambda_profiling_switch::aws::failure::AwsFailure;
use lambda_profiling_switch::aws::repeated;
use sha2::{Digest, Sha256};

use crate::layer_zip::{LayerZip, description};
use crate::printable::printable;
use crate::session::{Session, block_on};

/// What happened in one region.
enum Outcome {
    Published,
    Unchanged,
}

/// What `layer publish` says: a line per region on stdout, and its exit code (2 when a
/// region failed or none was given).
#[derive(Debug)]
pub struct Report {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

pub(crate) fn publish_everywhere(regions: &[String], zip: &LayerZip, runtimes: &[String]) -> ExitCode {
    let report = match block_on(|session| async move { publish(&session, regions, zip, runtimes).await }) {
        Ok(report) => report,
        Err(why) => {
            eprintln!("{why}");
            return ExitCode::from(2);
        }
    };
    print!("{}", report.stdout);
    eprint!("{}", report.stderr);
    ExitCode::from(report.code)
}

/// Publishes the layer in `regions` (else the session's region), all at once.
pub async fn publish(session: &Session, regions: &[String], zip: &LayerZip, runtimes: &[String]) -> Report {
    let mut regions: Vec<String> = match regions.is_empty() {
        true => session.region().into_iter().collect(),
        false => regions.to_vec(),
    };
    // A region named twice would publish two versions at once.
    regions.sort();
    regions.dedup();
    if regions.is_empty() {
        let stderr = "no region to publish in: pass --region, or configure one (AWS_REGION)\n".into();
        return Report {
            stdout: String::new(),
            stderr,
            code: 2,
        };
    }
    let sha = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&zip.bytes));
    let asked = regions
        .iter()
        .map(|region| publish_in(session, region, zip, runtimes, &sha));
    let results = futures_util::future::join_all(asked).await;
    let (mut stdout, mut failed) = (String::new(), 0);
    for (region, result) in regions.iter().zip(results) {
        let region = printable(region);
        let line = match result {
            Ok((arn, Outcome::Published)) => format!("{region:<15} {}   published", printable(&arn)),
            Ok((arn, Outcome::Unchanged)) => {
                format!(
                    "{region:<15} {}   unchanged: the newest version holds this zip",
                    printable(&arn)
                )
            }
            Err(why) => {
                failed += 1;
                format!("{region:<15} not published: {}", printable(&why.to_string()))
            }
        };
        stdout.push_str(&line);
        stdout.push('\n');
    }
    let stderr = format!(
        "{SELF_BUILT_PYTHON_LAYER} (agent {}, from {}): set it as the transform parameter PythonLayerArn, and the \
         macro uses it for the Python runtimes no published agent layer serves\n",
        zip.agent,
        printable(&zip.path.display().to_string())
    );
    Report {
        stdout,
        stderr,
        code: if failed > 0 { 2 } else { 0 },
    }
}

async fn publish_in(
    session: &Session,
    region: &str,
    zip: &LayerZip,
    runtimes: &[String],
    sha: &str,
) -> Result<(String, Outcome), AwsFailure> {
    let lambda = session.lambda(region);
    if let Some(version) = newest_version(&lambda).await? {
        let got = lambda
            .get_layer_version()
            .layer_name(SELF_BUILT_PYTHON_LAYER)
            .version_number(version)
            .send()
            .await
            .map_err(|e| AwsFailure::of(&e))?;
        let same_bytes = got.content().and_then(|c| c.code_sha256()) == Some(sha);
        let mut listed: Vec<&str> = got.compatible_runtimes().iter().map(Runtime::as_str).collect();
        let mut wanted: Vec<&str> = runtimes.iter().map(String::as_str).collect();
        listed.sort_unstable();
        wanted.sort_unstable();
        if let (true, true, Some(arn)) = (same_bytes, listed == wanted, got.layer_version_arn()) {
            return Ok((arn.to_string(), Outcome::Unchanged));
        }
    }
    let content = LayerVersionContentInput::builder()
        .zip_file(Blob::new(zip.bytes.clone()))
        .build();
    let published = lambda
        .publish_layer_version()
        .layer_name(SELF_BUILT_PYTHON_LAYER)
        .description(description(zip))
        .content(content)
        .set_compatible_runtimes(Some(runtimes.iter().map(|r| Runtime::from(r.as_str())).collect()))
        .compatible_architectures(Architecture::X8664)
        .license_info("Apache-2.0")
        .send()
        .await
        .map_err(|e| AwsFailure::of(&e))?;
    let arn = match published.layer_version_arn() {
        Some(arn) => arn.to_string(),
        None => format!("{SELF_BUILT_PYTHON_LAYER}:{}", published.version()),
    };
    Ok((arn, Outcome::Published))
}

/// The highest version number of the layer in the account, every page read.
async fn newest_version(lambda: &aws_sdk_lambda::Client) -> Result<Option<i64>, AwsFailure> {
    let (mut newest, mut marker, mut previous) = (None, None::<String>, None);
    loop {
        let page = lambda
            .list_layer_versions()
            .layer_name(SELF_BUILT_PYTHON_LAYER)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| AwsFailure::of(&e))?;
        let versions = page.layer_versions().iter().map(|v| v.version());
        newest = versions.chain(newest).max();
        marker = page.next_marker().filter(|m| !m.is_empty()).map(str::to_owned);
        if marker.is_none() || repeated(&mut previous, marker.as_deref()) {
            return Ok(newest);
        }
    }
}
