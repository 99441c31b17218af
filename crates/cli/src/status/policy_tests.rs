use super::*;

#[test]
fn the_agent_calls_allowed_by_name_or_wildcard_count() {
    let cdk = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["codeguru-profiler:PostAgentProfile","codeguru-profiler:ConfigureAgent"],"Resource":"arn:aws:codeguru-profiler:us-east-1:1:profilingGroup/g"}]}"#;
    assert!(grants_agent(cdk));
    assert!(grants_agent(
        r#"{"Statement":{"Effect":"Allow","Action":"codeguru-profiler:*","Resource":"*"}}"#
    ));
    assert!(grants_agent(
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
    ));
    assert!(grants_agent(
        r#"{"Statement":[{"Effect":"Allow","Action":["CodeGuru-Profiler:postagent?rofile","codeguru-profiler:Configure*"]}]}"#
    ));
}

#[test]
fn one_call_alone_a_deny_or_another_service_does_not_count() {
    assert!(!grants_agent(
        r#"{"Statement":[{"Effect":"Allow","Action":"codeguru-profiler:PostAgentProfile"}]}"#
    ));
    assert!(!grants_agent(
        r#"{"Statement":[{"Effect":"Deny","Action":"codeguru-profiler:*"}]}"#
    ));
    assert!(!grants_agent(
        r#"{"Statement":[{"Effect":"Allow","Action":"codeguru-reviewer:*"}]}"#
    ));
    assert!(!grants_agent("not json"));
}

#[test]
fn documents_are_read_url_encoded_as_iam_returns_them() {
    let encoded = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22codeguru-profiler%3A%2A%22%7D%5D%7D";
    assert!(grants_agent(encoded));
    assert_eq!(percent_decode("a%20b%2"), "a b%2");
    assert_eq!(percent_decode("a+b"), "a+b");
}
