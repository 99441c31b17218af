use super::*;

const PY_LAYER: &str =
    "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13";
const JAVA_LAYER: &str = "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerJavaAgentLayer:12";

fn function(runtime: &str, vars: &[(&str, &str)], layers: &[&str]) -> Function {
    Function {
        name: "orders".into(),
        arn: "arn:aws:lambda:us-east-1:123456789012:function:orders".into(),
        runtime: Some(runtime.into()),
        architectures: vec!["x86_64".into()],
        package_type: Some("Zip".into()),
        role: "arn:aws:iam::123456789012:role/service/orders-role".into(),
        handler: Some("app.handler".into()),
        layers: layers.iter().map(|l| l.to_string()).collect(),
        vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        env_error: None,
        stack: None,
    }
}

/// The variables `enable` (and the console) set on a Python function.
fn python_vars() -> Vec<(&'static str, &'static str)> {
    vec![
        (env::GROUP_NAME, "orders-group"),
        (
            env::GROUP_ARN,
            "arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/orders-group",
        ),
        (env::TARGET_REGION, "us-east-1"),
        (env::ENABLED, "TRUE"),
        (env::EXEC_WRAPPER, env::EXEC_WRAPPER_VALUE),
    ]
}

fn all_there(f: &Function) -> FunctionStatus {
    inspect(f).conclude(Some(&RoleAccess::Granted), Some(&GroupPresence::Exists))
}

#[test]
fn a_fully_set_up_python_function_is_profiled_and_names_its_group_and_layer() {
    let f = function("python3.12", &python_vars(), &[PY_LAYER]);
    let i = inspect(&f);
    assert_eq!(i.role.as_deref(), Some("orders-role"));
    assert_eq!(
        i.group,
        Some(GroupRef {
            region: "us-east-1".into(),
            account: "123456789012".into(),
            name: "orders-group".into()
        })
    );
    let s = all_there(&f);
    assert_eq!((s.state, s.problems.clone()), (State::Profiled, vec![]));
    assert_eq!(s.layer.as_deref(), Some(PY_LAYER));
    assert_eq!(
        s.profiling_group.as_deref(),
        Some("arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/orders-group")
    );
}

#[test]
fn no_trace_is_off_and_needs_no_lookup() {
    let i = inspect(&function(
        "python3.12",
        &[("DB", "x")],
        &["arn:aws:lambda:us-east-1:1:layer:mine:1"],
    ));
    assert_eq!((i.status.state, i.role, i.group), (State::Off, None, None));
    assert!(i.status.problems.is_empty());
}

#[test]
fn cdk_variables_without_a_layer_are_broken_for_the_layer_and_the_wrapper() {
    // CDK's `profiling: true`: the group's ARN and ENABLED, no layer, no wrapper.
    let vars = [
        (
            env::GROUP_ARN,
            "arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/cdk-group",
        ),
        (env::ENABLED, "TRUE"),
    ];
    let s = all_there(&function("python3.12", &vars, &[]));
    assert_eq!(s.state, State::Broken);
    assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
    assert!(s.problems[0].starts_with("no agent layer: the agent never starts; add arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13"), "{}", s.problems[0]);
    assert!(
        s.problems[1].starts_with("AWS_LAMBDA_EXEC_WRAPPER is not set"),
        "{}",
        s.problems[1]
    );
    assert!(s.profiling_group.unwrap().ends_with("/cdk-group"));
}

#[test]
fn the_lookups_add_the_role_and_group_problems_with_names_and_region() {
    let f = function("python3.12", &python_vars(), &[PY_LAYER]);
    let s = inspect(&f).conclude(Some(&RoleAccess::Lacks), Some(&GroupPresence::Missing));
    assert_eq!(s.state, State::Broken);
    assert_eq!(
        s.problems,
        [
            "role orders-role lacks AmazonCodeGuruProfilerAgentAccess: the agent cannot report; attach it to the role",
            "profiling group orders-group does not exist in us-east-1: the agent cannot report; create it (ComputePlatform AWSLambda) or name an existing one",
        ]
    );
    let denied = Unread {
        said: "AccessDenied".into(),
        denied: true,
        endpoint: "https://iam.amazonaws.com".into(),
    };
    let s = inspect(&f).conclude(
        Some(&RoleAccess::Unreadable(denied)),
        Some(&GroupPresence::Exists),
    );
    assert!(
        s.problems[0].contains("could not be checked (AccessDenied): allow iam:ListAttachedRolePolicies")
    );
    // A service that did not answer is not a permission to grant: retry, at the endpoint named.
    let down = Unread {
        said: "a server error (HTTP 500)".into(),
        denied: false,
        endpoint: "https://codeguru-profiler.us-east-1.amazonaws.com".into(),
    };
    let s = inspect(&f).conclude(Some(&RoleAccess::Granted), Some(&GroupPresence::Unreadable(down)));
    assert_eq!(
        s.problems,
        [
            "profiling group orders-group in us-east-1 could not be checked (a server error (HTTP 500) from \
          https://codeguru-profiler.us-east-1.amazonaws.com): AWS did not answer as it should, which no permission \
          fixes; retry later, or check that endpoint"
        ]
    );
    let s = inspect(&f).conclude(Some(&RoleAccess::Missing), Some(&GroupPresence::Exists));
    assert!(s.problems[0].starts_with("role orders-role does not exist"));
}

