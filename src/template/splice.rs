//! The splice lane: the common case answered from the request's text.
//!
//! When every function of a template is a plain `AWS::Lambda::Function` in the common
//! case ([`fast`]), or asks for nothing, the answer is the fragment with a few pieces
//! spliced in: each function's `Layers` and `Environment`, its role's
//! `ManagedPolicyArns`, and a profiling group per function. The fragment is scanned once
//! ([`super::scan`], [`super::outline`]) and never parsed into values; it is written back as the general
//! lane writes it (compact at the levels the macro reads, every other value as the text
//! it was), so both lanes give the same bytes. Tests, the property test and the corpus
//! gate hold them to that. Anything else gives `None`, and the general lane answers.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::Value;

use super::fast::{self, Triage};
use super::group;
use super::ids::{self, IdMap, Ids};
use super::intrinsics::ParameterValues;
use super::outline::{FunctionAt, Outline, plain_text};
use super::protocol::{self, Status};
use super::role::is_agent_policy_name;
use super::scan::{Scanner, array_items, write_string};
use super::settings::{TransformSettings, parse_transform_parameters};
use super::view::is_function;
use super::{Answer, Context};
use crate::agent::POLICY_ARN_SUB;

/// Answers a macro request from its text, or `None` when the general lane must.
pub fn answer(event: &str, service_token: &str) -> Option<Answer> {
    let request = read_request(event)?;
    let no_values = ParameterValues::new();
    let ctx = Context {
        region: &request.region,
        account_id: &request.account_id,
        service_token,
        values: request.values.as_ref().unwrap_or(&no_values),
    };
    let splice = Splice::plan(request.outline?, request.params.as_ref(), &ctx)?;
    let json = protocol::response(
        splice.size_hint(request.fragment_len) + 256,
        &request.request_id,
        Status::Success,
        |out| splice.write(out),
        None,
    );
    Some(Answer {
        json,
        status: Status::Success,
        problems: 0,
        profiled: splice.functions.len(),
    })
}

/// The expanded fragment by the splice lane, or `None` when it leaves it to the general lane.
pub fn fragment(fragment: &str, params: Option<&Value>, ctx: &Context) -> Option<String> {
    let splice = Splice::plan(Outline::read(fragment)?, params, ctx)?;
    let mut out = Vec::with_capacity(splice.size_hint(fragment.len()));
    splice.write(&mut out);
    String::from_utf8(out).ok()
}

/// A macro request's fields; the fragment as text.
#[derive(Default)]
struct Request<'a> {
    region: Cow<'a, str>,
    account_id: Cow<'a, str>,
    request_id: Cow<'a, str>,
    params: Option<Value>,
    values: Option<ParameterValues>,
    /// The fragment, read as it came.
    outline: Option<Outline<'a>>,
    fragment_len: usize,
}

fn read_request(event: &str) -> Option<Request<'_>> {
    let mut s = Scanner::new(event);
    if !s.enter_object().ok()? {
        return None;
    }
    let (mut r, mut first, mut seen) = (Request::default(), true, 0u8);
    while let Some(key) = s.next_key(&mut first).ok()? {
        const KEYS: [&str; 7] = [
            "region",
            "accountId",
            "requestId",
            "fragment",
            "transformId",
            "params",
            "templateParameterValues",
        ];
        let known = KEYS.iter().position(|k| *k == key);
        if let Some(i) = known {
            if seen & (1 << i) != 0 {
                return None; // a repeated field: the general lane says so
            }
            seen |= 1 << i;
        }
        match known {
            Some(0) => r.region = s.string().ok()?,
            Some(1) => r.account_id = s.string().ok()?,
            Some(2) => r.request_id = s.string().ok()?,
            Some(3) => {
                let start = s.position();
                r.outline = Some(Outline::read_from(&mut s)?);
                r.fragment_len = s.position() - start;
            }
            Some(5) => r.params = serde_json::from_str(s.value().ok()?).ok()?,
            Some(6) => r.values = serde_json::from_str(s.value().ok()?).ok()?,
            _ => drop(s.value().ok()?),
        }
    }
    s.end().ok()?;
    // A macro request has both a fragment and a transformId.
    (seen & 0b11000 == 0b11000).then_some(r)
}

