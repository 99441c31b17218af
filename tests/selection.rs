//! `enable --all` and `disable --all` against moto (Lambda, IAM, DynamoDB with the
//! references' table) and the CodeGuru Profiler fake, driven as the binary runs them. The
//! loopback front adds what moto lacks: the Tagging API's `GetResources` for Lambda
//! functions (`--tag`) and Lambda's pages of 50 (the listing). Other tests' functions share
//! the region, so every selection here is narrowed by `--match` to this test's prefix.

mod support;

use lambda_profiling_cli::toggle::{self, Printed, Selection, Toggle, ToggleFormat};
use serde_json::Value;
use support::*;

fn selection(prefix: &str, tags: &[&str], exclude: &[&str]) -> Selection {
    Selection {
        all: true,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        name_match: Some(format!("^{prefix}-")),
        runtimes: Vec::new(),
        exclude: exclude.iter().map(|e| e.to_string()).collect(),
    }
}

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

/// Runs a selection as a pipeline would: no terminal to ask.
async fn run(s: &Servers, toggle: Toggle<'_>) -> Printed {
    let session = status_session(s, &unique("sel"), REGION).await;
    let out = toggle::execute_with(toggle, &session, false).await;
    eprintln!("{}{}", out.stdout, out.stderr);
    out
}

