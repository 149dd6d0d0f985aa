//! The crate is a one-way stack: every module's `crate::` paths (in `use` items and inline, test
//! code included) point to its own layer or a layer above it in the table of `src/lib.rs`, and
//! the modules form no cycle. The table in the crate documentation is the one list of layers;
//! this test reads it, so a module missing from it fails here too. The same path reader checks
//! that no other crate of the workspace has an import cycle between its modules.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// Root items of `lib.rs` a module may name: the address type and constants (layout level) and
/// the re-exported error (the `error` module's).
const ROOT_ITEMS: &[(&str, Option<&str>)] =
    &[("Address", None), ("SYSTEM_PROGRAM_ID", None), ("CoreError", Some("error"))];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `(layer names in order, module → layer index)` from the `| layer | module | contents |` table.
fn layer_table(lib: &str) -> (Vec<String>, BTreeMap<String, usize>) {
    let mut layers: Vec<String> = Vec::new();
    let mut modules = BTreeMap::new();
    for line in lib.lines() {
        let Some(row) = line.strip_prefix("//! |") else { continue };
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (Some(layer), Some(module)) = (cells.first(), cells.get(1)) else { continue };
        let Some(module) = module.strip_prefix("[`").and_then(|m| m.strip_suffix("`]")) else { continue };
        let index = match layers.iter().position(|l| l == layer) {
            Some(i) => i,
            None => {
                layers.push(layer.to_string());
                layers.len() - 1
            }
        };
        assert!(modules.insert(module.to_string(), index).is_none(), "{module} listed twice");
    }
    (layers, modules)
}

/// Source without comments (line comments and doc comments; block comments are not used).
fn strip_comments(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    for line in code.lines() {
        let mut in_str = false;
        let mut prev = ' ';
        let mut cut = line.len();
        for (i, c) in line.char_indices() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            }
            if !in_str && c == '/' && prev == '/' {
                cut = i - 1;
                break;
            }
            prev = c;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The first segment of every path that follows `prefix` (`crate::` or `super::`), expanding
/// `prefix{a::x, b, c::{y, z}}` to `a`, `b`, `c`.
fn first_segments(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `foo_crate::`
        }
        let tail = rest.trim_start();
        if let Some(group) = tail.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if item_start && depth == 1 && !c.is_whitespace() => {
                        item_start = false;
                        let id = ident_at(&group[i..]);
                        if !id.is_empty() {
                            out.insert(id.to_string());
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let id = ident_at(tail);
            if !id.is_empty() {
                out.insert(id.to_string());
            }
        }
    }
    out
}

/// Every `.rs` file under `dir` with the crate module it belongs to (`src/x.rs` → `x`,
/// `src/x/…` → `x`); `lib.rs` is the root and left out.
fn module_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(d) = stack.pop() {
                for e in fs::read_dir(&d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "rs") {
                        out.push((name.clone(), p));
                    }
                }
            }
        } else if path.extension().is_some_and(|x| x == "rs") && name != "lib" {
            out.push((name, path));
        }
    }
    out.sort();
    out
}

/// `module → modules it names` for the whole crate.
fn import_graph(files: &[(String, PathBuf)], modules: &BTreeMap<String, usize>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in files {
        let code = strip_comments(&fs::read_to_string(path).unwrap());
        let edges = graph.entry(module.clone()).or_default();
        for seg in first_segments(&code, "crate::") {
            let target = match ROOT_ITEMS.iter().find(|(item, _)| *item == seg) {
                Some((_, Some(m))) => m.to_string(),
                Some((_, None)) => continue,
                None => seg,
            };
            assert!(
                modules.contains_key(&target),
                "{} names `crate::{target}`, which is not a module in the layer table of lib.rs",
                path.display()
            );
            if target != *module {
                edges.insert(target);
            }
        }
    }
    graph
}

