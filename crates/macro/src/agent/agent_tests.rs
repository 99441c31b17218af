use super::*;

#[test]
fn runtimes_are_classified_as_the_agents_document() {
    for ok in ["python3.8", "python3.9", "python3.12", "python3.14", "python3.20"] {
        assert_eq!(classify_runtime(ok), Ok(Family::Python), "{ok}");
    }
    for ok in ["java8.al2", "java11", "java17", "java21", "java25", "java29"] {
        assert_eq!(classify_runtime(ok), Ok(Family::Java), "{ok}");
    }
    for bad in [
        "python3.7",
        "python2.7",
        "java8",
        "nodejs20.x",
        "provided.al2023",
        "python3.x",
        "java",
        "",
    ] {
        assert!(classify_runtime(bad).is_err(), "{bad}");
    }
    assert!(classify_runtime("java8").unwrap_err().contains("java8.al2"));
}

#[test]
fn the_built_in_layer_carries_the_agent_for_the_runtime() {
    // contract §1's default where it works: layers 11 and 12 have the agent for python3.6-3.9
    // only; a python3.10+ function given them fails to import the agent's handler.
    for (runtime, version) in [
        ("python3.8", 11),
        ("python3.9", 11),
        ("python3.10", 13),
        ("python3.13", 13),
    ] {
        assert_eq!(
            Family::Python.default_layer_version(runtime),
            Some(version),
            "{runtime}"
        );
    }
    assert_eq!(
        Family::Python.default_layer_version("python3.14"),
        None,
        "no layer has it yet"
    );
    assert_eq!(Family::Java.default_layer_version("java21"), Some(12));
    assert!(!Family::Python.layer_carries(12, "python3.12"));
    assert!(Family::Python.layer_carries(13, "python3.12"));
    assert!(
        Family::Python.layer_carries(14, "python3.14"),
        "a newer layer is taken to carry it"
    );
    assert!(Family::Java.layer_carries(3, "java25"));
}

#[test]
fn layer_arns_exist_only_where_published() {
    assert_eq!(
        Family::Python.layer_arn("eu-west-1", 11).as_deref(),
        Some("arn:aws:lambda:eu-west-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:11")
    );
    assert_eq!(
        Family::Java.layer_arn("us-east-1", 12).as_deref(),
        Some("arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerJavaAgentLayer:12")
    );
    assert_eq!(Family::Python.layer_arn("eu-south-1", 11), None);
    assert_eq!(Family::Python.layer_arn("cn-north-1", 11), None);
    assert!(has_layer("ca-central-1") && !has_service("ca-central-1"));
}

#[test]
fn group_names_and_arns() {
    assert!(is_valid_group_name("aws-lambda-my_fn-1"));
    assert!(!is_valid_group_name(""));
    assert!(!is_valid_group_name("has space"));
    assert!(!is_valid_group_name(&"a".repeat(256)));
    assert!(is_valid_group_name(&"a".repeat(255)));
    let arn = group_arn("us-west-2", "111122223333", "g");
    assert_eq!(
        arn,
        "arn:aws:codeguru-profiler:us-west-2:111122223333:profilingGroup/g"
    );
    assert_eq!(
        parse_group_arn(&arn),
        Some(GroupArn {
            region: "us-west-2",
            account: "111122223333",
            name: "g"
        })
    );
    assert_eq!(parse_group_arn("arn:aws:lambda:us-west-2:1:function:f"), None);
    assert_eq!(
        parse_group_arn("arn:aws:codeguru-profiler:us-west-2:111122223333:profilingGroup/"),
        None
    );
    // Each part as AWS spells it, so that the ARN is one word of a ledger.
    for bad in [
        "arn:aws:codeguru-profiler:us-west-2:1:profilingGroup/g",
        "arn:aws:codeguru-profiler:us-west-2:1111 retired=x:profilingGroup/g",
        "arn:aws x:codeguru-profiler:us-west-2:111122223333:profilingGroup/g",
        "arn:aws:codeguru-profiler:us west:111122223333:profilingGroup/g",
        "arn:aws:codeguru-profiler::111122223333:profilingGroup/g",
        "arn:aws:codeguru-profiler:us-west-2:111122223333:profilingGroup/g retired=y",
    ] {
        assert_eq!(parse_group_arn(bad), None, "{bad}");
    }
}

#[test]
fn layer_arns_parse_and_compare() {
    let a = parse_layer_arn(
        "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:9",
    )
    .unwrap();
    let b = parse_layer_arn(
        "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:11",
    )
    .unwrap();
    assert!(a.same_layer(&b));
    assert!(is_agent_layer(
        "arn:aws:lambda:eu-west-1:157417159150:layer:AWSCodeGuruProfilerJavaAgentLayer:3",
        Family::Java
    ));
    assert!(!is_agent_layer(
        "arn:aws:lambda:eu-west-1:1:layer:Other:3",
        Family::Java
    ));
    assert_eq!(parse_layer_arn("arn:aws:lambda:us-east-1:1:layer:x"), None);
    assert_eq!(parse_layer_arn("arn:aws:lambda:us-east-1:1:layer:x:latest"), None);
    // Each part as AWS spells it, so that the ARN is one word of a ledger.
    for bad in [
        "arn:aws:lambda:us-east-1:1:layer:x:1",
        "arn:aws:lambda:us-east-1:123456789012:layer:x retired=y:1",
        "arn:aws:lambda:us east:123456789012:layer:x:1",
        "arn:a w s:lambda:us-east-1:123456789012:layer:x:1",
        "arn:aws:lambda:us-east-1:123456789012:layer::1",
    ] {
        assert_eq!(parse_layer_arn(bad), None, "{bad}");
    }
}

