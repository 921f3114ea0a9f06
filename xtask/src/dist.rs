//! Build the app to `dist/`: cargo (wasm32, release) → wasm-bindgen → copy `public/` → content-hashed
//! names for the app's files (`app.<hash>.js`, `app_bg.<hash>.wasm`, `style.<hash>.css`, index.html
//! rewritten to them) → what the app fetches, from its build script (`scenarios/*.json`, the
//! glossary; hashed by it) → a `.br` and a `.gz` beside every text or wasm file, for `serve` (or any
//! static host that serves precompressed files).
//! No wasm-opt: Debian's binaryen 108 corrupts the externref table export (see ../shared/toolchain.md).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

pub struct Options {
    pub release: bool,
    /// Keep the wasm's name section, to see what each function costs (never served so).
    pub names: bool,
}

impl Options {
    pub fn from_args(args: &[String]) -> Result<Self> {
        let mut options = Options { release: true, names: false };
        for arg in args {
            match arg.as_str() {
                "--dev" => options.release = false,
                "--names" => options.names = true,
                other => bail!("dist: unknown option {other:?} (allowed: --dev, --names)"),
            }
        }
        Ok(options)
    }
}

pub fn build(options: &Options) -> Result<PathBuf> {
    let root = crate::root();
    let mut args = vec![
        "build",
        "-p",
        "scale-dojo",
        "--bin",
        "scale-dojo",
        "--target",
        "wasm32-unknown-unknown",
        "--locked",
        "--message-format=json-render-diagnostics",
    ];
    if options.release {
        args.push("--release");
    }
    let out_dir = app_out_dir(&args)?;
    let profile = if options.release { "release" } else { "debug" };
    // CARGO_TARGET_DIR: e.g. a second build with other RUSTFLAGS (v0 symbol names) beside the usual one.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let wasm = target.join("wasm32-unknown-unknown").join(profile).join("scale-dojo.wasm");
    let dist = root.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).context("removing old dist/")?;
    }
    std::fs::create_dir_all(&dist)?;
    let mut bindgen: Vec<&std::ffi::OsStr> = ["wasm-bindgen", "--target", "web", "--no-typescript", "--remove-producers-section"]
        .iter()
        .map(|a| a.as_ref())
        .collect();
    if !options.names {
        bindgen.push("--remove-name-section".as_ref());
    }
    bindgen.extend(["--out-name".as_ref(), "app".as_ref(), "--out-dir".as_ref(), dist.as_os_str(), wasm.as_os_str()]);
    wasm_bindgen_cli::wasm_bindgen::run_cli_with_args(bindgen).context("wasm-bindgen")?;
    let glue = dist.join("app.js");
    let (wasm_file, js) = (dist.join("app_bg.wasm"), tidy_glue(&std::fs::read_to_string(&glue)?));
    let (wasm_bytes, js) = short_import_names(&std::fs::read(&wasm_file)?, &js)?;
    std::fs::write(&glue, js)?;
    std::fs::write(&wasm_file, wasm_bytes)?;
    copy_dir(&root.join("public"), &dist)?;
    // What the app fetches (scenario documents, the glossary), content-hashed by its build script.
    copy_dir(&out_dir.join("dist"), &dist)?;
    hash_names(&dist)?;
    compress_all(&dist)?;
    eprintln!("xtask: dist ready in {}", dist.display());
    Ok(dist)
}

