//! One trial of the concurrency test: its set-up, the two requests at once, the checks.

use std::time::Duration;

use lambda_profiling_switch::references::ledger::{ATTACHED_KEY, ref_key};
use serde_json::{Value, json};
use tokio::runtime::Handle;

use crate::runtime_api::{Function, Invocation, Reply};
use crate::support::*;
use crate::{TIMEOUT, set_iam_delay};

const POLICY: &str = "arn:aws:iam::aws:policy/AmazonCodeGuruProfilerAgentAccess";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    DeleteCreate,
    CreateCreate,
    DeleteDelete,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::DeleteCreate, Kind::CreateCreate, Kind::DeleteDelete];
}

/// A `bootstrap` process and its region.
pub struct Lambda<'a> {
    pub region: String,
    pub function: Function<'a>,
    /// Requests sent: its log must have one line for each.
    pub sent: usize,
}

/// splitmix64: small, seedable, the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A stack's resource: its StackId (in the region of the process that serves it).
#[derive(Clone)]
struct Resource {
    stack_id: String,
    lambda: usize,
}

fn stack_arn(region: &str, name: &str) -> String {
    format!(
        "arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{name}/{}",
        unique("id")
    )
}

/// A request, ready to send: the event and the key of its response object.
struct Request {
    label: String,
    lambda: usize,
    event: Vec<u8>,
    key: String,
}

async fn request(s: &Servers, kind: &str, r: &Resource, role_arn: &str, role: &str) -> Request {
    let key = unique("response");
    let url = response_url(s, &key).await;
    let props = json!({"ServiceToken": service_token(), "RoleArn": role_arn});
    let physical = format!("role:{role}");
    let physical = (kind != "Create").then_some(physical.as_str());
    let mut e = event(kind, &url, "unused", "Profiling", props, physical, None);
    e["StackId"] = r.stack_id.clone().into();
    Request {
        label: format!("{kind}({})", r.stack_id.split('/').nth(1).unwrap_or_default()),
        lambda: r.lambda,
        event: serde_json::to_vec(&e).unwrap(),
        key,
    }
}

/// Sends the request and waits; the answer's status, with CloudFormation's view of it.
fn send(h: &Handle, s: &Servers, lambda: &mut Lambda, r: Request) -> Result<(), String> {
    lambda.sent += 1;
    let reply = lambda
        .function
        .send(Invocation::new(r.event, TIMEOUT))
        .map_err(|e| format!("{} in {}: {e}", r.label, lambda.region))?;
    let summary: Value = match &reply.reply {
        Reply::Response(bytes) => serde_json::from_slice(bytes).unwrap(),
        Reply::Error { error_type, message } => return Err(format!("{}: {error_type}: {message}", r.label)),
    };
    if summary["Status"] == "SUCCESS" {
        return Ok(());
    }
    let response = h.block_on(read_response(s, &r.key)).map(|(v, _)| v);
    Err(format!("{} in {} answered {response:?}", r.label, lambda.region))
}

