//! The engine's layers, enforced rather than only drawn in ARCHITECTURE.md.
//!
//! Every file under `simulation/src` belongs to one layer; a `crate::…` path may only name a
//! module of its own layer or of a layer it is allowed to see:
//!
//! ```text
//! kube (pure: only itself)
//! kernel ← input (scenario, budget, traffic shapes) ← port (and faults, the event log, metrics) ← dataplane
//!                                                     port ← flow      (the flow-level dataplane; never the other)
//!                                                     port ← cluster   (never a dataplane itself)
//! dataplane, cluster ← observer (reads a dataplane through the port) ← grade ← wording ← report ← facade
//! ```
//!
//! It also fails on an import circle between top-level modules, a file over 600 lines and an
//! `impl` block over 400 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 600;
const MAX_IMPL_LINES: usize = 400;

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Kube,
    Kernel,
    Input,
    Port,
    Dataplane,
    Flow,
    Cluster,
    Observer,
    Grade,
    Wording,
    Report,
    Facade,
}

use Layer::*;

impl Layer {
    /// The layers a file of this layer may name.
    fn sees(self) -> &'static [Layer] {
        match self {
            Kube => &[Kube],
            Kernel => &[Kernel],
            Input => &[Kernel, Input, Kube],
            Port => &[Kernel, Input, Kube, Port],
            Dataplane => &[Kernel, Input, Kube, Port, Dataplane],
            Flow => &[Kernel, Input, Kube, Port, Flow],
            Cluster => &[Kernel, Input, Kube, Port, Cluster],
            Observer => &[Kernel, Input, Kube, Port, Dataplane, Cluster, Observer],
            // "Each sees all below" (ARCHITECTURE.md): the flow engine's typed facts too.
            Grade => &[Kernel, Input, Kube, Port, Dataplane, Flow, Cluster, Observer, Grade],
            Wording => &[Kernel, Input, Kube, Port, Dataplane, Flow, Cluster, Observer, Grade, Wording],
            Report => &[Kernel, Input, Kube, Port, Dataplane, Flow, Cluster, Observer, Grade, Wording, Report],
            Facade => &[Kernel, Input, Kube, Port, Dataplane, Flow, Cluster, Observer, Grade, Wording, Report, Facade],
        }
    }
}

/// The layer of a top-level module of the crate (`crate::<module>`), by its name.
fn layer_of_module(module: &str) -> Option<Layer> {
    Some(match module {
        "kube" => Kube,
        "kernel" | "rng" | "queueing" => Kernel,
        "scenario" | "budget" | "traffic" => Input,
        "port" | "fault" | "event_log" | "metrics" | "serving" => Port,
        "dataplane" => Dataplane,
        "flow" => Flow,
        "control_plane" => Cluster,
        "observer" => Observer,
        "grade" => Grade,
        "wording" => Wording,
        "report" => Report,
        "simulation" | "bin" | "lib" => Facade,
        _ => return None,
    })
}

