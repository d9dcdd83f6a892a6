//! One file per subcommand: its arguments come from [`crate::cli`], its `run` takes the
//! [`Ui`] and returns the exit code.
mod adopt;
mod completions;
mod config;
mod demo;
mod doctor;
mod hook;
mod hooks;
mod init;
mod lint;
mod man;
pub mod merge_driver;
mod remind;
mod review;
pub(crate) mod schema;
mod staged;
pub(crate) mod status;
mod sync;

use crate::cli::{Cli, Command};
use crate::config::Overrides;
use crate::ui::Ui;
use crate::workspace::Workspace;
use crate::Result;

pub fn run(ui: &mut Ui, cli: Cli) -> Result<u8> {
    ui.set_color(cli.global.color);
    ui.set_verbose(cli.global.verbose);
    let g = &cli.global;
    let code = match cli.command {
        Command::Init(args) => init::run(ui, &Workspace::open(g, &Overrides::default())?, args),
        Command::Lint(args) => lint::run(ui, &Workspace::open(g, &Overrides::default())?, args),
        Command::Sync(args) if args.staged => staged::run(ui, g, args),
        Command::Sync(args) => {
            let o = Overrides {
                timezone: args.timezone.clone(),
                ..Overrides::default()
            };
            sync::run(ui, &Workspace::open(g, &o)?, args)
        }
        Command::Adopt(args) => adopt::run(ui, &Workspace::open(g, &Overrides::default())?, args),
        Command::Status(args) => status::run(ui, &Workspace::open(g, &Overrides::default())?, args),
        Command::Review(args) => review::run(ui, &Workspace::open(g, &Overrides::default())?, args),
        Command::Remind(args) => remind::run(ui, &Workspace::open(g, &Overrides::default())?, args),
        Command::Config(args) => config::run(ui, &Workspace::open(g, &Overrides::default())?, args),
        Command::Schema(args) => schema::run(ui, &Workspace::open(g, &Overrides::default())?, args),
        Command::Demo(args) => demo::run(ui, args),
        Command::Hooks(args) => hooks::run(ui, g, args),
        Command::Hook(args) => hook::run(ui, g, args),
        Command::Doctor => doctor::run(ui, g),
        Command::MergeDriver(args) => merge_driver::run_driver(ui, g, args),
        Command::Resolve(args) => {
            merge_driver::run_resolve(ui, &Workspace::open(g, &Overrides::default())?, args)
        }
        Command::Completions { shell } => completions::run(ui, shell),
        Command::Man => man::run(ui),
    };
    ui.flush();
    code
}
