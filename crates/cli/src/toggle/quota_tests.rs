use lambda_profiling_switch::toggle::Effect;

use super::*;

fn line(function: &str, new_group: Option<&str>) -> Line {
    Line {
        function: function.into(),
        result: Ok(Effect {
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function}"),
            stack: None,
            steps: vec!["create profiling group".into()],
            note: None,
            applied: false,
            new_group: new_group.map(str::to_owned),
        }),
    }
}

#[test]
fn a_group_counts_once_however_many_functions_make_it() {
    let shared = "arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/pay";
    let own = "arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/aws-lambda-c";
    let failed = Line {
        function: "d".into(),
        result: Err("refused".into()),
    };
    let lines = [
        line("a", Some(shared)),
        line("b", Some(shared)),
        line("c", Some(own)),
        line("e", None),
        failed,
    ];
    assert_eq!(new_groups(&lines), 2);
    assert_eq!(new_groups(&[]), 0);
}

#[test]
fn crossing_says_where_by_how_much_and_how_to_share() {
    let said = over("account 111111111111: us-east-1", 600, 10, 500);
    for part in [
        "makes 600 profiling groups in account 111111111111: us-east-1, which has 10",
        "quota of 500",
        "--profiling-group-name",
        "--group-quota N",
    ] {
        assert!(said.contains(part), "{part}: {said}");
    }
}