#[tokio::test]
async fn a_selection_plans_asks_acts_on_what_is_off_and_undoes_only_its_own() {
    let Some(s) = servers() else { return };
    let setup = status_session(s, &unique("sel-setup"), REGION).await;
    let (lambda, iam) = (setup.lambda(REGION), setup.iam(REGION));
    let role_name = unique("sel-role");
    let role_arn = role(&iam, &role_name, false).await;
    let layer = publish(&lambda, PY_LAYER).await;
    let p = unique("sel");
    let name = |n: &str| format!("{p}-{n}");
    // (name, runtime, tags, profiled by hand)
    let fleet = [
        ("orders", "python3.12", vec![("team", "payments")], false),
        (
            "ledger",
            "python3.12",
            vec![("team", "payments"), ("env", "prod")],
            false,
        ),
        ("shop", "python3.12", vec![("team", "shop")], false),
        ("node", "nodejs22.x", vec![("team", "payments")], false),
        ("hand", "python3.12", vec![("team", "payments")], true),
        ("legacy", "python3.12", vec![("team", "payments")], false),
    ];
    for (n, runtime, tags, by_hand) in &fleet {
        let mut spec = Spec::new(&name(n), &role_arn);
        spec.runtime = runtime.to_string();
        if *by_hand {
            spec.layers = vec![layer.clone()];
            spec = spec
                .var("AWS_CODEGURU_PROFILER_GROUP_NAME", "by-hand")
                .var("AWS_LAMBDA_EXEC_WRAPPER", "/opt/codeguru_profiler_lambda_exec");
        }
        let arn = create(&lambda, &spec).await;
        let mut tagging = lambda.tag_resource().resource(arn);
        for (k, v) in tags {
            tagging = tagging.tags(*k, *v);
        }
        tagging.send().await.unwrap();
    }
    let mut before = std::collections::BTreeMap::new();
    for (n, ..) in &fleet {
        before.insert(*n, configuration(s, &name(n)).await);
    }
    let excluded = name("legacy");
    let enable = |dry_run: bool, yes: bool, tags: &[&str]| {
        let mut args = enable_args(&[], &layer, dry_run);
        args.selection = selection(&p, tags, &[excluded.as_str()]);
        args.common.yes = yes;
        args
    };

    // Two tags must both hold: only the ledger.
    let both = run(
        s,
        Toggle::Enable(&enable(true, false, &["team=payments", "env=prod"])),
    )
    .await;
    assert_eq!(both.code, 0, "{}", both.stderr);
    assert!(
        both.stdout.contains(&format!("enable {}", name("ledger"))),
        "{}",
        both.stdout
    );
    assert!(!both.stdout.contains(&name("orders")), "{}", both.stdout);

    // The plan: what is off is planned; unsupported, set up by hand, excluded and other
    // teams' functions are not; nothing changes.
    let plan = run(s, Toggle::Enable(&enable(true, false, &["team=payments"]))).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for said in [
        format!("enable {} (", name("orders")),
        format!("enable {} (", name("ledger")),
        format!("would add layer {layer}"),
        format!("skip {} ({}): unsupported: ", name("node"), arn(&name("node"))),
        format!(
            "skip {} ({}): profiling is set up on it already",
            name("hand"),
            arn(&name("hand"))
        ),
        "enable --all: 2 planned, 0 changed, 0 unchanged, 2 skipped, 0 failed".into(),
    ] {
        assert!(
            plan.stdout.contains(&said),
            "the plan lacks {said:?}:\n{}",
            plan.stdout
        );
    }
    for absent in [name("shop"), name("legacy")] {
        assert!(
            !plan.stdout.contains(&absent),
            "{absent} is selected:\n{}",
            plan.stdout
        );
    }

    // Without --yes and without a terminal: the plan, and nothing changed.
    let refused = run(s, Toggle::Enable(&enable(false, false, &["team=payments"]))).await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    for (n, ..) in &fleet {
        assert_eq!(
            configuration(s, &name(n)).await,
            before[n],
            "{n} changed without a yes"
        );
    }

    let on = run(s, Toggle::Enable(&enable(false, true, &["team=payments"]))).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    assert!(
        on.stdout.contains("enable --all: 0 planned, 2 changed"),
        "{}",
        on.stdout
    );
    for n in ["orders", "ledger"] {
        assert_eq!(status_of(s, &name(n)).await.0, "profiled", "{n}");
    }
    for n in ["shop", "node", "hand", "legacy"] {
        assert_eq!(
            configuration(s, &name(n)).await,
            before[n],
            "{n} is not the selection's"
        );
    }

    // --upgrade over the selection takes what carries the agent; it moves only what enable
    // added (here already the newest), and leaves the function set up by hand.
    let mut upgrade = enable(false, true, &["team=payments"]);
    upgrade.layer_arn = None;
    upgrade.upgrade = true;
    let moved = run(s, Toggle::Enable(&upgrade)).await;
    assert_eq!(moved.code, 0, "{}", moved.stderr);
    for n in ["orders", "ledger", "hand"] {
        assert!(
            moved.stdout.contains(&format!("enable {} (", name(n))),
            "{n}:\n{}",
            moved.stdout
        );
    }
    assert!(
        moved.stdout.contains(&format!("skip {} (", name("node"))),
        "{}",
        moved.stdout
    );
    assert_eq!(configuration(s, &name("hand")).await, before["hand"]);

    // An --exclude that names no function is refused: it was meant to keep something.
    let mut typo = enable(true, false, &[]);
    typo.selection.exclude = vec![format!("{p}-legasy")];
    let out = run(s, Toggle::Enable(&typo)).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with(&format!("--exclude \"{p}-legasy\" names no function listed")),
        "{}",
        out.stderr
    );

    // Again: both are set up now, so nothing is planned and nothing asked.
    let again = run(s, Toggle::Enable(&enable(false, false, &["team=payments"]))).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("enable --all: 0 planned, 0 changed, 0 unchanged, 4 skipped"),
        "{}",
        again.stdout
    );

    // Disable the whole prefix, as JSON: what enable added goes; the function set up by
    // hand is read, found not to be lambda-profiling's, and left exactly as it was.
    let mut off_args = disable_args(&[], false);
    off_args.selection = selection(&p, &[], &[]);
    off_args.common.yes = true;
    off_args.common.format = ToggleFormat::Json;
    let off = run(s, Toggle::Disable(&off_args)).await;
    assert_eq!(off.code, 0, "{}", off.stderr);
    let report: Value = serde_json::from_str(&off.stdout).expect(&off.stdout);
    let outcome = |n: &str| {
        let entries = report["functions"].as_array().unwrap();
        let entry = entries
            .iter()
            .find(|f| f["function"].as_str().unwrap().ends_with(&format!("-{n}")));
        entry.map(|f| f["outcome"].as_str().unwrap().to_owned())
    };
    assert_eq!(outcome("orders").as_deref(), Some("changed"), "{report:#}");
    assert_eq!(outcome("ledger").as_deref(), Some("changed"), "{report:#}");
    assert_eq!(outcome("hand").as_deref(), Some("unchanged"), "{report:#}");
    for n in ["shop", "node", "legacy"] {
        assert_eq!(outcome(n).as_deref(), Some("skipped"), "{n}: {report:#}");
    }
    assert_eq!(report["summary"]["changed"], 2, "{report:#}");
    for (n, ..) in &fleet {
        assert_eq!(
            configuration(s, &name(n)).await,
            before[n],
            "{n} is not back as it was"
        );
    }
}