#[test]
fn unsupported_runtimes_architectures_and_images_say_why() {
    let mut f = function("nodejs20.x", &[], &[]);
    let s = all_there(&f);
    assert_eq!(s.state, State::Unsupported);
    assert!(
        s.problems[0].contains("nodejs20.x is not supported"),
        "{:?}",
        s.problems
    );
    f.runtime = Some("python3.12".into());
    f.architectures = vec!["arm64".into()];
    assert!(all_there(&f).problems[0].starts_with("runs on arm64"));
    f.package_type = Some("Image".into());
    f.runtime = None;
    assert!(all_there(&f).problems[0].starts_with("a container image"));
    let java8 = all_there(&function("java8", &[], &[]));
    assert_eq!(java8.state, State::Unsupported);
}

#[test]
fn a_layer_version_that_does_not_carry_the_runtime_is_a_problem_for_the_publishers_only() {
    let old = "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:11";
    let s = all_there(&function("python3.12", &python_vars(), &[old]));
    assert_eq!(
        s.problems,
        [
            "agent layer version 11 does not carry the Python agent for python3.12: the agent cannot start; use version 13"
        ]
    );
    assert_eq!(
        all_there(&function("python3.9", &python_vars(), &[old])).state,
        State::Profiled
    );
    // A copy in another account: its version number says nothing.
    let copy = "arn:aws:lambda:us-east-1:123456789012:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:1";
    assert_eq!(
        all_there(&function("python3.12", &python_vars(), &[copy])).state,
        State::Profiled
    );
}

#[test]
fn the_wrong_familys_layer_is_no_agent_layer() {
    let s = all_there(&function("python3.12", &python_vars(), &[JAVA_LAYER]));
    assert!(s.problems[0].starts_with("no agent layer"), "{:?}", s.problems);
    assert_eq!(s.layer, None);
}

#[test]
fn the_handler_redirect_starts_the_python_agent_beside_another_wrapper() {
    let mut vars = python_vars();
    vars.retain(|(k, _)| *k != env::EXEC_WRAPPER);
    vars.push((env::EXEC_WRAPPER, "/opt/otel-instrument"));
    let mut f = function("python3.12", &vars, &[PY_LAYER]);
    let s = all_there(&f);
    assert!(
        s.problems[0].contains("another wrapper, and the handler is not redirected"),
        "{:?}",
        s.problems
    );
    f.handler = Some(agent::REDIRECT_HANDLER.into());
    assert!(all_there(&f).problems[0].contains("HANDLER_ENV_NAME_FOR_CODEGURU is not set"));
    f.vars
        .insert(env::REDIRECTED_HANDLER.into(), "app.handler".into());
    assert_eq!(all_there(&f).state, State::Profiled);
}

#[test]
fn java_needs_the_javaagent_flag_among_its_options() {
    let mut vars = python_vars();
    vars.retain(|(k, _)| *k != env::EXEC_WRAPPER);
    let mut f = function("java21", &vars, &[JAVA_LAYER]);
    assert!(all_there(&f).problems[0].starts_with("JAVA_TOOL_OPTIONS lacks -javaagent:"));
    f.vars.insert(
        env::JAVA_TOOL_OPTIONS.into(),
        format!("-Xmx512m {}", env::JAVA_AGENT_FLAG),
    );
    assert_eq!(all_there(&f).state, State::Profiled);
    // The flag alone is a trace: a function with only it is broken, not off.
    let only_flag = function("java21", &[(env::JAVA_TOOL_OPTIONS, env::JAVA_AGENT_FLAG)], &[]);
    assert_eq!(all_there(&only_flag).state, State::Broken);
}

#[test]
fn the_group_follows_the_agents_rules() {
    // Without name or ARN the agent reports to the console's group, in the function's region.
    let f = function(
        "python3.12",
        &[(env::EXEC_WRAPPER, env::EXEC_WRAPPER_VALUE)],
        &[PY_LAYER],
    );
    let g = inspect(&f).group.unwrap();
    assert_eq!(
        (g.name.as_str(), g.region.as_str()),
        ("aws-lambda-orders", "us-east-1")
    );
    // A name and a target region.
    let f = function(
        "python3.12",
        &[(env::GROUP_NAME, "g"), (env::TARGET_REGION, "eu-west-1")],
        &[PY_LAYER],
    );
    let g = inspect(&f).group.unwrap();
    assert_eq!((g.name.as_str(), g.region.as_str()), ("g", "eu-west-1"));
    // The ARN wins over both.
    let f = function(
        "python3.12",
        &[
            (env::GROUP_NAME, "g"),
            (env::TARGET_REGION, "eu-west-1"),
            (
                env::GROUP_ARN,
                "arn:aws:codeguru-profiler:us-west-2:123456789012:profilingGroup/h",
            ),
        ],
        &[PY_LAYER],
    );
    let g = inspect(&f).group.unwrap();
    assert_eq!((g.name.as_str(), g.region.as_str()), ("h", "us-west-2"));
}

