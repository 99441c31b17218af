use super::*;

#[test]
fn the_answer_is_posted_for_its_request_with_the_invocation_id_echoed() {
    let (parts, ()) = http::Response::builder()
        .header(INVOCATION_ID, "inv-7")
        .body(())
        .unwrap()
        .into_parts();
    let mut context = lambda_runtime::Context::default();
    context.request_id = "req-1".into();
    let invocation = LambdaInvocation {
        parts,
        body: Default::default(),
        context,
    };
    let request = response_request(&invocation, b"{}".to_vec()).unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(
        request.uri().path(),
        "/2018-06-01/runtime/invocation/req-1/response"
    );
    assert_eq!(request.headers()[INVOCATION_ID], "inv-7");
    // Without the header (older Lambda), none is sent.
    let (parts, ()) = http::Response::builder().body(()).unwrap().into_parts();
    let invocation = LambdaInvocation { parts, ..invocation };
    let request = response_request(&invocation, Vec::new()).unwrap();
    assert!(request.headers().get(INVOCATION_ID).is_none());
}