/// wasm-bindgen's JS glue without its comments and indentation (#12: 0.9 KB less brotli), line
/// by line, each statement still on its own line. The glue has no text spanning lines; if it
/// ever does (a template literal, a continued string), it is left as it is.
fn tidy_glue(js: &str) -> String {
    if js.lines().any(|l| l.matches('`').count() % 2 == 1 || l.ends_with('\\')) {
        return js.to_string();
    }
    let mut out = String::with_capacity(js.len());
    let mut in_doc = false;
    for line in js.lines().map(str::trim) {
        if in_doc || line.starts_with("/*") {
            in_doc = !line.ends_with("*/");
        } else if !line.is_empty() && !line.starts_with("//") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The wasm's imports from the glue renamed `a`, `b`, … `a0`, … in both files: wasm-bindgen names
/// each `__wbg_<name>_<16 hex digits>`, and those digits, twice per import, cost about 4 KB of
/// brotli (#12). Each old name must stand once in the glue as a whole word, else nothing is
/// renamed.
fn short_import_names(wasm: &[u8], js: &str) -> Result<(Vec<u8>, String)> {
    fn leb(b: &[u8], at: &mut usize) -> Result<u32> {
        let (mut v, mut shift) = (0u32, 0);
        loop {
            let byte = *b.get(*at).context("wasm ends inside a number")?;
            *at += 1;
            v |= u32::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(v);
            }
            shift += 7;
        }
    }
    fn put_leb(out: &mut Vec<u8>, mut v: u32) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    fn name<'a>(b: &'a [u8], at: &mut usize) -> Result<&'a str> {
        let len = leb(b, at)? as usize;
        let text = b.get(*at..*at + len).context("wasm ends inside a name")?;
        *at += len;
        Ok(std::str::from_utf8(text)?)
    }
    let module = "./app_bg.js";
    let mut at = 8;
    let (mut out, mut renames) = (wasm[..8].to_vec(), Vec::new());
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)? as usize;
        let body = wasm.get(at..at + size).context("wasm ends inside a section")?;
        at += size;
        if id != 2 {
            out.push(id);
            put_leb(&mut out, size as u32);
            out.extend_from_slice(body);
            continue;
        }
        let mut p = 0;
        let count = leb(body, &mut p)?;
        let mut section = Vec::new();
        put_leb(&mut section, count);
        for _ in 0..count {
            let (from, field) = (name(body, &mut p)?, name(body, &mut p)?);
            let start = p;
            match body.get(p).copied().context("wasm ends inside an import")? {
                0 => {
                    p += 1;
                    leb(body, &mut p)?;
                }
                // A table (kind, element type, limits) or a memory (kind, limits).
                1 | 2 => {
                    p += if body[p] == 1 { 2 } else { 1 };
                    let flags = *body.get(p).context("wasm ends inside an import")?;
                    p += 1;
                    leb(body, &mut p)?;
                    if flags & 1 == 1 {
                        leb(body, &mut p)?;
                    }
                }
                3 => p += 3,
                kind => bail!("import of unknown kind {kind}"),
            }
            let short = if from == module { short_name(renames.len()) } else { field.to_string() };
            if from == module {
                renames.push((field.to_string(), short.clone()));
            }
            for text in [from, short.as_str()] {
                put_leb(&mut section, text.len() as u32);
                section.extend_from_slice(text.as_bytes());
            }
            section.extend_from_slice(&body[start..p]);
        }
        out.push(2);
        put_leb(&mut out, section.len() as u32);
        out.extend_from_slice(&section);
    }
    let renamed: std::collections::HashMap<&str, &str> = renames.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let mut seen = std::collections::HashMap::new();
    let mut glue = String::with_capacity(js.len());
    let mut rest = js;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
        let len = rest[start..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')).unwrap_or(rest.len() - start);
        let word = &rest[start..start + len];
        glue.push_str(&rest[..start]);
        match renamed.get(word) {
            Some(short) => {
                *seen.entry(word).or_insert(0) += 1;
                glue.push_str(short);
            }
            None => glue.push_str(word),
        }
        rest = &rest[start + len..];
    }
    glue.push_str(rest);
    if renames.is_empty() || renamed.len() != renames.len() || renamed.keys().any(|k| seen.get(k) != Some(&1)) {
        eprintln!("xtask: import names kept (not each once in the glue)");
        return Ok((wasm.to_vec(), js.to_string()));
    }
    Ok((out, glue))
}

/// `a` … `z`, then `a0` …: the `n`th short name (never a JS keyword: none is one letter, and
/// `do`, `if`, `in` have no digit).
fn short_name(n: usize) -> String {
    let letter = char::from(b'a' + (n % 26) as u8);
    if n < 26 { letter.to_string() } else { format!("{letter}{}", n / 26 - 1) }
}

