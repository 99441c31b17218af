//! What a release publishes, built by the scripts the release workflow runs
//! (`.github/workflows/release.yml`): the template `scripts/render-template` makes from
//! `macro-template.yaml` and a zip holds the zip's URL and SHA-256 in its `ReleaseCode`
//! mapping (not as parameter defaults, which an update keeps from before), every parameter
//! has a default, so it deploys as it is; nothing else of it changes, and cfn-lint finds no
//! error in it in several regions. The wheel is `scripts/check-wheel`'s
//! (run by CI: it builds the command line in release).

mod toolbox;

use std::process::Command;

use lambda_profiling_cli::cfn_yaml::parse_template;

const URL: &str = "https://github.com/example/lambda-profiling/releases/download/v1.2.3/bootstrap.zip";

fn render(zip: &std::path::Path, url: &str, version: &str) -> std::process::Output {
    Command::new(toolbox::repo().join("scripts/render-template"))
        .arg(zip)
        .args([url, version])
        .output()
        .expect("render-template runs")
}

#[test]
fn the_release_template_deploys_as_it_is_with_its_own_code() {
    let dir = std::env::temp_dir().join(format!("release-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zip = dir.join("bootstrap.zip");
    std::fs::write(&zip, b"PK\x03\x04 a release's zip").unwrap();
    let out = render(&zip, URL, "1.2.3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rendered = String::from_utf8(out.stdout).unwrap();
    let template = parse_template(&rendered).unwrap();
    let parameters = template["Parameters"].as_object().unwrap();
    let code = &template["Mappings"]["ReleaseCode"]["Code"];
    assert_eq!(code["Url"], URL);
    assert_eq!(code["Sha256"], sha256_of(&zip).as_str());
    assert_eq!(
        parameters["CodeUrl"]["Default"], "",
        "CodeUrl overrides the release's own"
    );
    let without: Vec<&String> = parameters
        .keys()
        .filter(|k| parameters[*k].get("Default").is_none())
        .collect();
    assert!(without.is_empty(), "parameters without a default: {without:?}");
    assert!(
        template["Description"]
            .as_str()
            .unwrap()
            .starts_with("lambda-profiling 1.2.3: ")
    );
    // Nothing else changes: the same lines but the three.
    let source = std::fs::read_to_string(toolbox::repo().join("macro-template.yaml")).unwrap();
    let changed = source
        .lines()
        .zip(rendered.lines())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!((changed, source.lines().count()), (3, rendered.lines().count()));

    let file = dir.join("macro-template-v1.2.3.yaml");
    std::fs::write(&file, &rendered).unwrap();
    let regions = ["us-east-1", "eu-west-1", "ap-northeast-1"];
    if let Some(errors) = toolbox::cfn_lint_errors_in(&[file], &regions) {
        assert!(errors.is_empty(), "cfn-lint:\n{}", errors.join("\n"));
    }

    // A URL with a quote or a backslash stays what it was (YAML reads JSON's escapes).
    let odd = "https://example.com/a\"b\\x41.zip";
    let out = render(&zip, odd, "1.2.3");
    let template = parse_template(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!(template["Mappings"]["ReleaseCode"]["Code"]["Url"], odd);
    // What would publish a template that cannot work is refused.
    for (url, version) in [
        ("http://example.com/bootstrap.zip", "1.2.3"),
        (URL, "v1.2"),
        (URL, "latest"),
    ] {
        let out = render(&zip, url, version);
        assert!(!out.status.success(), "{url} {version} was rendered");
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn sha256_of(path: &std::path::Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum runs");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// `--version` says the version and the commit it was built from, as a release's wheel
/// and zip are named by them.
#[test]
fn the_version_names_its_commit() {
    let version = lambda_profiling_cli::VERSION;
    let (number, commit) = version.split_once(" (commit ").expect("a commit");
    assert_eq!(number, env!("CARGO_PKG_VERSION"));
    let commit = commit.strip_suffix(')').unwrap();
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(toolbox::repo())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        // Built from a clone: its HEAD (this test binary is rebuilt when HEAD moves).
        Some(head) => assert_eq!(commit, head),
        None => assert_eq!(commit, "unknown"),
    }
}

/// The release workflow runs the scripts CI runs: each it names exists and is executable,
/// and it releases only from a tag of a semantic version.
#[test]
fn the_release_workflow_runs_the_scripts_ci_runs() {
    let text = std::fs::read_to_string(toolbox::repo().join(".github/workflows/release.yml")).unwrap();
    let workflow = parse_template(&text).unwrap();
    assert_eq!(workflow["on"]["push"]["tags"][0], "v[0-9]+.[0-9]+.[0-9]+*");
    let ci = std::fs::read_to_string(toolbox::repo().join(".ci/run")).unwrap();
    let mut named = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        if let Some(script) = word.strip_prefix("scripts/") {
            named.push(
                script
                    .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '-')
                    .to_string(),
            );
        }
    }
    named.sort();
    named.dedup();
    assert_eq!(
        named,
        [
            "build-agent-layer",
            "check-artifact",
            "check-wheel",
            "render-template"
        ]
    );
    for script in &named {
        let path = toolbox::repo().join("scripts").join(script);
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
        assert!(mode & 0o111 != 0, "scripts/{script} is not executable");
        assert!(
            ci.contains(&format!("scripts/{script}")),
            "CI does not run scripts/{script}"
        );
    }
}
