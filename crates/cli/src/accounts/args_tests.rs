use super::*;

fn args(accounts: &[&str], org: bool, role: Option<&str>) -> AccountArgs {
    AccountArgs {
        accounts: accounts.iter().map(|a| a.to_string()).collect(),
        org,
        role_name: role.map(str::to_owned),
    }
}

#[test]
fn the_caller_the_accounts_listed_or_the_organization() {
    assert_eq!(args(&[], false, None).read(), Ok(Accounts::Caller));
    assert_eq!(
        args(
            &["111111111111", "222222222222", "111111111111"],
            false,
            Some("Ops")
        )
        .read(),
        Ok(Accounts::Listed {
            ids: vec!["111111111111".into(), "222222222222".into()],
            role: "Ops".into()
        }),
        "each account once, in the order given"
    );
    assert_eq!(
        args(&[], true, Some("Ops")).read(),
        Ok(Accounts::Organization { role: "Ops".into() })
    );
}

#[test]
fn flags_that_do_not_go_together_say_which_and_how() {
    for (a, said) in [
        (args(&["111111111111"], false, None), "give --role-name"),
        (args(&[], true, Some("")), "give --role-name"),
        (
            args(&[], false, Some("Ops")),
            "--role-name is for --accounts or --org",
        ),
        (
            args(&["1111"], false, Some("Ops")),
            "--accounts \"1111\": an account ID is 12 digits",
        ),
        (
            args(&["11111111111x"], false, Some("Ops")),
            "an account ID is 12 digits",
        ),
    ] {
        let e = a.read().unwrap_err();
        assert!(e.contains(said), "{e}");
    }
}

#[test]
fn a_roles_arn_is_in_the_callers_partition() {
    assert_eq!(
        role_arn("111111111111", "Ops", "aws"),
        "arn:aws:iam::111111111111:role/Ops"
    );
    assert_eq!(
        role_arn("111111111111", "Ops", "aws-cn"),
        "arn:aws-cn:iam::111111111111:role/Ops"
    );
}