/// Runs the cargo build (its JSON messages on stdout, diagnostics as usual on stderr) and
/// returns the app's `OUT_DIR`, where its build script wrote what the app fetches (`dist/`).
fn app_out_dir(args: &[&str]) -> Result<PathBuf> {
    let mut command = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args).current_dir(crate::root()).stdout(std::process::Stdio::piped());
    eprintln!("xtask: running {command:?}");
    let output = command.spawn()?.wait_with_output()?;
    if !output.status.success() {
        bail!("{command:?} failed with {}", output.status);
    }
    let mut found = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if message["reason"] == "build-script-executed" && message["package_id"].as_str().is_some_and(|id| package_name(id) == "scale-dojo") {
            found = message["out_dir"].as_str().map(PathBuf::from);
        }
    }
    found.context("cargo did not report the app's OUT_DIR (its build script)")
}

/// The package's name in a cargo package id: `path+file:///w#scale-dojo@0.1.0`, or
/// `path+file:///w/scale-dojo#0.1.0` when the folder has the package's name.
fn package_name(id: &str) -> &str {
    let (path, rest) = id.rsplit_once('#').unwrap_or((id, ""));
    match rest.split_once('@') {
        Some((name, _)) => name,
        None => path.rsplit('/').next().unwrap_or(path),
    }
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

/// Renames the files index.html loads to content-hashed names (so they can be cached for a
/// year) and rewrites the references. The wasm is hashed first: its name is inside app.js.
/// `embed.js` and the HTML pages keep their names: other sites link to them.
fn hash_names(dist: &Path) -> Result<()> {
    let wasm = hashed(dist, "app_bg.wasm")?;
    let js = std::fs::read_to_string(dist.join("app.js"))?;
    if !js.contains("'app_bg.wasm'") {
        bail!("app.js does not name 'app_bg.wasm' as expected (wasm-bindgen's output changed?)");
    }
    std::fs::write(dist.join("app.js"), js.replace("'app_bg.wasm'", &format!("'{wasm}'")))?;
    let js = hashed(dist, "app.js")?;
    let css = hashed(dist, "style.css")?;
    let instruments = hashed(dist, "instruments.css")?;
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index)?;
    for needed in ["./app.js", "style.css", "instruments.css", "app_bg.wasm"] {
        if !html.contains(needed) {
            bail!("public/index.html no longer names {needed}");
        }
    }
    let html = html.replace("./app.js", &format!("./{js}")).replace("style.css", &css).replace("instruments.css", &instruments).replace("app_bg.wasm", &wasm);
    std::fs::write(index, html)?;
    Ok(())
}

/// `name.ext` → `name.<16 hex of FNV-1a 64>.ext`; returns the new name.
fn hashed(dist: &Path, name: &str) -> Result<String> {
    let body = std::fs::read(dist.join(name)).with_context(|| format!("reading dist/{name}"))?;
    let (stem, ext) = name.rsplit_once('.').context("a file name with an extension")?;
    let new = format!("{stem}.{:016x}.{ext}", fnv1a(&body));
    std::fs::rename(dist.join(name), dist.join(&new))?;
    Ok(new)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// True for `app.0123456789abcdef.js`: a name that changes whenever the content does.
pub fn is_hashed(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3 && parts[parts.len() - 2].len() == 16 && parts[parts.len() - 2].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Extensions worth compressing (images are compressed already).
pub const COMPRESSIBLE: &[&str] = &["html", "js", "mjs", "css", "wasm", "svg", "json", "toml", "txt", "md"];

/// Writes `f.br` (brotli, quality 11) and `f.gz` (gzip, level 9) beside every compressible file,
/// and prints the sizes of what a first visit loads (the app's wasm and JS) and of the scenario
/// documents (one fetched per scenario opened).
fn compress_all(dist: &Path) -> Result<()> {
    let mut app = Sizes::default();
    let mut documents = Sizes::default();
    compress_dir(dist, &mut |path, sizes| {
        if path.parent() == Some(&dist.join("scenarios")) {
            documents.add(sizes);
        } else if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("app")) {
            app.add(sizes);
        }
    })?;
    let kib = |n: usize| n / 1024;
    eprintln!("xtask: app wasm + JS: {} bytes raw, {} brotli ({} KiB), {} gzip ({} KiB)", app.raw, app.br, kib(app.br), app.gz, kib(app.gz));
    eprintln!(
        "xtask: {} scenario documents: {} bytes raw, {} brotli, {} gzip (largest {} brotli)",
        documents.files, documents.raw, documents.br, documents.gz, documents.largest_br
    );
    Ok(())
}

#[derive(Default)]
struct Sizes {
    files: usize,
    raw: usize,
    br: usize,
    gz: usize,
    largest_br: usize,
}

impl Sizes {
    fn add(&mut self, one: [usize; 3]) {
        self.files += 1;
        self.raw += one[0];
        self.br += one[1];
        self.gz += one[2];
        self.largest_br = self.largest_br.max(one[1]);
    }
}

fn compress_dir(dir: &Path, tally: &mut dyn FnMut(&Path, [usize; 3])) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            compress_dir(&path, tally)?;
            continue;
        }
        if !path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e)) {
            continue;
        }
        let body = std::fs::read(&path)?;
        let brotli = brotli_bytes(&body)?;
        let gzip = gzip_bytes(&body)?;
        tally(&path, [body.len(), brotli.len(), gzip.len()]);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        std::fs::write(path.with_file_name(format!("{name}.br")), brotli)?;
        std::fs::write(path.with_file_name(format!("{name}.gz")), gzip)?;
    }
    Ok(())
}