#[test]
fn every_module_has_a_layer_and_imports_only_downward() {
    let lib = fs::read_to_string(src().join("lib.rs")).unwrap();
    let (layers, modules) = layer_table(&lib);
    assert_eq!(layers, ["layout", "numbers", "oracle", "valuation", "risk", "engine"]);
    let files = module_files(&src());
    let on_disk: BTreeSet<&String> = files.iter().map(|(m, _)| m).collect();
    let listed: BTreeSet<&String> = modules.keys().collect();
    assert_eq!(on_disk, listed, "modules on disk vs the layer table of lib.rs");

    let graph = import_graph(&files, &modules);
    let mut upward = Vec::new();
    for (from, targets) in &graph {
        for to in targets {
            if modules[to] > modules[from] {
                upward.push(format!("{from} ({}) → {to} ({})", layers[modules[from]], layers[modules[to]]));
            }
        }
    }
    assert!(upward.is_empty(), "imports from a higher layer:\n{}", upward.join("\n"));
    // the layout imports nothing but root items
    assert!(graph["layout"].is_empty(), "layout imports {:?}", graph["layout"]);
}

/// The first import cycle of `graph`, if any, as `a → b → … → a`.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    // depth-first search with colours: 1 = on the current path, 2 = done
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        colour: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<String> {
        colour.insert(m.to_string(), 1);
        path.push(m.to_string());
        for next in g.get(m).into_iter().flatten() {
            match colour.get(next).copied().unwrap_or(0) {
                1 => return Some(format!("{} → {next}", path.join(" → "))),
                0 => {
                    if let Some(c) = visit(next, g, colour, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        colour.insert(m.to_string(), 2);
        None
    }
    let mut colour = BTreeMap::new();
    for m in graph.keys() {
        if colour.get(m).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(m, graph, &mut colour, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_import_cycle_between_modules() {
    let lib = fs::read_to_string(src().join("lib.rs")).unwrap();
    let (_, modules) = layer_table(&lib);
    let graph = import_graph(&module_files(&src()), &modules);
    assert_eq!(find_cycle(&graph), None, "import cycle in rpv-core");
}

/// The other crates of the workspace have no layer table, but no cycle either: between the
/// top-level modules of each crate, every `crate::` path points one way.
#[test]
fn no_import_cycle_in_any_workspace_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let crates = [
        "crates/rpv-interface/src",
        "programs/rpv-vault/src",
        "programs/rpv-integrator/src",
        "app/sdk/src",
        "app/cli/src",
        "app/keeper/src",
        "app/lab/src",
        "app/idl/src",
        "tests/src",
        "xtask/src",
    ];
    for dir in crates {
        let files: Vec<_> = module_files(&root.join(dir)).into_iter().filter(|(m, _)| m != "main").collect();
        let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (module, path) in &files {
            let code = strip_comments(&fs::read_to_string(path).unwrap());
            let edges = graph.entry(module.clone()).or_default();
            for seg in first_segments(&code, "crate::") {
                if seg != *module && modules.contains(&seg) {
                    edges.insert(seg);
                }
            }
        }
        assert_eq!(find_cycle(&graph), None, "import cycle between the modules of {dir}");
    }
}

/// The path reader itself: groups, nested groups, inline paths, comments and look-alikes.
#[test]
fn path_reader_finds_every_first_segment() {
    let code = strip_comments(
        "use crate::{a::x, b, c::{y, z::{w}}, d as e};\n\
         fn f() { crate::f::g(); my_crate::h(); } // crate::comment\n\
         let s = \"http://x\"; crate::i::j;",
    );
    let got = first_segments(&code, "crate::");
    let want: BTreeSet<String> = ["a", "b", "c", "d", "f", "i"].iter().map(|s| s.to_string()).collect();
    assert_eq!(got, want);
    let table = "//! | layer | module | contents |\n//! |---|---|---|\n//! | low | [`a`] | x |\n//! | high | [`b`] | y |\n//! | low | [`c`] | z |";
    let (layers, modules) = layer_table(table);
    assert_eq!(layers, ["low", "high"]);
    assert_eq!(modules.into_iter().collect::<Vec<_>>(), [("a".into(), 0), ("b".into(), 1), ("c".into(), 0)]);
}