/// One trial; panics with `what` (the kind, the trial and the seeds) on any violation.
pub fn run_trial(
    h: &Handle,
    s: &'static Servers,
    lambdas: &mut [Lambda; 2],
    kind: Kind,
    rng: &mut Rng,
    what: &str,
) {
    let c = h.block_on(clients(s, &unique("trial")));
    let role = unique("shared");
    let arn = h.block_on(create_role(&c, &role));
    let user = rng.below(2) == 0;
    let tag_format = rng.below(4) == 0;
    if user {
        let attach = c.iam.attach_role_policy().role_name(&role).policy_arn(POLICY);
        h.block_on(attach.send()).unwrap();
    }
    // A resource of a version before the references' table, on the role as that version left it.
    let old = tag_format.then(|| Resource {
        stack_id: stack_arn("us-east-1", &unique("old")),
        lambda: 0,
    });
    if let Some(old) = &old {
        h.block_on(seed_old_reference(&c, &role, &old.stack_id, !user));
    }
    let first = rng.below(2) as usize;
    let region = |l: usize| lambdas[l].region.clone();
    let a = Resource {
        stack_id: stack_arn(&region(first), &unique("a")),
        lambda: first,
    };
    let b = Resource {
        stack_id: stack_arn(&region(1 - first), &unique("b")),
        lambda: 1 - first,
    };
    let fail = |why: String| -> ! { panic!("{what}: {why}") };

    // Set-up, one request at a time.
    let made: &[&Resource] = match kind {
        Kind::DeleteCreate => &[&a],
        Kind::CreateCreate => &[],
        Kind::DeleteDelete => &[&a, &b],
    };
    for r in made {
        let req = h.block_on(request(s, "Create", r, &arn, &role));
        send(h, s, &mut lambdas[r.lambda], req).unwrap_or_else(|e| fail(e));
    }
    let (kind_a, kind_b, live): (&str, &str, Vec<&Resource>) = match kind {
        Kind::DeleteCreate => ("Delete", "Create", vec![&b]),
        Kind::CreateCreate => ("Create", "Create", vec![&a, &b]),
        Kind::DeleteDelete => ("Delete", "Delete", vec![]),
    };
    let mut requests = vec![
        h.block_on(request(s, kind_a, &a, &arn, &role)),
        h.block_on(request(s, kind_b, &b, &arn, &role)),
    ];
    if rng.below(2) == 0 {
        requests.swap(0, 1);
    }
    let offset = Duration::from_millis(rng.below(151));
    h.block_on(set_iam_delay(s, &role, Some((50, 200)), rng.next()));

    // The two requests at once, the second 0–150 ms after the first.
    let [l0, l1] = lambdas;
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let mut by_lambda = [Some(l0), Some(l1)];
        let handles: Vec<_> = requests
            .into_iter()
            .enumerate()
            .map(|(i, req)| {
                let lambda = by_lambda[req.lambda].take().expect("one request per process");
                scope.spawn(move || {
                    if i == 1 {
                        std::thread::sleep(offset);
                    }
                    send(h, s, lambda, req)
                })
            })
            .collect();
        handles.into_iter().map(|t| t.join().unwrap()).collect()
    });
    h.block_on(set_iam_delay(s, &role, None, 0));
    for r in results {
        r.unwrap_or_else(|e| fail(e));
    }

    // While a resource is live, the role holds the policy; then every resource goes.
    let mut remaining: Vec<Resource> = live.into_iter().cloned().chain(old).collect();
    while !remaining.is_empty() {
        if !h
            .block_on(attached_policies(&c, &role))
            .contains(&POLICY.to_owned())
        {
            fail(format!(
                "{} live resource(s) and the role lacks the policy",
                remaining.len()
            ));
        }
        let r = remaining.remove(0);
        let req = h.block_on(request(s, "Delete", &r, &arn, &role));
        send(h, s, &mut lambdas[r.lambda], req).unwrap_or_else(|e| fail(e));
    }
    let attached = h
        .block_on(attached_policies(&c, &role))
        .contains(&POLICY.to_owned());
    if attached != user {
        fail(format!(
            "every resource is gone; the policy attached: {attached}, the user's: {user}"
        ));
    }
    let tags = h.block_on(role_tags(&c, &role));
    if tags.iter().any(|(k, _)| k.starts_with("lambda-profiling:")) {
        fail(format!("tags of ours left: {tags:?}"));
    }
    if let Some(left) = h.block_on(record(&c, &role)) {
        fail(format!("the role's record is left: {left:?}"));
    }
}

/// The role as a version before the references' table left it for one live resource: its reference tag
/// and, when that version attached the policy, the attached tag and the policy.
pub async fn seed_old_reference(
    c: &lambda_profiling_switch::Clients,
    role: &str,
    stack_id: &str,
    attached_by_us: bool,
) {
    let tag = |k: &str, v: &str| {
        aws_sdk_iam::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap()
    };
    let mut tags = vec![tag(
        &ref_key(stack_id, "Profiling", &format!("role:{role}")),
        "role",
    )];
    if attached_by_us {
        tags.push(tag(ATTACHED_KEY, "true"));
        c.iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(POLICY)
            .send()
            .await
            .unwrap();
    }
    c.iam
        .tag_role()
        .role_name(role)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
}