/// What happens to a resource.
#[derive(Clone, Copy, PartialEq)]
enum Action {
    Keep,
    /// A profiled function: its edit in `functions`.
    Function(usize),
    /// A role that gets the agent policy: its new `ManagedPolicyArns` in `roles`.
    Role(usize),
    /// A role that has the policy already.
    RoleHasPolicy,
}

/// A profiled function's edit; its pieces are ranges of [`Splice::texts`].
struct FunctionEdit {
    resource: usize,
    condition: Option<Value>,
    group_id: Range<usize>,
    layers: Range<usize>,
    environment: Range<usize>,
}

struct Splice<'a> {
    outline: Outline<'a>,
    settings: TransformSettings,
    actions: Vec<Action>,
    functions: Vec<FunctionEdit>,
    /// Each edited role's new `ManagedPolicyArns`, a range of `texts`.
    roles: Vec<Range<usize>>,
    /// Everything the lane writes, in one buffer: thousands of small strings kept to
    /// the end would crowd the allocator (at N = 5000 its consolidation showed).
    texts: Vec<u8>,
}

/// Appends what `write` writes to `texts`; where it went.
fn append(texts: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) -> Range<usize> {
    let start = texts.len();
    write(texts);
    start..texts.len()
}

impl<'a> Splice<'a> {
    fn plan(outline: Outline<'a>, params: Option<&Value>, ctx: &Context) -> Option<Self> {
        // SAM's Globals may ask for profiling: the general lane reads them.
        if outline.sections.iter().any(|(k, _)| *k == "Globals") {
            return None;
        }
        let settings = parse_transform_parameters(params, ctx.values).ok()?;
        let resources = &outline.resources;
        let mut index: IdMap<&str, usize> =
            IdMap::with_capacity_and_hasher(resources.len(), Default::default());
        for (i, r) in resources.iter().enumerate() {
            if index.insert(r.id, i).is_some() {
                return None; // a repeated logical id
            }
        }
        let type_of = |id: &str| index.get(id).map(|&i| resources[i].ty);
        let mut ids = Ids::new(resources.iter().map(|r| r.id));
        let mut actions = vec![Action::Keep; resources.len()];
        let (mut functions, mut roles) = (Vec::new(), Vec::new());
        let functions_in = resources.iter().filter(|r| is_function(r.ty)).count();
        // A profiled function's Layers, Environment and group id take about 700 bytes.
        let mut texts = Vec::with_capacity(768 * functions_in);
        let agent_layers = fast::AgentLayers::default();
        for (i, r) in resources.iter().enumerate().filter(|(_, r)| is_function(r.ty)) {
            let plan = match fast::triage(&FunctionAt(&outline, r), type_of, &settings, ctx, &agent_layers) {
                Triage::Off => continue,
                Triage::Fast(plan) => plan,
                Triage::General => return None,
            };
            let role = *index.get(plan.role.as_str())?;
            if actions[role] == Action::Keep {
                let current = outline.property(&resources[role], "ManagedPolicyArns");
                let start = texts.len();
                actions[role] = match role_arns(current, &mut texts)? {
                    // Nowhere to put the policy: the general lane adds Properties.
                    true if resources[role].properties.is_none() => return None,
                    true => {
                        roles.push(start..texts.len());
                        Action::Role(roles.len() - 1)
                    }
                    false => Action::RoleHasPolicy,
                };
            }
            let group_id = ids.free(&ids::logical_id(r.id, "ProfilingGroup"));
            ids.claim(&group_id);
            let condition = match outline.key(r, "Condition") {
                Some(text) => Some(serde_json::from_str(text).ok()?),
                None => None,
            };
            actions[i] = Action::Function(functions.len());
            functions.push(FunctionEdit {
                resource: i,
                condition,
                layers: append(&mut texts, |t| plan.write_layers(t)),
                environment: append(&mut texts, |t| plan.write_environment(t, &group_id, ctx.region)),
                group_id: append(&mut texts, |t| t.extend_from_slice(group_id.as_bytes())),
            });
        }
        Some(Splice {
            outline,
            settings,
            actions,
            functions,
            roles,
            texts,
        })
    }

