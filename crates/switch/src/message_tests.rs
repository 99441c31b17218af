use super::*;

const INPUTS: [Input; 6] = [
    Input::Role,
    Input::Function,
    Input::GroupName,
    Input::LayerVersion,
    Input::LayerArn,
    Input::HeapSummary,
];

const ADVICE: [Advice; 7] = [
    Advice::CheckRole,
    Advice::CheckFunction,
    Advice::GrantPermission,
    Advice::OutOfScope,
    Advice::RetryLater,
    Advice::SameHomeRegion,
    Advice::ThisOperation,
];

#[test]
fn a_stack_author_reads_the_property_names() {
    let names: Vec<&str> = INPUTS.iter().map(|i| i.name(Reader::StackAuthor)).collect();
    assert_eq!(
        names,
        [
            "RoleArn",
            "FunctionName",
            "ProfilingGroupName",
            "LayerVersion",
            "LayerArn",
            "HeapSummary"
        ]
    );
}

#[test]
fn a_command_line_user_reads_flags_and_never_a_property_name() {
    assert_eq!(
        Input::GroupName.name(Reader::CommandLine),
        "--profiling-group-name"
    );
    assert_eq!(Input::LayerArn.name(Reader::CommandLine), "--layer-arn");
    assert_eq!(Input::Function.name(Reader::CommandLine), "the function");
    let property_names: Vec<&str> = INPUTS.iter().map(|i| i.name(Reader::StackAuthor)).collect();
    let said: Vec<&str> = INPUTS
        .iter()
        .map(|i| i.name(Reader::CommandLine))
        .chain(ADVICE.iter().map(|a| a.say(Reader::CommandLine)))
        .collect();
    for text in said {
        for name in &property_names {
            assert!(!text.contains(name), "{text:?} names the property {name}");
        }
        for stack_word in [
            "FunctionScope",
            "Create",
            "stack operation",
            "execution role lacks",
        ] {
            assert!(!text.contains(stack_word), "{text:?} speaks of {stack_word}");
        }
    }
}

#[test]
fn each_advice_says_something_different_to_each_reader() {
    for advice in ADVICE {
        let (stack, cli) = (advice.say(Reader::StackAuthor), advice.say(Reader::CommandLine));
        assert!(!stack.is_empty() && !cli.is_empty(), "{advice:?}");
        assert_ne!(stack, cli, "{advice:?}");
    }
}

#[test]
fn a_message_renders_its_places_for_each_reader() {
    let message = crate::say![
        "LayerArn-like text stays: ",
        Input::LayerArn,
        " \"arn:x\" is wrong; ",
        Advice::RetryLater
    ];
    assert_eq!(
        message.render(Reader::StackAuthor),
        "LayerArn-like text stays: LayerArn \"arn:x\" is wrong; retry the stack operation later"
    );
    assert_eq!(
        message.render(Reader::CommandLine),
        "LayerArn-like text stays: --layer-arn \"arn:x\" is wrong; run it again later"
    );
    assert_eq!(message.to_string(), message.render(Reader::StackAuthor));
}

#[test]
fn joined_messages_keep_their_places() {
    let joined = Message::join(
        vec![crate::say![Input::GroupName, " bad"], Message::from("plain")],
        "; ",
    );
    assert_eq!(
        joined.render(Reader::CommandLine),
        "--profiling-group-name bad; plain"
    );
    let then = Message::from("a ").then(crate::say![Advice::ThisOperation]);
    assert_eq!(then.render(Reader::CommandLine), "a this enable");
}
