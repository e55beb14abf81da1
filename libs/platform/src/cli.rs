//! The command line both services share (clap): `serve` (the default), `migrate`, `openapi`,
//! `verify-audit` (the approval service's audit chain);
//! `--help` and `--version` print and exit, they never start a server. Settings come from the
//! environment (README, Configuration), not from flags.

use clap::{Parser, Subcommand};

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run the service (the default): migrations are applied first.
    Serve,
    /// Apply pending migrations to DATABASE_URL and exit.
    Migrate,
    /// Print the OpenAPI document (JSON) and exit.
    Openapi,
    /// Seal the pending audit rows, verify the hash chain of DATABASE_URL's audit trail and
    /// print the answer (JSON); exit status 0 when the chain holds, 1 when it breaks (approval
    /// service only).
    VerifyAudit,
}

#[derive(Debug, Parser)]
#[command(version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// Parse the process's arguments for service `name`; prints help or an error and exits as
/// clap does (`--help`: status 0, a bad command: status 2).
pub fn parse(name: &'static str, about: &'static str) -> Command {
    use clap::{CommandFactory, FromArgMatches};
    let cmd = Cli::command()
        .name(name)
        .bin_name(name)
        .about(about)
        .after_help("Configuration is read from the environment: DATABASE_URL, BIND, JWT_SECRET, REDIS_URL … (README, Configuration).");
    let matches = cmd.get_matches();
    match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli.command.unwrap_or(Command::Serve),
        Err(e) => e.exit(),
    }
}

/// A start-up error in words an operator acts on: a busy port names the `BIND` to change.
pub fn explain_start_error(err: &str, bind: &str) -> String {
    if err.contains("Address already in use") || err.contains("os error 98") {
        format!("{bind} is already in use (another instance running?): set BIND to a free address, e.g. BIND=127.0.0.1:0 for any port")
    } else {
        err.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_port_names_bind() {
        let m = explain_start_error(
            "bind: Address already in use (os error 98)",
            "127.0.0.1:8080",
        );
        assert!(
            m.contains("127.0.0.1:8080 is already in use") && m.contains("BIND"),
            "{m}"
        );
        assert_eq!(
            explain_start_error("database: refused", "x"),
            "database: refused"
        );
    }

    #[test]
    fn commands_parse_and_help_is_not_a_command() {
        use clap::{CommandFactory, FromArgMatches};
        let parse = |args: &[&str]| {
            Cli::command()
                .try_get_matches_from(args)
                .map(|m| Cli::from_arg_matches(&m).unwrap().command)
        };
        assert_eq!(parse(&["x"]).unwrap(), None);
        assert_eq!(parse(&["x", "migrate"]).unwrap(), Some(Command::Migrate));
        assert_eq!(parse(&["x", "openapi"]).unwrap(), Some(Command::Openapi));
        assert_eq!(
            parse(&["x", "verify-audit"]).unwrap(),
            Some(Command::VerifyAudit)
        );
        let help = parse(&["x", "serve", "--help"]).unwrap_err();
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
        assert!(parse(&["x", "launch"]).is_err());
    }
}
