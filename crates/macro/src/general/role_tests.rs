use super::super::reader::RawTemplate;
use super::*;

/// The text of a template, to be read by [`load`].
fn template(json: Value) -> String {
    json.to_string()
}

fn load(text: &str) -> Template<'_> {
    let raw: RawTemplate = serde_json::from_str(text).unwrap();
    let (template, problems) = Template::from_raw(raw);
    assert!(problems.is_empty(), "{problems:?}");
    template
}

#[test]
fn sam_policies_gain_the_agent_policy_once() {
    let check = |policies: Option<Value>| {
        let mut props = json!({"Runtime": "python3.12"});
        if let Some(p) = policies {
            props["Policies"] = p;
        }
        let resource = json!({"Type": "AWS::Serverless::Function", "Properties": props});
        let raw = template(json!({"Resources": {"F": resource.clone()}}));
        let t = load(&raw);
        plan(
            &FunctionView::new("F", "AWS::Serverless::Function", &resource, None),
            &t,
            &HashSet::new(),
        )
        .map(|p| p.policies)
    };
    assert_eq!(check(None).unwrap(), Some(json!([POLICY_NAME])));
    assert_eq!(
        check(Some(json!("AWSLambdaExecute"))).unwrap(),
        Some(json!(["AWSLambdaExecute", POLICY_NAME]))
    );
    let doc = json!({"Statement": []});
    assert_eq!(check(Some(doc.clone())).unwrap(), Some(json!([doc, POLICY_NAME])));
    let template_policy = json!([{"SQSPollerPolicy": {"QueueName": "q"}}]);
    assert_eq!(
        check(Some(template_policy)).unwrap().unwrap()[1],
        json!(POLICY_NAME)
    );
    assert_eq!(check(Some(json!([POLICY_NAME]))).unwrap(), None);
    assert_eq!(
        check(Some(json!([
            "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess"
        ])))
        .unwrap(),
        None
    );
    assert!(check(Some(json!({"Ref": "P"}))).is_err());
}

#[test]
fn a_lambda_function_needs_a_role() {
    let resource = json!({"Type": "AWS::Lambda::Function", "Properties": {}});
    let raw = template(json!({"Resources": {"F": resource.clone()}}));
    let t = load(&raw);
    let err = plan(
        &FunctionView::new("F", "AWS::Lambda::Function", &resource, None),
        &t,
        &HashSet::new(),
    )
    .unwrap_err();
    assert_eq!(err[0].path, "Resources.F.Properties.Role");
}

#[test]
fn depends_on_merges() {
    assert_eq!(depends_on(None, "X", "P").unwrap(), Some(json!("X")));
    assert_eq!(depends_on(Some(&json!("X")), "X", "P").unwrap(), None);
    assert_eq!(
        depends_on(Some(&json!("A")), "X", "P").unwrap(),
        Some(json!(["A", "X"]))
    );
    assert_eq!(depends_on(Some(&json!(["A", "X"])), "X", "P").unwrap(), None);
    assert!(depends_on(Some(&json!({"Ref": "A"})), "X", "P").is_err());
}

#[test]
fn custom_resource_ids_are_stable_and_alphanumeric() {
    let a = custom_resource_id(&json!({"Ref": "Role-Arn"}));
    assert_eq!(a, custom_resource_id(&json!({"Ref": "Role-Arn"})));
    assert!(a.starts_with("RoleArnProfilingPolicy") && a.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(
        custom_resource_id(&json!("arn:aws:iam::1:role/a")),
        custom_resource_id(&json!("arn:aws:iam::1:role/b"))
    );
}

#[test]
fn external_roles_must_be_evaluable() {
    let check = |role: Value| {
        let resource = json!({"Type": "AWS::Lambda::Function", "Properties": {"Role": role}});
        let raw = template(
            json!({"Resources": {"F": resource.clone(), "Stack": {"Type": "AWS::CloudFormation::Stack"}}}),
        );
        let t = load(&raw);
        let params: HashSet<String> = ["RoleParam".to_string()].into();
        plan(
            &FunctionView::new("F", "AWS::Lambda::Function", &resource, None),
            &t,
            &params,
        )
    };
    assert!(check(json!({"Ref": "RoleParam"})).unwrap().external.is_some());
    assert!(
        check(json!({"Fn::GetAtt": ["Stack", "Outputs.RoleArn"]}))
            .unwrap()
            .external
            .is_some()
    );
    assert!(
        check(json!({"Fn::ImportValue": "shared-role"}))
            .unwrap()
            .external
            .is_some()
    );
    let missing = check(json!({"Fn::GetAtt": ["Gone", "Arn"]})).unwrap_err();
    assert!(
        missing[0].message.contains("Gone, which is neither"),
        "{missing:?}"
    );
    assert!(check(json!({"Ref": "Nope"})).is_err());
    assert!(
        check(json!({"Fn::GetAtt": ["Stack", {"Fn::Ref": "X"}]})).unwrap_err()[0]
            .message
            .contains("two strings")
    );
}
