use std::path::PathBuf;

use clap::Subcommand;

use crate::{api, startup::BoxError};

#[derive(Debug, Subcommand)]
pub enum OpenapiAction {
    /// Write every surface's document as DIR/<surface>.json.
    Export { dir: PathBuf },
}

pub fn run(action: OpenapiAction) -> Result<(), BoxError> {
    let OpenapiAction::Export { dir } = action;
    std::fs::create_dir_all(&dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    for (name, spec) in api::specs() {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, format!("{spec}\n"))
            .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
