//! The command line, as DESIGN.md's "Commands" section fixes it: every subcommand and flag.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "flow",
    version,
    about = "A durable workflow engine for Amazon States Language state machines"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start an execution of a definition and drive it to its end.
    Run(RunArgs),
    /// Finish an execution that failed or was interrupted; completed steps are not re-run.
    Resume(ResumeArgs),
    /// Undo an execution: run each completed step's compensation, in reverse order.
    Rollback(RollbackArgs),
    /// Show an execution's summary.
    Status(StatusArgs),
    /// List the executions in the state database.
    List(ListArgs),
    /// Show an execution's event history.
    History(HistoryArgs),
    /// Check a definition and report every problem in it.
    Validate(ValidateArgs),
    /// Draw a definition, or an execution's progress through it.
    Graph(GraphArgs),
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// `--state`: the SQLite database of executions.
#[derive(Debug, Clone, Args)]
pub struct StateArgs {
    /// The state database.
    #[arg(
        long = "state",
        value_name = "DB",
        env = "FLOW_STATE",
        default_value = "state/flow.db"
    )]
    pub path: PathBuf,
}

/// `--region`, `--profile`: where `aws-sdk:` tasks call AWS. Each wins over its environment
/// variable (`AWS_REGION`, `AWS_PROFILE`) and the shared config files, as in the AWS CLI.
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// The AWS region for `aws-sdk:` tasks.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The named profile (in ~/.aws/config and ~/.aws/credentials) for `aws-sdk:` tasks.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The state machine definition (ASL JSON).
    #[arg(value_name = "definition.json")]
    pub definition: PathBuf,
    /// The execution input, from a file.
    #[arg(long, value_name = "FILE", conflicts_with = "input_json")]
    pub input: Option<PathBuf>,
    /// The execution input, given inline.
    #[arg(long = "input-json", value_name = "JSON")]
    pub input_json: Option<String>,
    /// A name for the execution, usable wherever an execution id is.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub state: StateArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
    /// Roll the execution back if it fails.
    #[arg(long = "rollback-on-failure")]
    pub rollback_on_failure: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The execution's id or name.
    #[arg(value_name = "execution-id")]
    pub execution: String,
    #[command(flatten)]
    pub state: StateArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The execution's id or name.
    #[arg(value_name = "execution-id")]
    pub execution: String,
    #[command(flatten)]
    pub state: StateArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The execution's id or name.
    #[arg(value_name = "execution-id")]
    pub execution: String,
    #[command(flatten)]
    pub state: StateArgs,
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub state: StateArgs,
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The execution's id or name.
    #[arg(value_name = "execution-id")]
    pub execution: String,
    #[command(flatten)]
    pub state: StateArgs,
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The state machine definition (ASL JSON).
    #[arg(value_name = "definition.json")]
    pub definition: PathBuf,
}

/// `--format` of `flow graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum GraphFormat {
    #[default]
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// A definition file, or an execution's id or name (its states coloured by status).
    #[arg(value_name = "definition.json | execution-id")]
    pub target: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: GraphFormat,
    #[command(flatten)]
    pub state: StateArgs,
}
