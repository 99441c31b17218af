//! What must hold between a template and the macro's output: only profiled
//! functions, their roles and the added resources differ.

use serde_json::{Map, Value};

const FUNCTIONS: [&str; 2] = ["AWS::Lambda::Function", "AWS::Serverless::Function"];
/// What the macro may change on a profiled function.
const FUNCTION_PROPERTIES: [&str; 5] = ["Layers", "Environment", "Handler", "Policies", "Profiling"];
const ADDED_TYPES: [&str; 2] = ["AWS::CodeGuruProfiler::ProfilingGroup", "Custom::LambdaProfiling"];

fn without(resource: &Value, properties: &[&str], attributes: &[&str]) -> Value {
    let mut r = resource.clone();
    if let Some(m) = r.as_object_mut() {
        for a in attributes {
            m.shift_remove(*a);
        }
        if let Some(Value::Object(p)) = m.get_mut("Properties") {
            for k in properties {
                p.shift_remove(*k);
            }
        }
        // A SAM function without Properties gets some; empty ones are the same as none.
        if m.get("Properties")
            .is_some_and(|p| p.as_object().is_some_and(Map::is_empty))
        {
            m.shift_remove("Properties");
        }
    }
    r
}

/// Every violation of "nothing else changed", as sentences.
pub fn unchanged_elsewhere(input: &Value, output: &Value, profiled: &[String]) -> Vec<String> {
    let mut bad = Vec::new();
    let (Some(inp), Some(out)) = (input.as_object(), output.as_object()) else {
        return vec!["a template is not an object".into()];
    };
    let keys = |m: &Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
    if keys(inp) != keys(out) {
        bad.push(format!(
            "top-level keys changed: {:?} -> {:?}",
            keys(inp),
            keys(out)
        ));
    }
    for (k, v) in inp.iter().filter(|(k, _)| *k != "Resources") {
        if out.get(k) != Some(v) {
            bad.push(format!("section {k} changed"));
        }
    }
    let empty = Map::new();
    let rin = inp.get("Resources").and_then(Value::as_object).unwrap_or(&empty);
    let rout = out.get("Resources").and_then(Value::as_object).unwrap_or(&empty);
    let order_in: Vec<&String> = rin.keys().collect();
    let order_out: Vec<&String> = rout.keys().take(rin.len()).collect();
    if order_in != order_out {
        bad.push("the resources' order changed".into());
    }
    for (id, before) in rin {
        let Some(after) = rout.get(id) else {
            bad.push(format!("{id} was removed"));
            continue;
        };
        if before == after {
            continue;
        }
        let ty = before["Type"].as_str().unwrap_or_default();
        let ok = if FUNCTIONS.contains(&ty) {
            profiled.contains(id)
                && without(before, &FUNCTION_PROPERTIES, &["DependsOn"])
                    == without(after, &FUNCTION_PROPERTIES, &["DependsOn"])
        } else if ty == "AWS::IAM::Role" {
            without(before, &["ManagedPolicyArns"], &[]) == without(after, &["ManagedPolicyArns"], &[])
        } else {
            false
        };
        if !ok {
            bad.push(format!("{id} ({ty}) changed beyond what profiling needs"));
        }
    }
    for (id, r) in rout.iter().filter(|(id, _)| !rin.contains_key(*id)) {
        let ty = r["Type"].as_str().unwrap_or_default();
        if !ADDED_TYPES.contains(&ty) {
            bad.push(format!("added {id} of unexpected type {ty}"));
        }
        if !id.chars().all(|c| c.is_ascii_alphanumeric()) || id.len() > 255 {
            bad.push(format!("added id {id} is not alphanumeric within 255 characters"));
        }
    }
    bad
}

/// Adds `Profiling: true` to every function, as a user asking explicitly would.
pub fn with_explicit_profiling(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(Value::Object(resources)) = doc.get_mut("Resources") {
        for r in resources.values_mut() {
            let is_function = r
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| FUNCTIONS.contains(&t));
            let Some(m) = r.as_object_mut().filter(|_| is_function) else {
                continue;
            };
            let props = m.entry("Properties").or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(p) = props {
                p.insert("Profiling".into(), Value::Bool(true));
            }
        }
    }
    doc
}

/// The template with every unsupported literal `Runtime` (on functions and in
/// `Globals.Function`) made `python3.12`, so that the gate exercises the macro on
/// the many real shapes whose only obstacle is an old runtime. `None` if unchanged.
pub fn with_supported_runtimes(doc: &Value) -> Option<Value> {
    let mut doc = doc.clone();
    let mut changed = false;
    let mut fix = |props: Option<&mut Value>| {
        if let Some(Value::String(rt)) = props.and_then(|p| p.get_mut("Runtime"))
            && lambda_profiling_macro::agent::classify_runtime(rt).is_err()
        {
            *rt = "python3.12".into();
            changed = true;
        }
    };
    if let Some(Value::Object(resources)) = doc.get_mut("Resources") {
        for r in resources.values_mut() {
            if r.get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| FUNCTIONS.contains(&t))
            {
                fix(r.get_mut("Properties"));
            }
        }
    }
    fix(doc.get_mut("Globals").and_then(|g| g.get_mut("Function")));
    changed.then_some(doc)
}

/// The kind of a problem or skip reason, from its message; `other` is unexpected.
pub fn category(message: &str) -> &'static str {
    const KINDS: &[(&str, &str)] = &[
        ("is not supported by CodeGuru Profiler", "runtime"),
        ("older than python3.8", "runtime"),
        ("java8 (Amazon Linux 1)", "runtime"),
        ("is not a runtime CodeGuru Profiler knows", "runtime"),
        ("x86_64 only", "architecture"),
        ("container image", "image"),
        ("has no Runtime", "no-runtime"),
        ("has no value in templateParameterValues", "unresolved-parameter"),
        ("which has no value", "unresolved-parameter"),
        ("Lambda allows at most 5", "too-many-layers"),
        ("cannot append the agent layer", "layers-shape"),
        ("cannot be added without SAM merging", "layers-shape"),
        ("cannot add variables", "environment-shape"),
        ("agent's variables cannot be added", "environment-shape"),
        ("which the macro cannot evaluate", "unevaluable"),
        ("same language", "mixed-runtimes"),
        ("has no Role", "no-role"),
        ("give both branches a role", "role-shape"),
        (
            "neither a resource nor a parameter of this template",
            "role-reference",
        ),
        ("must name a resource and an attribute", "role-reference"),
        ("has no Type", "invalid-resource"),
        ("Type must be a string", "invalid-resource"),
    ];
    KINDS
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or("other", |(_, kind)| kind)
}