#[test]
fn partitions() {
    assert_eq!(partition("us-east-1"), "aws");
    assert_eq!(partition("cn-northwest-1"), "aws-cn");
    assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    assert_eq!(
        policy_arn("aws"),
        "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess"
    );
}

#[test]
fn agent_layer_identity_and_java_options() {
    let official = "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:11";
    let mirror = "arn:aws:lambda:eu-south-1:111122223333:layer:mirror:3";
    assert!(same_agent_layer(official, mirror, Family::Python));
    assert!(same_agent_layer(
        "arn:aws:lambda:eu-south-1:111122223333:layer:mirror:1",
        mirror,
        Family::Python
    ));
    assert!(!same_agent_layer(
        "arn:aws:lambda:eu-south-1:111122223333:layer:other:1",
        mirror,
        Family::Python
    ));
    let flag = env::JAVA_AGENT_FLAG;
    assert_eq!(
        java_options_with_agent("-Xmx1g "),
        Some(format!("-Xmx1g  {flag}"))
    );
    assert_eq!(java_options_with_agent(""), Some(flag.to_string()));
    assert_eq!(java_options_with_agent(&format!("{flag} -Xmx1g")), None);
}

#[test]
fn the_environment_is_measured_as_lambda_quotes_it() {
    // Lambda's refusal quotes the text it measured: the compact JSON of the variables.
    let vars = [("DB_HOST", "db.internal"), ("MODE", "a \"quoted\" value")];
    let lambda_measured = r#"{"DB_HOST":"db.internal","MODE":"a \"quoted\" value"}"#;
    assert_eq!(environment_size(vars), lambda_measured.len());
    assert_eq!(environment_size([]), "{}".len());
    // Names plus values undercount it by six bytes a variable.
    let many: Vec<(String, String)> = (0..100).map(|i| (format!("V{i:02}"), "x".repeat(30))).collect();
    let naive: usize = many.iter().map(|(k, v)| k.len() + v.len()).sum();
    let size = environment_size(many.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(size, naive + 6 * 100 - 1 + 2);
}

#[test]
fn characters_outside_ascii_count_at_their_longest_escape() {
    // "é" is 2 bytes of UTF-8 and one \u00e9 escape; "😀" is two UTF-16 units.
    assert_eq!(environment_size([("K", "é")]), r#"{"K":"\u00e9"}"#.len());
    assert_eq!(environment_size([("K", "😀")]), r#"{"K":"\ud83d\ude00"}"#.len());
    assert_eq!(environment_size([("K", "\u{1}")]), r#"{"K":"\u0001"}"#.len());
    // ASCII, escapes and characters outside ASCII after it, in one value.
    let mixed = "a\"b\né\\😀\t";
    assert_eq!(
        environment_size([("K", mixed)]),
        r#"{"K":"a\"b\n\u00e9\\\ud83d\ude00\t"}"#.len()
    );
    assert_eq!(measured([("K", 2 + 255)]), r#"{"K":""}"#.len() + 255);
    assert_eq!(ENVIRONMENT_LIMIT, MAX_ENVIRONMENT_BYTES - ENVIRONMENT_MARGIN);
}

#[test]
fn a_layer_arn_that_cannot_start_the_agent_is_told_by_its_name_and_version() {
    let publisher =
        |name: &str, v: u32| format!("arn:aws:lambda:eu-west-1:{PUBLISHER_ACCOUNT}:layer:{name}:{v}");
    let python = Family::Python.layer_name();
    let java = Family::Java.layer_name();
    // The other family's layer, the publisher's or a mirror keeping its name.
    let why = layer_mismatch(&publisher(java, 12), Family::Python, "python3.12").unwrap();
    assert!(
        why.contains("is the Java agent layer") && why.contains(python),
        "{why}"
    );
    let mirror = format!("arn:aws:lambda:eu-west-1:111122223333:layer:{python}:4");
    assert!(layer_mismatch(&mirror, Family::Java, "java21").is_some());
    // A publisher's version without the runtime's agent.
    let why = layer_mismatch(&publisher(python, 11), Family::Python, "python3.12").unwrap();
    assert!(
        why.contains("version 11") && why.contains("use version 13"),
        "{why}"
    );
    assert_eq!(
        layer_mismatch(&publisher(python, 11), Family::Python, "python3.9"),
        None
    );
    assert_eq!(
        layer_mismatch(&publisher(python, 13), Family::Python, "python3.12"),
        None
    );
    assert_eq!(layer_mismatch(&publisher(java, 12), Family::Java, "java21"), None);
    // A mirror's numbers are its own; another name cannot be judged.
    let old_mirror = format!("arn:aws:lambda:eu-west-1:111122223333:layer:{python}:1");
    assert_eq!(layer_mismatch(&old_mirror, Family::Python, "python3.12"), None);
    let renamed = "arn:aws:lambda:eu-west-1:111122223333:layer:codeguru-python:2";
    assert_eq!(layer_mismatch(renamed, Family::Python, "python3.12"), None);
}

#[test]
fn region_names_have_their_shape() {
    for ok in [
        "us-east-1",
        "us-gov-west-1",
        "ap-southeast-4",
        "eu-central-12",
        "eusc-de-east-1",
    ] {
        assert!(is_region_name(ok), "{ok}");
    }
    for bad in [
        "",
        "us",
        "us-east",
        "US-east-1",
        "us-east-1 ",
        "us--1",
        "us-east-123",
        "secret",
    ] {
        assert!(!is_region_name(bad), "{bad}");
    }
}
