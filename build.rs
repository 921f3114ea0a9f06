//! Embeds every `content/scenarios/*.toml` at build time: a new file appears in the catalog with
//! no code change.

use std::path::Path;

#[path = "src/catalog/excerpt.rs"]
mod excerpt;

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
    out.push_str(&cards(&files));
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("scenarios.rs");
    std::fs::write(dest, out).expect("writing scenarios.rs");
}

/// `SCENARIO_CARDS`: id, chapter, title and the story's first sentence of every file that has
/// them, for the catalog's first paint. The engine still checks every file (a file it refuses
/// loses its card in the app); the app's tests check each card against the parsed scenario.
fn cards(files: &[std::path::PathBuf]) -> String {
    let mut out = String::from("/// The catalog's card of every scenario file, sorted by file name (see `build.rs`).\n");
    out.push_str("pub static SCENARIO_CARDS: &[crate::catalog::Card] = &[\n");
    for f in files {
        let Ok(doc) = std::fs::read_to_string(f).unwrap_or_default().parse::<toml::Table>() else { continue };
        let text = |v: Option<&toml::Value>| {
            let t = v?.as_table()?;
            Some((t.get("ko")?.as_str()?.to_string(), t.get("en")?.as_str()?.to_string()))
        };
        let (Some(id), Some(chapter), Some(title)) =
            (doc.get("id").and_then(|v| v.as_str()), doc.get("chapter").and_then(|v| v.as_str()), text(doc.get("title")))
        else {
            continue;
        };
        let excerpt = match text(doc.get("story")) {
            Some((ko, en)) => format!(
                "Some(crate::catalog::Text {{ ko: {:?}, en: {:?} }})",
                excerpt::first_sentence(&ko),
                excerpt::first_sentence(&en)
            ),
            None => "None".to_string(),
        };
        let name = f.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    crate::catalog::Card {{ file: {name:?}, id: {id:?}, chapter: {chapter:?}, title: crate::catalog::Text {{ ko: {:?}, en: {:?} }}, excerpt: {excerpt} }},\n",
            title.0, title.1
        ));
    }
    out.push_str("];\n");
    out
}
