//! One function as the macro reads it: its own properties, and for SAM functions
//! the `Globals.Function` values SAM would merge into them.

use std::borrow::Cow;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::sam;
use crate::rules::resource_types::SAM_FUNCTION;

static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

#[derive(Debug, Clone, Copy)]
pub(crate) struct FunctionView<'t> {
    pub id: &'t str,
    pub sam: bool,
    pub resource: &'t Value,
    pub props: &'t Map<String, Value>,
    /// `Globals.Function`, for SAM functions only.
    pub globals: Option<&'t Map<String, Value>>,
}

impl<'t> FunctionView<'t> {
    pub(crate) fn new(
        id: &'t str,
        ty: &str,
        resource: &'t Value,
        globals: Option<&'t Map<String, Value>>,
    ) -> Self {
        let sam = ty == SAM_FUNCTION;
        let props = resource
            .get("Properties")
            .and_then(Value::as_object)
            .unwrap_or(&EMPTY);
        FunctionView {
            id,
            sam,
            resource,
            props,
            globals: if sam { globals } else { None },
        }
    }

    /// `Resources.<id>.Properties.<key>`
    pub(crate) fn path(&self, key: &str) -> String {
        format!("Resources.{}.Properties.{key}", self.id)
    }

    pub(crate) fn own(&self, key: &str) -> Option<&'t Value> {
        self.props.get(key)
    }

    pub(crate) fn global(&self, key: &str) -> Option<&'t Value> {
        self.globals?.get(key)
    }

    /// A property as SAM will deploy it: the function's own value merged with the
    /// global one ([`sam::merge`]), and the path to blame for it.
    pub(crate) fn effective(&self, key: &str) -> (Option<Cow<'t, Value>>, String) {
        match (self.own(key), self.global(key)) {
            (Some(own), Some(global)) => (Some(Cow::Owned(sam::merge(global, own))), self.path(key)),
            (Some(own), None) => (Some(Cow::Borrowed(own)), self.path(key)),
            (None, Some(global)) => (Some(Cow::Borrowed(global)), format!("Globals.Function.{key}")),
            (None, None) => (None, self.path(key)),
        }
    }

    /// A resource attribute such as `Condition` or `DependsOn`.
    pub(crate) fn attribute(&self, key: &str) -> Option<&'t Value> {
        self.resource.get(key)
    }
}
