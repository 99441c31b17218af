//! The flags that choose the accounts, read into what they ask for (pure).

/// Which accounts to act in.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AccountArgs {
    /// Act in these accounts (comma-separated), by assuming --role-name in each
    /// [default: the caller's own account].
    #[arg(long, value_name = "ID,ID", value_delimiter = ',', conflicts_with = "org")]
    pub accounts: Vec<String>,
    /// Act in every active account of the caller's organization, by assuming --role-name.
    #[arg(long)]
    pub org: bool,
    /// The role to assume in each account of --accounts or --org.
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
}

/// What the arguments ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accounts {
    /// The caller's own credentials.
    Caller,
    /// These accounts, entered by assuming `role`.
    Listed { ids: Vec<String>, role: String },
    /// The organization's active accounts, entered by assuming `role`.
    Organization { role: String },
}

impl AccountArgs {
    /// The accounts asked for, or what is wrong with the flags.
    pub fn read(&self) -> Result<Accounts, String> {
        let role = || {
            self.role_name.clone().filter(|r| !r.is_empty()).ok_or_else(|| {
                "--accounts and --org enter each account by assuming a role: give --role-name, such as \
                 --role-name OrganizationAccountAccessRole"
                    .to_owned()
            })
        };
        if let Some(bad) = self
            .accounts
            .iter()
            .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!(
                "--accounts {bad:?}: an account ID is 12 digits, such as 123456789012"
            ));
        }
        match (self.accounts.is_empty(), self.org) {
            (true, false) if self.role_name.is_some() => {
                Err("--role-name is for --accounts or --org: name the accounts to enter".into())
            }
            (true, false) => Ok(Accounts::Caller),
            (true, true) => Ok(Accounts::Organization { role: role()? }),
            (false, _) => {
                let mut ids: Vec<String> = Vec::new();
                for id in &self.accounts {
                    if !ids.contains(id) {
                        ids.push(id.clone());
                    }
                }
                Ok(Accounts::Listed { ids, role: role()? })
            }
        }
    }
}

/// The role's ARN in `account`, in the caller's partition (`aws`, `aws-cn`, ...).
pub fn role_arn(account: &str, role: &str, partition: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{role}")
}

#[cfg(test)]
#[path = "args_tests.rs"]
mod tests;