/// `src/control_plane/kubelet.rs` → `control_plane`; `src/lib.rs` → `lib`.
fn module_of_file(rel: &Path) -> String {
    let first = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("readable src dir").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The source with comments blanked and string and char literals emptied (line breaks kept),
/// so that paths and braces are only the code's.
fn code_only(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if b[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || (next == Some('#') && !b.get(i.wrapping_sub(1)).is_some_and(|p| p.is_alphanumeric() || *p == '_')))
        {
            // Raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            out.push_str("\"\"");
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                if b[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            i = j;
        } else if c == '"' {
            out.push_str("\"\"");
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                if b.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                out.push_str("' '");
                i = j + 1;
            } else if b.get(i + 2) == Some(&'\'') {
                out.push_str("' '");
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_at(s: &[char], mut i: usize) -> (String, usize) {
    while i < s.len() && s[i].is_whitespace() {
        i += 1;
    }
    let start = i;
    while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
        i += 1;
    }
    (s[start..i].iter().collect(), i)
}

/// Every top-level module a file names through `crate::…` (grouped `crate::{a, b::c}` too),
/// with the line it is on.
fn crate_references(code: &str) -> Vec<(String, usize)> {
    let s: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let pat: Vec<char> = "crate::".chars().collect();
    let line_of = |i: usize| s[..i].iter().filter(|&&c| c == '\n').count() + 1;
    let mut i = 0;
    while i + pat.len() <= s.len() {
        let boundary = i == 0 || !(s[i - 1].is_alphanumeric() || s[i - 1] == '_' || s[i - 1] == ':');
        if boundary && s[i..i + pat.len()] == pat[..] {
            let mut j = i + pat.len();
            while j < s.len() && s[j].is_whitespace() {
                j += 1;
            }
            if s.get(j) == Some(&'{') {
                // Each first-level item of the group.
                let mut depth = 0;
                let mut expect_ident = true;
                while j < s.len() {
                    match s[j] {
                        '{' => {
                            depth += 1;
                            expect_ident = depth == 1;
                            j += 1;
                        }
                        '}' => {
                            depth -= 1;
                            j += 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        ',' if depth == 1 => {
                            expect_ident = true;
                            j += 1;
                        }
                        c if expect_ident && depth == 1 && (c.is_alphanumeric() || c == '_') => {
                            let (name, end) = ident_at(&s, j);
                            out.push((name, line_of(j)));
                            expect_ident = false;
                            j = end;
                        }
                        _ => j += 1,
                    }
                }
                i = j;
                continue;
            }
            let (name, end) = ident_at(&s, j);
            if !name.is_empty() {
                out.push((name, line_of(i)));
            }
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// (first line, length in lines) of every `impl` block.
fn impl_blocks(code: &str) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let is_impl = t.starts_with("impl ") || t.starts_with("impl<") || t.starts_with("unsafe impl ");
        if !is_impl {
            continue;
        }
        // From the line of the opening brace to its match.
        let mut depth = 0i64;
        let mut opened = false;
        'scan: for (m, l) in lines.iter().enumerate().skip(n) {
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => {
                        depth -= 1;
                        if opened && depth == 0 {
                            out.push((n + 1, m - n + 1));
                            break 'scan;
                        }
                    }
                    ';' if !opened => break 'scan,
                    _ => {}
                }
            }
        }
    }
    out
}

struct Tree {
    /// Path relative to `src`, its code (comments and literals blanked), its line count.
    files: Vec<(PathBuf, String, usize)>,
}

fn tree() -> Tree {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let files = paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable source");
            let rel = p.strip_prefix(&src).expect("under src").to_path_buf();
            (rel, code_only(&text), text.lines().count())
        })
        .collect();
    Tree { files }
}

/// Every wrong-way reference: "file:line: layer → module (layer)".
fn layer_violations(t: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, code, _) in &t.files {
        let module = module_of_file(rel);
        let Some(from) = layer_of_module(&module) else {
            out.push(format!("{}: module `{module}` has no layer (add it to layer_of_module)", rel.display()));
            continue;
        };
        for (target, line) in crate_references(code) {
            if target == module {
                continue;
            }
            match layer_of_module(&target) {
                Some(to) if from.sees().contains(&to) => {}
                Some(to) => out.push(format!("{}:{line}: {from:?} → crate::{target} ({to:?})", rel.display())),
                None => out.push(format!("{}:{line}: crate::{target} is no module with a layer", rel.display())),
            }
        }
    }
    out
}

/// Import circles between top-level modules, each as "a → b → … → a".
fn module_cycles(t: &Tree) -> Vec<String> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, code, _) in &t.files {
        let module = module_of_file(rel);
        if module == "lib" {
            continue; // the crate root declares every module
        }
        let e = edges.entry(module.clone()).or_default();
        for (target, _) in crate_references(code) {
            if target != module {
                e.insert(target);
            }
        }
    }
    // A circle through `a` exists when `a` reaches itself; report each once, by its smallest member.
    let mut cycles = BTreeSet::new();
    for start in edges.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == start {
                    let mut cycle = path.clone();
                    // Rotate so the smallest name leads: the same circle found from each member is one.
                    let min = cycle.iter().enumerate().min_by_key(|(_, m)| m.as_str()).map(|(i, _)| i).unwrap_or(0);
                    cycle.rotate_left(min);
                    cycle.push(cycle[0].clone());
                    cycles.insert(cycle.join(" → "));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    cycles.into_iter().collect()
}

