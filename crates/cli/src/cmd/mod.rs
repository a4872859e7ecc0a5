//! One module per subcommand; each owns its clap `Args` and a `run` function.

pub mod burn;
pub mod check_media;
pub mod diff;
pub mod drives;
pub mod emu;
pub mod extract;
pub mod info;
pub mod ls;
pub mod media;
pub mod repair;
pub mod sync;
pub mod udf_options;
pub mod verify;
