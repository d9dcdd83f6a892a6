//! clap types only.
#[derive(clap::Parser, Debug)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
}
#[derive(clap::Args, Debug)]
pub struct Global {
    #[arg(long, global = true)]
    pub verbose: bool,
}