fn size_violations(t: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, code, lines) in &t.files {
        if *lines > MAX_FILE_LINES {
            out.push(format!("{}: {lines} lines (at most {MAX_FILE_LINES})", rel.display()));
        }
        for (at, len) in impl_blocks(code) {
            if len > MAX_IMPL_LINES {
                out.push(format!("{}:{at}: impl block of {len} lines (at most {MAX_IMPL_LINES})", rel.display()));
            }
        }
    }
    out
}

fn check(found: Vec<String>, what: &str) {
    assert!(found.is_empty(), "{what}:\n  {}", found.join("\n  "));
}

#[test]
fn every_reference_goes_down_the_layers() {
    check(layer_violations(&tree()), "references that go the wrong way");
}

#[test]
fn no_import_circle_between_modules() {
    check(module_cycles(&tree()), "import circles");
}

#[test]
fn no_file_or_impl_block_too_long() {
    check(size_violations(&tree()), "too long");
}

// The checker itself, on small inputs: each rule can fail.

fn tree_of(files: &[(&str, &str)]) -> Tree {
    Tree { files: files.iter().map(|(p, s)| (PathBuf::from(p), code_only(s), s.lines().count())).collect() }
}

#[test]
fn a_controller_naming_the_dataplane_is_caught() {
    let t = tree_of(&[("control_plane/kubelet.rs", "use crate::port::Dataplane;\nuse crate::dataplane::Engine;\n")]);
    assert_eq!(layer_violations(&t), vec!["control_plane/kubelet.rs:2: Cluster → crate::dataplane (Dataplane)".to_string()]);
}

#[test]
fn grouped_and_inline_paths_are_read_but_comments_and_strings_are_not() {
    let src = "use crate::{kernel::SimTime,\n  report::{Report, Summary}};\n// crate::simulation::Model\nconst S: &str = \"crate::grade\";\nfn f() { crate::observer::x(); }\n";
    let refs: Vec<String> = crate_references(&code_only(src)).into_iter().map(|(m, _)| m).collect();
    assert_eq!(refs, ["kernel", "report", "observer"]);
}

#[test]
fn a_circle_is_caught_and_pure_kube_stays_pure() {
    let t = tree_of(&[
        ("grade.rs", "use crate::report::Summary;"),
        ("report.rs", "use crate::grade::Grade;"),
        ("kube/hpa.rs", "use crate::kernel::SimTime;"),
    ]);
    assert_eq!(module_cycles(&t), vec!["grade → report → grade".to_string()]);
    let v = layer_violations(&t);
    assert!(v.iter().any(|x| x.starts_with("kube/hpa.rs:1: Kube → crate::kernel")), "{v:?}");
    assert!(v.iter().any(|x| x.starts_with("report.rs:1: Report → crate::grade")) == false, "report may see grade: {v:?}");
    assert!(v.iter().any(|x| x.starts_with("grade.rs:1: Grade → crate::report")), "{v:?}");
}

#[test]
fn long_impl_blocks_are_measured_to_their_closing_brace() {
    let body: String = (0..401).map(|i| format!("    fn f{i}() {{ let s = \"}}\"; }}\n")).collect();
    let src = format!("struct A;\nimpl A {{\n{body}}}\nimpl B for A {{}}\n");
    let blocks = impl_blocks(&code_only(&src));
    assert_eq!(blocks, vec![(2, 403), (405, 1)]);
    assert_eq!(size_violations(&tree_of(&[("x.rs", &src)])).len(), 1);
}
