//! Reads every `content/scenarios/*.toml` at build time with the engine's own parser (a new file
//! appears in the catalog with no code change) and writes each as its document in JSON, or keeps
//! the engine's error; writes each file's catalog card; and types `content/glossary.toml` (a
//! broken glossary fails the build, naming why) and writes its terms in JSON. The JSON files go to
//! `OUT_DIR/dist/` under content-hashed names (`cargo xtask dist` copies them to `dist/`; the wasm
//! fetches one when its page opens, so it ships no TOML parser, no documents and no glossary), and
//! `OUT_DIR/documents.rs` embeds them for native builds and the browser tests.

use std::path::Path;

#[path = "src/catalog/excerpt.rs"]
mod excerpt;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    let mut dist = Fetched::new(Path::new(&out_dir));
    let dir = Path::new(&root).join("content/scenarios");
    println!("cargo:rerun-if-changed=content/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = String::from(
        "/// `(file name, its document's path below dist/ or the engine's error)` of every scenario, sorted by file name.\n\
         pub static SCENARIO_FILES: &[(&str, Result<&str, &str>)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        let src = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        match document(&name, &src) {
            Ok(json) => out.push_str(&format!("    ({name:?}, Ok({:?})),\n", dist.write("scenarios/", name.trim_end_matches(".toml"), &json))),
            Err(why) => out.push_str(&format!("    ({name:?}, Err({why:?})),\n")),
        }
    }
    out.push_str("];\n");
    out.push_str(&cards(&files));
    std::fs::write(Path::new(&out_dir).join("scenarios.rs"), out).expect("writing scenarios.rs");
    println!("cargo:rerun-if-changed=content/glossary.toml");
    let glossary = std::fs::read_to_string(Path::new(&root).join("content/glossary.toml")).expect("content/glossary.toml");
    let path = dist.write("", "glossary", &glossary_json(&glossary));
    std::fs::write(Path::new(&out_dir).join("glossary.rs"), format!("/// The glossary's terms below dist/ (see `build.rs`).\npub const GLOSSARY_PATH: &str = {path:?};\n"))
        .expect("writing glossary.rs");
    dist.finish();
}

/// The JSON files the app fetches: written below `OUT_DIR/dist/`, and listed in
/// `OUT_DIR/documents.rs` (`DOCUMENTS`: `(path below dist/, JSON)`, each `include_str!`d).
struct Fetched {
    out_dir: std::path::PathBuf,
    embedded: String,
}

impl Fetched {
    fn new(out_dir: &Path) -> Fetched {
        let _ = std::fs::remove_dir_all(out_dir.join("dist"));
        std::fs::create_dir_all(out_dir.join("dist/scenarios")).expect("creating OUT_DIR/dist");
        let embedded = String::from("/// `(path below dist/, JSON)` of every file the app fetches (see `build.rs`).\npub static DOCUMENTS: &[(&str, &str)] = &[\n");
        Fetched { out_dir: out_dir.to_path_buf(), embedded }
    }

    /// Writes `json` as `<folder><stem>.<hash>.json` below dist/; returns that path.
    fn write(&mut self, folder: &str, stem: &str, json: &str) -> String {
        let path = format!("{folder}{stem}.{:016x}.json", simulation::rng::fnv1a64(json.as_bytes()));
        let file = self.out_dir.join("dist").join(&path);
        std::fs::write(&file, json).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        self.embedded.push_str(&format!("    ({path:?}, include_str!({:?})),\n", file.display().to_string()));
        path
    }

    fn finish(mut self) {
        self.embedded.push_str("];\n");
        std::fs::write(self.out_dir.join("documents.rs"), self.embedded).expect("writing documents.rs");
    }
}

/// `Ok(json)` of the file's document, or `Err(why)` in the engine's words: the engine types and
/// validates it here, so the catalog knows a file it refuses before any document is fetched (the
/// app types each again when it opens, with the learner's knobs).
fn document(name: &str, src: &str) -> Result<String, String> {
    use simulation::scenario::{Scenario, document_to_json, parse_document};
    let doc = parse_document(src).map_err(|e| e.to_string())?;
    let json = document_to_json(&doc);
    Scenario::from_document(doc).map_err(|e| e.to_string())?;
    match json {
        Some(json) => Ok(json),
        // A value JSON cannot carry (NaN, a date) where the engine accepts it.
        None => panic!("content/scenarios/{name}: holds a value (NaN, infinity or a date) the app's JSON cannot carry"),
    }
}

/// `SCENARIO_CARDS`: id, chapter, title and the story's first sentence of every file that has
/// them, for the catalog's first paint. The engine still checks every file (a file it refuses
/// loses its card in the app); the app's tests check each card against the parsed scenario.
fn cards(files: &[std::path::PathBuf]) -> String {
    let mut out = String::from("/// The catalog's card of every scenario file, sorted by file name (see `build.rs`).\n");
    out.push_str("pub static SCENARIO_CARDS: &[crate::content::Card] = &[\n");
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
                format!("Some(crate::content::CardText {{ ko: {:?}, en: {:?} }})", excerpt::first_sentence(&ko), excerpt::first_sentence(&en))
            }
            None => "None".to_string(),
        };
        let name = f.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    crate::content::Card {{ file: {name:?}, id: {id:?}, chapter: {chapter:?}, title: crate::content::CardText {{ ko: {:?}, en: {:?} }}, excerpt: {excerpt} }},\n",
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

/// Every term of `content/glossary.toml`, in file order, as JSON: `[[id, chapter, term ko, term
/// en, definition ko, definition en], …]` (`crate::glossary` reads it).
fn glossary_json(src: &str) -> String {
    let g: Glossary = toml::from_str(src).unwrap_or_else(|e| panic!("content/glossary.toml: {e}"));
    assert_eq!(g.format, 1, "content/glossary.toml: format {} (this app reads format 1)", g.format);
    let terms: Vec<[&str; 6]> =
        g.term.iter().map(|t| [t.id.as_str(), &t.chapter, &t.term.ko, &t.term.en, &t.definition.ko, &t.definition.en]).collect();
    serde_json::to_string(&terms).expect("strings serialise")
}