#[tokio::test]
async fn a_selection_that_cannot_be_read_changes_nothing_and_says_which_flag() {
    let Some(s) = servers() else { return };
    let layer = "arn:aws:lambda:us-east-1:123456789012:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:1";
    let mut args = enable_args(&[], layer, false);
    args.selection = Selection {
        all: true,
        name_match: Some("orders-(".into()),
        ..Selection::default()
    };
    args.common.yes = true;
    let out = run(s, Toggle::Enable(&args)).await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("--match \"orders-(\" is not a regular expression"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn a_selection_spans_regions_and_a_region_that_cannot_be_listed_stops_only_itself() {
    let Some(s) = servers() else { return };
    const OTHER: &str = "eu-west-1";
    let setup = status_session(s, &unique("sel-regions"), REGION).await;
    let role_arn = role(&setup.iam(REGION), &unique("sel-role"), false).await;
    let p = unique("selr");
    for region in [REGION, OTHER] {
        create(
            &setup.lambda(region),
            &Spec::new(&format!("{p}-{region}"), &role_arn),
        )
        .await;
    }
    // No --layer-arn: each region's own published layer, from the front's publisher.
    let mut args = enable_args(&[], "", true);
    args.layer_arn = None;
    args.selection = selection(&p, &[], &[]);
    args.common.regions = vec![REGION.into(), OTHER.into()];

    let out = run(s, Toggle::Enable(&args)).await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("several --region need --reference-region"),
        "{}",
        out.stderr
    );

    args.common.reference_region = Some(REGION.into());
    let plan = run(s, Toggle::Enable(&args)).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for region in [REGION, OTHER] {
        let layer = format!(
            "arn:aws:lambda:{region}:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13"
        );
        assert!(
            plan.stdout.contains(&format!("enable {p}-{region} (")),
            "{}",
            plan.stdout
        );
        assert!(
            plan.stdout.contains(&format!("would add layer {layer}")),
            "{}",
            plan.stdout
        );
    }
    assert!(plan.stdout.contains("enable --all: 2 planned"), "{}", plan.stdout);

    // A region no one can list: said, and the others still planned; the run exits 1.
    args.common.regions.push("xx-nowhere-1".into());
    let partial = run(s, Toggle::Enable(&args)).await;
    assert_eq!(partial.code, 1, "{}", partial.stderr);
    assert!(
        partial
            .stderr
            .contains("error: xx-nowhere-1: cannot list the functions"),
        "{}",
        partial.stderr
    );
    assert!(
        partial.stdout.contains("enable --all: 2 planned"),
        "{}",
        partial.stdout
    );

    // Names are looked up in one region.
    let mut named = enable_args(&[&format!("{p}-{REGION}")], "", true);
    named.common.regions = vec![REGION.into(), OTHER.into()];
    named.common.reference_region = Some(REGION.into());
    let out = run(s, Toggle::Enable(&named)).await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("name functions in one --region at a time"),
        "{}",
        out.stderr
    );
}

/// The profiling groups in the test region now.
async fn groups_now(s: &Servers) -> usize {
    let session = status_session(s, &unique("sel-groups"), REGION).await;
    let listed = session
        .codeguru(REGION)
        .list_profiling_groups()
        .max_results(1000)
        .send()
        .await
        .unwrap();
    listed.profiling_group_names().len()
}

#[tokio::test]
async fn a_plan_over_the_groups_quota_is_refused_before_it_acts_and_a_group_per_tag_passes() {
    let Some(s) = servers() else { return };
    let setup = status_session(s, &unique("sel-quota"), REGION).await;
    let lambda = setup.lambda(REGION);
    let role_arn = role(&setup.iam(REGION), &unique("sel-role"), false).await;
    let layer = publish(&lambda, PY_LAYER).await;
    let p = unique("selq");
    let (pay, web) = (format!("{p}-pay"), format!("{p}-web"));
    // (function, its service tag)
    let fleet = [
        ("a", Some(&pay)),
        ("b", Some(&pay)),
        ("c", Some(&web)),
        ("d", None),
    ];
    for (n, service) in fleet {
        let arn = create(&lambda, &Spec::new(&format!("{p}-{n}"), &role_arn)).await;
        let mut tagging = lambda.tag_resource().resource(arn).tags("team", &p);
        if let Some(service) = service {
            tagging = tagging.tags("service", service);
        }
        tagging.send().await.unwrap();
    }
    let mut args = enable_args(&[], &layer, false);
    args.selection = selection(&p, &[], &[]);
    args.common.yes = true;
    // Groups are only ever added meanwhile (other tests), so this quota stays crossed.
    args.group_quota = groups_now(s).await + 1;

    let out = run(s, Toggle::Enable(&args)).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    let said = format!("the plan makes 4 profiling groups in {REGION}, which has ");
    assert!(
        out.stderr.contains(&said) && out.stderr.contains("nothing was changed"),
        "{}",
        out.stderr
    );
    for (n, _) in fleet {
        assert_eq!(
            status_of(s, &format!("{p}-{n}")).await.0,
            "off",
            "{n} changed over the quota"
        );
    }
    let mut dry = args.clone();
    dry.common.dry_run = true;
    let out = run(s, Toggle::Enable(&dry)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains(&format!("warning: {said}")), "{}", out.stderr);
    assert!(!out.stderr.contains(&format!("error: {said}")), "{}", out.stderr);

    // A group per service fits: two groups, the untagged function skipped with why (also
    // beside a --tag, which every function here holds).
    args.group_per_tag = Some("service".into());
    args.group_quota = groups_now(s).await + 10_000;
    args.selection.tags = vec![format!("team={p}")];
    let out = run(s, Toggle::Enable(&args)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("quota"), "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!("skip {p}-d (")) && out.stdout.contains("no tag service"),
        "{}",
        out.stdout
    );
    for (n, service) in fleet {
        let (state, f) = status_of(s, &format!("{p}-{n}")).await;
        match service {
            Some(group) => {
                assert_eq!(state, "profiled", "{f}");
                assert!(
                    f["profilingGroup"]
                        .as_str()
                        .unwrap()
                        .ends_with(&format!("/{group}")),
                    "{f}"
                );
            }
            None => assert_eq!(state, "off", "{f}"),
        }
    }
}
