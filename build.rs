//! Reads every `content/scenarios/*.toml` at build time with the engine's own parser (a new file
//! appears in the catalog with no code change) and embeds each as its document in JSON, or as the
//! engine's error, so the wasm ships no TOML parser; writes each file's catalog card; and types
//! `content/glossary.toml` into Rust statics (a broken glossary fails the build, naming why).

use std::path::Path;

#[path = "src/catalog/excerpt.rs"]
mod excerpt;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("content/scenarios");
    println!("cargo:rerun-if-changed=content/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = String::from(
        "/// `(file name, its document as JSON or the engine's error)` of every scenario, sorted by file name.\n\
         pub static SCENARIO_FILES: &[(&str, Result<&str, &str>)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        let src = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        out.push_str(&format!("    ({name:?}, {}),\n", document(&name, &src)));
    }
    out.push_str("];\n");
    out.push_str(&cards(&files));
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("scenarios.rs"), out).expect("writing scenarios.rs");
    println!("cargo:rerun-if-changed=content/glossary.toml");
    let glossary = std::fs::read_to_string(Path::new(&root).join("content/glossary.toml")).expect("content/glossary.toml");
    std::fs::write(Path::new(&out_dir).join("glossary.rs"), glossary_terms(&glossary)).expect("writing glossary.rs");
}

/// `Ok(json)` of the file's document, or `Err(why)` in the engine's words (a syntax error); the
/// app types and validates the document with the engine at run time, as it did the text.
fn document(name: &str, src: &str) -> String {
    use simulation::scenario::{Scenario, document_to_json, parse_document};
    match parse_document(src) {
        Err(e) => format!("Err({:?})", e.to_string()),
        Ok(doc) => match document_to_json(&doc) {
            Some(json) => format!("Ok({json:?})"),
            // A value JSON cannot carry (NaN, a date) where the engine refuses it anyway.
            None => match Scenario::from_document(doc) {
                Err(e) => format!("Err({:?})", e.to_string()),
                Ok(_) => panic!("content/scenarios/{name}: holds a value (NaN, infinity or a date) the app's JSON cannot carry"),
            },
        },
    }
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
            Some((ko, en)) => {
                format!("Some(crate::catalog::Text {{ ko: {:?}, en: {:?} }})", excerpt::first_sentence(&ko), excerpt::first_sentence(&en))
            }
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

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Glossary {
    format: u32,
    term: Vec<Term>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Term {
    id: String,
    chapter: String,
    term: Pair,
    definition: Pair,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Pair {
    ko: String,
    en: String,
}

/// `GLOSSARY`: every term of `content/glossary.toml` as `crate::glossary::Term`.
fn glossary_terms(src: &str) -> String {
    let g: Glossary = toml::from_str(src).unwrap_or_else(|e| panic!("content/glossary.toml: {e}"));
    assert_eq!(g.format, 1, "content/glossary.toml: format {} (this app reads format 1)", g.format);
    let pair = |p: &Pair| format!("crate::glossary::Pair {{ ko: {:?}, en: {:?} }}", p.ko, p.en);
    let mut out =
        String::from("/// The lecture's terms, in file order (see `build.rs`).\npub static GLOSSARY: &[crate::glossary::Term] = &[\n");
    for t in &g.term {
        out.push_str(&format!(
            "    crate::glossary::Term {{ id: {:?}, chapter: {:?}, term: {}, definition: {} }},\n",
            t.id,
            t.chapter,
            pair(&t.term),
            pair(&t.definition)
        ));
    }
    out.push_str("];\n");
    out
}
