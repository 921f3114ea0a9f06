//! Build the app to `dist/`: cargo (wasm32, release) → wasm-bindgen → copy `public/`.
//! No wasm-opt: Debian's binaryen 108 corrupts the externref table export (see ../shared/toolchain.md).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

pub struct Options {
    pub release: bool,
}

impl Options {
    pub fn from_args(args: &[String]) -> Result<Self> {
        let mut options = Options { release: true };
        for arg in args {
            match arg.as_str() {
                "--dev" => options.release = false,
                other => bail!("dist: unknown option {other:?} (allowed: --dev)"),
            }
        }
        Ok(options)
    }
}

pub fn build(options: &Options) -> Result<PathBuf> {
    let root = crate::root();
    let mut args = vec!["build", "-p", "scale-dojo", "--bin", "scale-dojo", "--target", "wasm32-unknown-unknown", "--locked"];
    if options.release {
        args.push("--release");
    }
    crate::cargo(&args)?;
    let profile = if options.release { "release" } else { "debug" };
    let wasm = root.join("target/wasm32-unknown-unknown").join(profile).join("scale-dojo.wasm");
    let dist = root.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).context("removing old dist/")?;
    }
    std::fs::create_dir_all(&dist)?;
    wasm_bindgen_cli::wasm_bindgen::run_cli_with_args([
        "wasm-bindgen".as_ref(),
        "--target".as_ref(),
        "web".as_ref(),
        "--no-typescript".as_ref(),
        "--remove-name-section".as_ref(),
        "--remove-producers-section".as_ref(),
        "--out-name".as_ref(),
        "app".as_ref(),
        "--out-dir".as_ref(),
        dist.as_os_str(),
        wasm.as_os_str(),
    ])
    .context("wasm-bindgen")?;
    copy_dir(&root.join("public"), &dist)?;
    eprintln!("xtask: dist ready in {}", dist.display());
    Ok(dist)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