#[test]
fn a_group_that_cannot_be_reached_is_a_problem_without_a_lookup() {
    let region = function(
        "python3.12",
        &[
            (env::GROUP_NAME, "g"),
            (env::TARGET_REGION, "sa-east-1"),
            (env::EXEC_WRAPPER, env::EXEC_WRAPPER_VALUE),
        ],
        &[PY_LAYER],
    );
    let i = inspect(&region);
    assert_eq!(i.group, None);
    assert!(i.status.problems[0].contains("is in sa-east-1, which has no CodeGuru Profiler"));
    let bad = function("python3.12", &[(env::GROUP_ARN, "arn:nope")], &[PY_LAYER]);
    assert!(
        inspect(&bad)
            .status
            .problems
            .iter()
            .any(|p| p.contains("is not a profiling group ARN"))
    );
    // Another account's group is named but not looked up here.
    let other = function(
        "python3.12",
        &[
            (
                env::GROUP_ARN,
                "arn:aws:codeguru-profiler:us-east-1:999999999999:profilingGroup/h",
            ),
            (env::EXEC_WRAPPER, env::EXEC_WRAPPER_VALUE),
        ],
        &[PY_LAYER],
    );
    let i = inspect(&other);
    assert_eq!(i.group, None);
    assert_eq!(
        i.conclude(Some(&RoleAccess::Granted), None).state,
        State::Profiled
    );
}

#[test]
fn profiling_switched_off_by_its_variable_is_broken() {
    let mut vars = python_vars();
    vars.retain(|(k, _)| *k != env::ENABLED);
    vars.push((env::ENABLED, "false"));
    let s = all_there(&function("python3.12", &vars, &[PY_LAYER]));
    assert_eq!(
        s.problems,
        ["AWS_CODEGURU_PROFILER_ENABLED is not true: the agent does not profile; set it to TRUE"]
    );
    // Any case of "true" is on, as the agent reads it.
    let mut vars = python_vars();
    vars.retain(|(k, _)| *k != env::ENABLED);
    vars.push((env::ENABLED, "True"));
    assert_eq!(
        all_there(&function("python3.12", &vars, &[PY_LAYER])).state,
        State::Profiled
    );
}

#[test]
fn an_agent_layer_alone_is_a_trace_and_each_missing_piece_is_a_problem() {
    let s = all_there(&function("python3.12", &[], &[PY_LAYER]));
    assert_eq!(s.state, State::Broken);
    assert_eq!(s.problems.len(), 1, "{:?}", s.problems); // the wrapper; the group is the console's
    assert!(s.problems[0].starts_with("AWS_LAMBDA_EXEC_WRAPPER is not set"));
}

#[test]
fn no_problem_quotes_a_variables_value() {
    // Problems reach CloudFormation's Reason (after function mode's change), which people
    // who may not read the function's variables read.
    let secret = "s3cr3t-in-a-variable";
    let vars = [
        (env::ENABLED, secret),
        (env::EXEC_WRAPPER, secret),
        (env::GROUP_ARN, secret),
    ];
    let f = function("python3.12", &vars, &[PY_LAYER]);
    let s = inspect(&f).conclude(Some(&RoleAccess::Granted), None);
    assert_eq!(s.state, State::Broken);
    assert!(s.problems.len() >= 3, "{:?}", s.problems);
    assert!(s.problems.iter().all(|p| !p.contains(secret)), "{:?}", s.problems);
    for vars in [
        [(env::GROUP_NAME, "bad name s3cr3t")],
        [(env::TARGET_REGION, "s3cr3t")],
        [(env::TARGET_REGION, "xx-s3cr3t-1 ")],
    ] {
        let f = function("python3.12", &vars, &[PY_LAYER]);
        let s = inspect(&f).conclude(Some(&RoleAccess::Granted), None);
        assert_eq!(s.state, State::Broken, "{vars:?}");
        assert!(
            s.problems.iter().all(|p| !p.contains("s3cr3t")),
            "{:?}",
            s.problems
        );
    }
}

#[test]
fn the_self_built_layer_is_the_agent_layer_on_any_python() {
    let own = "arn:aws:lambda:us-east-1:123456789012:layer:LambdaProfilingPythonAgent:1";
    let s = all_there(&function("python3.14", &python_vars(), &[own]));
    assert_eq!(s.state, State::Profiled, "{:?}", s.problems);
    assert_eq!(s.layer.as_deref(), Some(own));
}