    /// The answer's size, about: the fragment and about 1 KB more per profiled function.
    fn size_hint(&self, fragment_len: usize) -> usize {
        fragment_len + 1024 * self.functions.len()
    }

    fn text(&self, range: &Range<usize>) -> &[u8] {
        &self.texts[range.clone()]
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (key, text)) in self.outline.sections.iter().enumerate() {
            write_key(out, i, key.as_bytes());
            match *key {
                "Resources" => self.write_resources(out),
                _ => out.extend_from_slice(text.as_bytes()),
            }
        }
        out.push(b'}');
    }

    fn write_resources(&self, out: &mut Vec<u8>) {
        let o = &self.outline;
        out.push(b'{');
        for (i, r) in o.resources.iter().enumerate() {
            write_key(out, i, r.id.as_bytes());
            out.push(b'{');
            for (j, (key, text)) in o.keys[r.keys.clone()].iter().enumerate() {
                write_key(out, j, key.as_bytes());
                match (*key, &r.properties) {
                    ("Properties", Some(props)) => self.write_properties(out, props.clone(), self.actions[i]),
                    _ => out.extend_from_slice(text.as_bytes()),
                }
            }
            out.push(b'}');
        }
        let (retain, tags) = (self.settings.retain, &self.settings.tags);
        for (i, f) in self.functions.iter().enumerate() {
            write_key(out, o.resources.len() + i, self.text(&f.group_id));
            let function_id = o.resources[f.resource].id;
            group::write_default_group(out, function_id, f.condition.as_ref(), retain, tags);
        }
        out.push(b'}');
    }

    /// A resource's properties: as they were, less `Profiling` for a function, with the
    /// edited ones in place or, when new, at the end.
    fn write_properties(&self, out: &mut Vec<u8>, range: Range<usize>, action: Action) {
        let sets: &[(&str, &[u8])] = match action {
            Action::Function(f) => {
                let f = &self.functions[f];
                &[
                    ("Layers", self.text(&f.layers)),
                    ("Environment", self.text(&f.environment)),
                ]
            }
            Action::Role(r) => &[("ManagedPolicyArns", self.text(&self.roles[r]))],
            Action::Keep | Action::RoleHasPolicy => &[],
        };
        let function = matches!(action, Action::Function(_));
        let mut written = [false; 2];
        let mut n = 0;
        out.push(b'{');
        for (key, text) in &self.outline.properties[range] {
            if function && *key == "Profiling" {
                continue;
            }
            write_key(out, n, key.as_bytes());
            n += 1;
            match sets.iter().position(|(k, _)| k == key) {
                Some(at) => {
                    written[at] = true;
                    out.extend_from_slice(sets[at].1);
                }
                None => out.extend_from_slice(text.as_bytes()),
            }
        }
        for ((key, text), _) in sets.iter().zip(written).filter(|(_, w)| !w) {
            write_key(out, n, key.as_bytes());
            n += 1;
            out.extend_from_slice(text);
        }
        out.push(b'}');
    }
}

/// `,"key":` (no comma before the first); the key holds no escapes.
fn write_key(out: &mut Vec<u8>, index: usize, key: &[u8]) {
    if index > 0 {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(key);
    out.extend_from_slice(b"\":");
}

/// Appends a role's new `ManagedPolicyArns`, from its current text, to `out`: `Some(true)`;
/// `Some(false)` (nothing written) when it has the policy already; `None` when it is not
/// a literal list of names (the general lane's case; `out` may then hold a part).
fn role_arns(current: Option<&str>, out: &mut Vec<u8>) -> Option<bool> {
    let start = out.len();
    out.push(b'[');
    for item in current.map(array_items).unwrap_or(Some(Vec::new()))? {
        let name: Cow<str> = match plain_text(item) {
            Some(name) => Cow::Borrowed(name),
            None => serde_json::from_str::<String>(item).ok()?.into(),
        };
        if is_agent_policy_name(&name) {
            out.truncate(start);
            return Some(false);
        }
        write_string(out, &name);
        out.push(b',');
    }
    out.extend_from_slice(b"{\"Fn::Sub\":");
    write_string(out, POLICY_ARN_SUB);
    out.extend_from_slice(b"}]");
    Some(true)
}

#[cfg(test)]
#[path = "splice_tests.rs"]
mod tests;
