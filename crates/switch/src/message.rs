//! The engine's messages as data: text with typed places for what depends on who reads
//! it. A stack author reads property names (`FunctionName`, `ProfilingGroupName`) and
//! advice about the macro stack; a command-line user reads flags (`--profiling-group-name`)
//! and advice about their own credentials. The engine says which input a message is about
//! ([`Input`]) and what to do ([`Advice`]); the edge picks the [`Reader`] and renders.

use std::fmt;

/// Who reads a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A stack's author, through the custom resource's FAILED reason.
    StackAuthor,
    /// A person running `lambda-profiling enable` or `disable`.
    CommandLine,
}

/// An input the reader gave: one vocabulary for the custom resource's properties and the
/// command line's arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// `RoleArn`; the command line has none (the function's own role is used).
    Role,
    /// `FunctionName`; on the command line, the function named.
    Function,
    /// `ProfilingGroupName`, `--profiling-group-name`.
    GroupName,
    /// `LayerVersion`; the command line has none.
    LayerVersion,
    /// `LayerArn`, `--layer-arn`.
    LayerArn,
    /// `HeapSummary`; the command line has none.
    HeapSummary,
}

impl Input {
    /// How `reader` names the input.
    pub fn name(self, reader: Reader) -> &'static str {
        match (self, reader) {
            (Input::Role, Reader::StackAuthor) => "RoleArn",
            (Input::Role, Reader::CommandLine) => "the function's execution role",
            (Input::Function, Reader::StackAuthor) => "FunctionName",
            (Input::Function, Reader::CommandLine) => "the function",
            (Input::GroupName, Reader::StackAuthor) => "ProfilingGroupName",
            (Input::GroupName, Reader::CommandLine) => "--profiling-group-name",
            (Input::LayerVersion, Reader::StackAuthor) => "LayerVersion",
            (Input::LayerVersion, Reader::CommandLine) => "the layer version",
            (Input::LayerArn, Reader::StackAuthor) => "LayerArn",
            (Input::LayerArn, Reader::CommandLine) => "--layer-arn",
            (Input::HeapSummary, Reader::StackAuthor) => "HeapSummary",
            (Input::HeapSummary, Reader::CommandLine) => "heap summary",
        }
    }
}

/// What to do, where it depends on who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// The role does not exist.
    CheckRole,
    /// The function does not exist.
    CheckFunction,
    /// The caller lacks a permission.
    GrantPermission,
    /// The function is outside what the caller may read.
    OutOfScope,
    /// AWS did not answer normally: try again later.
    RetryLater,
    /// The references' table is not where it was looked for.
    SameHomeRegion,
    /// The operation that changed something and then failed (a Create, or `enable`).
    ThisOperation,
}

impl Advice {
    /// What `reader` should do.
    pub fn say(self, reader: Reader) -> &'static str {
        use {Advice::*, Reader::*};
        match (self, reader) {
            (CheckRole, StackAuthor) => "check RoleArn, or the function's execution role",
            (CheckRole, CommandLine) => "check the function's execution role",
            (CheckFunction, StackAuthor) => "check FunctionName",
            (CheckFunction, CommandLine) => "check the function's name",
            (GrantPermission, StackAuthor) => {
                "The lambda-profiling execution role lacks this permission: update the macro stack's role or its \
                 FunctionScope parameter"
            }
            (GrantPermission, CommandLine) => {
                "Your credentials lack this permission: grant it (the book's command-line chapter, \
                 docs/src/command-line.md, lists what enable and disable need)"
            }
            (OutOfScope, StackAuthor) => {
                "function mode acts only on the functions the macro stack's FunctionScope parameter names (none \
                 by default): set it to this function's name or a pattern that matches it (team-a-*, or * for \
                 every function), then retry"
            }
            (OutOfScope, CommandLine) => {
                "your credentials lack lambda:GetFunctionConfiguration on it: grant it (the book's command-line \
                 chapter, docs/src/command-line.md, lists what enable and disable need)"
            }
            (RetryLater, StackAuthor) => "retry the stack operation later",
            (RetryLater, CommandLine) => "run it again later",
            (SameHomeRegion, StackAuthor) => "give every macro stack of this account the same HomeRegion",
            (SameHomeRegion, CommandLine) => "pass the macro stacks' HomeRegion as --reference-region",
            (ThisOperation, StackAuthor) => "this Create",
            (ThisOperation, CommandLine) => "this enable",
        }
    }
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Words that read the same for everyone (a function's name, a count, a quota).
    Text(String),
    Input(Input),
    Advice(Advice),
}

impl From<String> for Part {
    fn from(text: String) -> Self {
        Part::Text(text)
    }
}

impl From<&str> for Part {
    fn from(text: &str) -> Self {
        Part::Text(text.to_owned())
    }
}

impl From<Input> for Part {
    fn from(input: Input) -> Self {
        Part::Input(input)
    }
}

impl From<Advice> for Part {
    fn from(advice: Advice) -> Self {
        Part::Advice(advice)
    }
}

/// A message: its parts, rendered for a [`Reader`]. `Display` renders it for a stack's
/// author, whose reason CloudFormation shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message(Vec<Part>);

impl Message {
    pub fn of(parts: Vec<Part>) -> Self {
        Message(parts)
    }

    /// The message as `reader` reads it.
    pub fn render(&self, reader: Reader) -> String {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Input(input) => out.push_str(input.name(reader)),
                Part::Advice(advice) => out.push_str(advice.say(reader)),
            }
        }
        out
    }

    /// Several messages as one, `separator` between them.
    pub fn join(messages: Vec<Message>, separator: &str) -> Message {
        let mut parts = Vec::new();
        for (i, message) in messages.into_iter().enumerate() {
            if i > 0 {
                parts.push(Part::from(separator));
            }
            parts.extend(message.0);
        }
        Message(parts)
    }

    /// This message, then `more`.
    pub fn then(mut self, more: Message) -> Message {
        self.0.extend(more.0);
        self
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message(vec![Part::Text(text)])
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message(vec![Part::from(text)])
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Reader::StackAuthor))
    }
}

/// A [`Message`] of parts: text (`&str`, `String`), [`Input`]s and [`Advice`].
#[macro_export]
macro_rules! say {
    ($($part:expr),+ $(,)?) => {
        $crate::message::Message::of(vec![$($crate::message::Part::from($part)),+])
    };
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
