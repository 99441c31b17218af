//! `macro-template.yaml` (contract §6): it passes cfn-lint, and its execution role lets the
//! function attach or detach no policy but the CodeGuru agent policy, nor grant a
//! policy any other way. The checker is tested on bad documents first, so that a pass
//! on the real template means something.

mod toolbox;

use lambda_profiling_cli::cfn_yaml::parse_template;
use serde_json::{Value, json};

const AGENT_POLICY_SUB: &str = "arn:${AWS::Partition}:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";
const AGENT_POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";
/// Allowed only under a condition naming the agent policy.
const ATTACH: [&str; 2] = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"];
/// Other ways to give a principal a policy: never allowed.
const GRANTS: [&str; 11] = [
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachUserPolicy",
    "iam:PutUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
];

/// IAM's action pattern match: case-insensitive, `*` any run, `?` one character.
fn matches(pattern: &str, action: &str) -> bool {
    fn go(p: &[u8], a: &[u8]) -> bool {
        match (p.first(), a.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], a) || (!a.is_empty() && go(p, &a[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &a[1..]),
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => go(&p[1..], &a[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), action.as_bytes())
}

/// A list of values, or one value, with every `Fn::If` branch (but `AWS::NoValue`).
fn each(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().flat_map(each).collect(),
        Value::Object(m) if m.contains_key("Fn::If") => m["Fn::If"]
            .as_array()
            .map(|a| a.iter().skip(1).flat_map(each).collect())
            .unwrap_or_default(),
        Value::Object(m) if m.get("Ref").and_then(Value::as_str) == Some("AWS::NoValue") => Vec::new(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// A literal string, or the text of a `Fn::Sub` without variables.
fn text(v: &Value) -> Option<&str> {
    v.as_str().or_else(|| v.get("Fn::Sub").and_then(Value::as_str))
}

/// Whether the statement's condition limits `iam:PolicyARN` to the agent policy alone.
fn limited_to_the_agent_policy(statement: &Value) -> bool {
    let Some(condition) = statement["Condition"].as_object() else {
        return false;
    };
    // Only exact operators: an `...IfExists` or `Not...` one lets other policies through.
    ["ArnEquals", "ArnLike", "StringEquals", "StringLike"]
        .iter()
        .any(|op| {
            let keys = condition.get(*op).and_then(Value::as_object);
            let value = keys.and_then(|k| {
                k.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case("iam:PolicyARN"))
            });
            value.is_some_and(|(_, v)| {
                let arns = each(v);
                !arns.is_empty()
                    && arns
                        .iter()
                        .all(|a| text(a).is_some_and(|t| t == AGENT_POLICY_SUB || t == AGENT_POLICY))
            })
        })
}

/// Every policy statement in the template, with where it is; a policy source the
/// checker cannot see into (a managed policy, a SAM policy template) is a problem.
fn statements(template: &Value, problems: &mut Vec<String>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut document = |at: String, doc: &Value| {
        for (i, s) in each(&doc["Statement"]).into_iter().enumerate() {
            out.push((format!("{at}.Statement[{i}]"), s.clone()));
        }
    };
    for (id, r) in template["Resources"].as_object().into_iter().flatten() {
        let p = &r["Properties"];
        let at = format!("Resources.{id}");
        match r["Type"].as_str().unwrap_or_default() {
            "AWS::IAM::Role" => {
                document(
                    format!("{at}.AssumeRolePolicyDocument"),
                    &p["AssumeRolePolicyDocument"],
                );
                for (i, policy) in each(&p["Policies"]).into_iter().enumerate() {
                    document(format!("{at}.Policies[{i}]"), &policy["PolicyDocument"]);
                }
                if !each(&p["ManagedPolicyArns"]).is_empty() {
                    problems.push(format!(
                        "{at}: managed policies may grant more; write inline statements"
                    ));
                }
            }
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::RolePolicy" => {
                document(format!("{at}.PolicyDocument"), &p["PolicyDocument"]);
            }
            "AWS::Serverless::Function" => {
                for (i, policy) in each(&p["Policies"]).into_iter().enumerate() {
                    if policy.get("Statement").is_some() {
                        document(format!("{at}.Policies[{i}]"), policy);
                    } else {
                        problems.push(format!("{at}.Policies[{i}]: a managed policy or policy template"));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every way the template's IAM lets something attach a policy other than the agent's.
fn problems(template: &Value) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut conditioned = 0;
    for (at, s) in statements(template, &mut problems) {
        let actions: Vec<&str> = each(&s["Action"]).into_iter().filter_map(Value::as_str).collect();
        if actions
            .iter()
            .any(|a| *a == "*" || a.eq_ignore_ascii_case("iam:*"))
        {
            problems.push(format!("{at}: Action \"*\" or \"iam:*\""));
        }
        if s["Effect"] != "Allow" {
            continue;
        }
        if s.get("NotAction").is_some() {
            problems.push(format!("{at}: Allow with NotAction grants everything else"));
        }
        if each(&s["Action"]).len() != actions.len() {
            problems.push(format!("{at}: an action that is not a literal string"));
        }
        let allows = |targets: &[&str]| targets.iter().any(|t| actions.iter().any(|a| matches(a, t)));
        if allows(&GRANTS) {
            problems.push(format!(
                "{at}: allows granting a policy other than by attaching it"
            ));
        }
        if allows(&ATTACH) {
            if limited_to_the_agent_policy(&s) {
                conditioned += 1;
            } else {
                problems.push(format!("{at}: attach/detach not limited to the agent policy"));
            }
        }
    }
    (problems, conditioned)
}

fn role(statements: Value) -> Value {
    json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": statements}}]}}}})
}

fn attach(action: &str, condition: Value) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition})
}

#[test]
fn the_checker_finds_every_way_around_the_condition() {
    let good = json!({"ArnEquals": {"iam:PolicyARN": {"Fn::Sub": AGENT_POLICY_SUB}}});
    let bad = [
        role(json!([attach("iam:*", good.clone())])),
        role(json!([attach("*", good.clone())])),
        role(json!([attach("iam:Attach*", json!({}))])),
        role(json!([attach("IAM:attachrolepolicy", json!(null))])),
        role(json!([attach(
            "iam:?etachRolePolicy",
            json!({"StringLike": {"iam:PolicyARN": "*"}})
        )])),
        role(json!([attach(
            "iam:AttachRolePolicy",
            json!({"ArnEqualsIfExists": {"iam:PolicyARN": AGENT_POLICY}})
        )])),
        role(json!([attach(
            "iam:AttachRolePolicy",
            json!({"ArnEquals": {"iam:PolicyARN": [AGENT_POLICY, "arn:aws:iam::aws:policy/AdministratorAccess"]}})
        )])),
        role(json!([{"Fn::If": ["C", attach("iam:AttachRolePolicy", json!({})), {"Ref": "AWS::NoValue"}]}])),
        role(json!([attach("iam:PutRolePolicy", good.clone())])),
        role(json!([{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}])),
        json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/IAMFullAccess"]}}}}),
        json!({"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [attach("iam:Detach*", json!({}))]}}}}}),
        json!({"Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": ["IAMFullAccess"]}}}}),
    ];
    for template in bad {
        assert!(!problems(&template).0.is_empty(), "missed: {template}");
    }
    let ok = role(
        json!([attach("iam:AttachRolePolicy", good.clone()), {"Effect": "Deny", "Action": "iam:Attach*", "Resource": "*"}]),
    );
    assert_eq!(problems(&ok), (vec![], 1));
}

#[test]
fn the_macro_roles_policy_attaches_nothing_but_the_agent_policy() {
    let text = std::fs::read_to_string(toolbox::repo().join("macro-template.yaml")).unwrap();
    let template = parse_template(&text).unwrap();
    let (problems, conditioned) = problems(&template);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        conditioned >= 1,
        "the role can attach the agent policy (else the custom resource cannot work)"
    );
}

#[test]
fn the_macro_template_passes_cfn_lint() {
    let file = toolbox::repo().join("macro-template.yaml");
    // One template for every region: judged in several.
    let regions = [
        "us-east-1",
        "eu-north-1",
        "ap-southeast-2",
        "sa-east-1",
        "ca-central-1",
    ];
    let Some(errors) = toolbox::cfn_lint_errors_in(&[file], &regions) else {
        return;
    };
    assert!(errors.is_empty(), "cfn-lint errors:\n{}", errors.join("\n"));
}

/// The AWS calls the custom resource makes (`grep -rn "\.iam\|\.lambda\|\.codeguru\|\.dynamodb"
/// src/custom_resource`), plus what Lambda checks on its behalf: adding a layer needs
/// `lambda:GetLayerVersion` on it, and its logs need the log-stream calls. moto does not
/// enforce IAM, so this is what catches a missing permission before a real deploy.
/// (`iam:TagRole` is not: references live in the table. `codeguru-profiler:TagResource`
/// is what creating a group with its owner tag needs.)
const CALLS: [&str; 20] = [
    "iam:GetRole",
    "iam:ListRoleTags",
    "iam:ListAttachedRolePolicies",
    "iam:UntagRole",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Scan",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionConfiguration",
    "lambda:GetLayerVersion",
    "codeguru-profiler:CreateProfilingGroup",
    "codeguru-profiler:DeleteProfilingGroup",
    "codeguru-profiler:TagResource",
    "codeguru-profiler:ListTagsForResource",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

/// Function mode's calls on functions: allowed only when the administrator opts in with
/// `FunctionScope`.
const FUNCTION_MODE: [&str; 2] = [
    "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionConfiguration",
];

#[test]
fn the_macro_role_allows_every_call_the_function_makes_and_no_other() {
    let text = std::fs::read_to_string(toolbox::repo().join("macro-template.yaml")).unwrap();
    let template = parse_template(&text).unwrap();
    // Statements that hold whatever the parameters: not those under an `Fn::If`. The
    // function's role (`Role`); the code copier's has a test of its own.
    let roles = [&template["Resources"]["Role"]];
    let allowed: Vec<&Value> = roles
        .into_iter()
        .flat_map(|r| each(&r["Properties"]["Policies"]))
        .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().into_iter().flatten())
        .filter(|s| s["Effect"] == "Allow")
        .collect();
    let allows = |statements: &[&Value], call: &str| {
        statements.iter().any(|s| {
            each(&s["Action"])
                .into_iter()
                .filter_map(Value::as_str)
                .any(|a| matches(a, call))
        })
    };
    let missing: Vec<&str> = CALLS
        .into_iter()
        .filter(|call| !FUNCTION_MODE.contains(call) && !allows(&allowed, call))
        .collect();
    assert!(missing.is_empty(), "not allowed: {missing:?}");
    // Function mode's calls hold exactly when FunctionScope names functions (opt-in).
    let in_scope: Vec<&Value> = template["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.get("Fn::If"))
        .filter(|branches| branches[0] == "HasFunctionScope" && branches[2] == json!({"Ref": "AWS::NoValue"}))
        .map(|branches| &branches[1])
        .collect();
    for call in FUNCTION_MODE {
        assert!(!allows(&allowed, call), "{call} without FunctionScope");
        assert!(allows(&in_scope, call), "{call} with FunctionScope");
    }
    let resource = in_scope[0]["Resource"]["Fn::Sub"].as_str().unwrap();
    assert!(resource.ends_with(":function:${FunctionScope}"), "{resource}");
    // Least privilege: every action named (the conditional statements too) is one the
    // function calls.
    let named: Vec<&Value> = each(&template["Resources"]["Role"]["Properties"]["Policies"])
        .into_iter()
        .flat_map(|p| statements_anywhere(&p["PolicyDocument"]["Statement"]))
        .flat_map(|s| each(&s["Action"]))
        .collect();
    let extra: Vec<&str> = named
        .iter()
        .filter_map(|a| a.as_str())
        .filter(|a| !CALLS.contains(a))
        .collect();
    assert!(extra.is_empty(), "allowed but never called: {extra:?}");
}

/// The statements of a `Statement` list, including those inside `Fn::If` branches.
fn statements_anywhere(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().flat_map(statements_anywhere).collect(),
        Value::Object(o) if o.contains_key("Action") => vec![value],
        Value::Object(o) => o.values().flat_map(statements_anywhere).collect(),
        _ => Vec::new(),
    }
}

/// The references' table: created only in the home region (by default this
/// stack's own), kept when the stack goes, and written only item by item, with keys of
/// the kinds the function writes; it is read whole (a Scan) only to find the records of
/// another spelling of a role's name, and nothing else is scanned.
#[test]
fn the_reference_table_is_reached_with_least_privilege() {
    let text = std::fs::read_to_string(toolbox::repo().join("macro-template.yaml")).unwrap();
    let template = parse_template(&text).unwrap();
    let table = &template["Resources"]["References"];
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    // In the home region, unless the table exists already (made by `enable`, or kept
    // from a deleted stack): the CLI makes it with the same key, billing and recovery.
    assert_eq!(table["Condition"], "CreateReferenceTable");
    assert_eq!(
        template["Conditions"]["CreateReferenceTable"],
        json!({"Fn::And": [{"Condition": "IsHomeRegion"}, {"Fn::Equals": [{"Ref": "ReferenceTableExists"}, "false"]}]})
    );
    assert_eq!(template["Parameters"]["ReferenceTableExists"]["Default"], "false");
    let props = &table["Properties"];
    assert_eq!(
        (
            &props["BillingMode"],
            &props["KeySchema"],
            &props["PointInTimeRecoverySpecification"]
        ),
        (
            &json!("PAY_PER_REQUEST"),
            &json!([{"AttributeName": "pk", "KeyType": "HASH"}]),
            &json!({"PointInTimeRecoveryEnabled": true})
        ),
        "the schema crates/cli/src/toggle/table.rs makes"
    );
    assert_eq!(
        (&table["DeletionPolicy"], &table["UpdateReplacePolicy"]),
        (&json!("Retain"), &json!("Retain"))
    );
    assert_eq!(
        template["Parameters"]["HomeRegion"]["Default"], "",
        "one region: nothing to set"
    );
    let roles = template["Resources"].as_object().unwrap().values();
    let statements: Vec<&Value> = roles
        .filter(|r| r["Type"] == "AWS::IAM::Role")
        .flat_map(|r| each(&r["Properties"]["Policies"]))
        .flat_map(|p| statements_anywhere(&p["PolicyDocument"]["Statement"]))
        .filter(|s| {
            each(&s["Action"]).iter().any(|a| {
                a.as_str()
                    .is_some_and(|a| a.starts_with("dynamodb:") && a != "dynamodb:Scan")
            })
        })
        .collect();
    assert_eq!(statements.len(), 1, "{statements:#?}");
    let s = statements[0];
    let actions: Vec<&str> = each(&s["Action"]).into_iter().filter_map(Value::as_str).collect();
    assert_eq!(
        actions,
        [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem"
        ]
    );
    let resource = s["Resource"]["Fn::Sub"][0].as_str().unwrap();
    assert!(resource.ends_with(":table/${ReferenceTableName}"), "{resource}");
    assert_eq!(
        s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"],
        json!(["role#*", "group#*", "ref#*"])
    );
    let text = text.replace(' ', "");
    assert_eq!(text.matches("dynamodb:Scan").count(), 1);
    let scan = template["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == "dynamodb:Scan")
        .expect("the Scan statement");
    assert_eq!(scan["Resource"], s["Resource"], "the same table, nothing else");
}

/// Lambda checks `lambda:GetLayerVersion` on every layer of the list an update sends, and
/// a function's layers are sent whole: the role may read any layer of its region, whatever
/// the parameters, or a function with a layer of its own could not be profiled, nor its
/// stack deleted.
#[test]
fn the_role_may_read_every_layer_of_its_region() {
    let text = std::fs::read_to_string(toolbox::repo().join("macro-template.yaml")).unwrap();
    let template = parse_template(&text).unwrap();
    let role = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Type"] == "AWS::IAM::Role")
        .unwrap();
    let reads: Vec<&Value> = each(&role["Properties"]["Policies"])
        .into_iter()
        .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().into_iter().flatten())
        .filter(|s| {
            each(&s["Action"])
                .iter()
                .any(|a| a.as_str() == Some("lambda:GetLayerVersion"))
        })
        .collect();
    assert_eq!(reads.len(), 1, "{reads:#?}");
    assert_eq!(
        reads[0]["Resource"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:*:layer:*:*"})
    );
    assert!(reads[0].get("Condition").is_none());
}

/// CloudFormation invokes a custom resource asynchronously, and Lambda retries one that
/// crashed: one retry, no event older than ten minutes (the function refuses any event
/// CloudFormation stopped waiting for by itself, from its URL's signing time).
#[test]
fn a_crashed_invocation_is_retried_once_and_never_replayed_late() {
    let text = std::fs::read_to_string(toolbox::repo().join("macro-template.yaml")).unwrap();
    let template = parse_template(&text).unwrap();
    let configs: Vec<&Value> = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::Lambda::EventInvokeConfig")
        .filter(|r| r["Properties"]["FunctionName"] == json!({"Ref": "Function"}))
        .collect();
    assert_eq!(
        configs.len(),
        1,
        "the function's; the code copier's is judged with it"
    );
    let p = &configs[0]["Properties"];
    assert_eq!(p["FunctionName"], json!({"Ref": "Function"}));
    assert_eq!(p["Qualifier"], "$LATEST");
    assert_eq!(p["MaximumRetryAttempts"], 1);
    let age = p["MaximumEventAgeInSeconds"].as_u64().unwrap();
    let timeout = template["Resources"]["Function"]["Properties"]["Timeout"]
        .as_u64()
        .unwrap();
    // A retry of an invocation that ran to its timeout still fits; anything later is refused.
    assert!(timeout < age && age <= 900, "{timeout} {age}");
}

/// The code copier's role writes and deletes the code in the stack's own bucket, under the
/// copier's key prefix, and writes its logs: nothing else.
#[test]
fn the_code_copier_can_touch_nothing_but_the_code_in_its_bucket() {
    let text = std::fs::read_to_string(toolbox::repo().join("macro-template.yaml")).unwrap();
    let template = parse_template(&text).unwrap();
    let roles: Vec<&str> = template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::IAM::Role")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(
        roles,
        ["Role", "CodeCopierRole"],
        "a role this test does not judge"
    );
    let copier = &template["Resources"]["CodeCopierRole"];
    assert!(copier["Properties"].get("ManagedPolicyArns").is_none());
    let statements: Vec<&Value> = each(&copier["Properties"]["Policies"])
        .into_iter()
        .flat_map(|p| statements_anywhere(&p["PolicyDocument"]["Statement"]))
        .collect();
    let mut granted: Vec<(String, String)> = Vec::new();
    for s in &statements {
        assert_eq!(s["Effect"], "Allow");
        let resource = s["Resource"]["Fn::Sub"].as_str().unwrap_or("?").to_string();
        for a in each(&s["Action"]) {
            granted.push((a.as_str().unwrap().to_string(), resource.clone()));
        }
    }
    let bucket = "${CodeStore.Arn}/bootstrap-*".to_string();
    let logs = "${CodeCopierLogGroup.Arn}:*".to_string();
    let expected = vec![
        ("s3:PutObject".to_string(), bucket.clone()),
        ("s3:DeleteObject".to_string(), bucket.clone()),
        ("s3:GetObject".to_string(), bucket),
        ("logs:CreateLogStream".to_string(), logs.clone()),
        ("logs:PutLogEvents".to_string(), logs),
    ];
    assert_eq!(granted, expected);
    // Inline code: CloudFormation takes at most 4096 characters.
    let code = template["Resources"]["CodeCopier"]["Properties"]["Code"]["ZipFile"]
        .as_str()
        .unwrap();
    assert!(
        code.chars().count() <= 4096,
        "the copier's code is {} characters",
        code.chars().count()
    );
    // It answers before its timeout and is never retried (a late retry could store a copy
    // after the bucket was emptied); CloudFormation waits for it five minutes at most.
    let invokes = &template["Resources"]["CodeCopierInvokes"]["Properties"];
    assert_eq!(invokes["MaximumRetryAttempts"], 0);
    assert_eq!(
        template["Resources"]["CodeCopy"]["Properties"]["ServiceTimeout"],
        300
    );
    // The template is plain CloudFormation: service-managed StackSets run no transform.
    assert!(
        template.get("Transform").is_none(),
        "a transform in macro-template.yaml"
    );
    let serverless = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .any(|r| r["Type"].as_str().unwrap_or("").starts_with("AWS::Serverless::"));
    assert!(!serverless, "a SAM resource in macro-template.yaml");
}

/// The code copier's inline code, run by `tests/tools/code_copy_check.py` with the events
/// CloudFormation sends, against moto's S3 over HTTP: it copies a release checked by its
/// SHA-256, a new release is a new key and the old key's delete removes the old copy, other
/// content and other schemes are refused, an AWS error is answered by its type (never its
/// message), a failed create names no copy, and the last delete empties the bucket.
#[test]
fn the_code_copier_copies_checks_and_cleans_up() {
    let Some(python) = toolbox::tool("python") else {
        return;
    };
    let out = std::process::Command::new(python)
        .arg(toolbox::repo().join("tests/tools/code_copy_check.py"))
        .arg(toolbox::repo().join("macro-template.yaml"))
        .output()
        .expect("the copier check runs");
    let said = String::from_utf8_lossy(&out.stdout);
    let cases: Vec<Value> = said
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let failed: Vec<&Value> = cases.iter().filter(|c| c["ok"] != true).collect();
    assert!(
        out.status.success() && failed.is_empty() && cases.len() >= 10,
        "the copier: {failed:#?}\n{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
