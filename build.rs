//! Embeds every `content/scenarios/*.toml` at build time: a new file appears in the catalog with
//! no code change.

use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("content/scenarios");
    println!("cargo:rerun-if-changed=content/scenarios");
    println!("cargo:rerun-if-changed=content/glossary.toml");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = String::from(
        "/// `(file name, TOML source)` of every scenario, sorted by file name.\npub static SCENARIO_FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", f.display().to_string()));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("scenarios.rs");
    std::fs::write(dest, out).expect("writing scenarios.rs");
}