fn brotli_bytes(body: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 24, ..Default::default() };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params)?;
    Ok(out)
}

fn gzip_bytes(body: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body)?;
    Ok(encoder.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wasm importing `f` from the glue's module, and a memory and a table from elsewhere.
    fn wasm_importing(f: &str) -> Vec<u8> {
        let mut imports = vec![3u8];
        for (module, field, desc) in [("./app_bg.js", f, &[0u8, 0][..]), ("env", "memory", &[2, 0, 1][..]), ("env", "table", &[1, 0x70, 1, 2, 9][..])] {
            for text in [module, field] {
                imports.push(text.len() as u8);
                imports.extend_from_slice(text.as_bytes());
            }
            imports.extend_from_slice(desc);
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        wasm.extend_from_slice(&[2, imports.len() as u8]);
        wasm.extend_from_slice(&imports);
        wasm
    }

    #[test]
    fn imports_from_the_glue_get_short_names_in_both_files() {
        let long = "__wbg_remove_8228e91d7ddbc755";
        let js = format!("const import0 = {{\n{long}: function(arg0) {{ arg0.remove(); }},\n}};\nconst x = __wbg_ptr;\n");
        let (wasm, glue) = short_import_names(&wasm_importing(long), &js).unwrap();
        assert_eq!(wasm, wasm_importing("a"));
        assert_eq!(glue, "const import0 = {\na: function(arg0) { arg0.remove(); },\n};\nconst x = __wbg_ptr;\n");
        // A name the glue has twice (or not at all) leaves both files as they are.
        let twice = format!("{js}{long}();\n");
        assert_eq!(short_import_names(&wasm_importing(long), &twice).unwrap(), (wasm_importing(long), twice));
        assert_eq!((0..60).map(short_name).collect::<std::collections::HashSet<_>>().len(), 60);
    }

    #[test]
    fn the_glue_loses_comments_and_indentation_only() {
        let js = "/**\n * @param {number} x\n */\nexport function f(x) {\n    // why\n    return x + 1; // kept\n}\n\n/* one */\nconst s = '/* not a comment */';\n";
        assert_eq!(tidy_glue(js), "export function f(x) {\nreturn x + 1; // kept\n}\nconst s = '/* not a comment */';\n");
        let template = "const t = `a\n    b`;\n";
        assert_eq!(tidy_glue(template), template);
    }

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed("app.0123456789abcdef.js"));
        assert!(is_hashed("app_bg.0123456789ABCDEF.wasm"));
        assert!(!is_hashed("app.js"));
        assert!(!is_hashed("embed.js"));
        assert!(!is_hashed("app.0123.js"));
    }

    #[test]
    fn package_names_are_read_from_both_forms_of_id() {
        assert_eq!(package_name("path+file:///work/wt/size-1#scale-dojo@0.1.0"), "scale-dojo");
        assert_eq!(package_name("path+file:///work/scale-dojo/simulation#0.1.0"), "simulation");
        assert_eq!(package_name("registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0"), "serde");
    }

    #[test]
    fn compressed_bytes_round_trip() {
        use std::io::Read;
        let body = b"Scale Dojo Scale Dojo Scale Dojo".repeat(50);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &brotli_bytes(&body).unwrap()[..], &mut back).unwrap();
        assert_eq!(back, body);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gzip_bytes(&body).unwrap()[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, body);
    }
}
