//! The shape of `src/`, checked from its source: data flows one way
//! (scenario -> runner -> records and samples -> detector -> summary ->
//! report), so no file imports from a module in a higher layer, and no two
//! files depend on each other, directly or around a circle.
//!
//! Every path a file names (in `use` lines, code, attributes and macro
//! arguments) is followed through re-exports to the file that defines the
//! item; a module's facade (`pub use child::Item`) is not a dependency of its
//! own, so `engine.rs` re-exporting `kind::EngineKind` and `kind.rs` using
//! `super::Engine` is a circle only if `Engine` is defined in `engine.rs` and
//! `engine.rs` itself uses `EngineKind`.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// Top-level modules from the bottom layer up: a file may use modules of its
/// own top-level module and of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["quote", "process", "machine", "work_cpu"],
    &["cgroup", "ssh"],
    &["engine"],
    &["scenario"],
    &["record", "host"],
    &["collapse", "preflight"],
    &["event", "summary"],
    &["sampler", "report"],
    &["runner"],
    &["doctor", "cli"],
    &["app"],
];

type ModPath = Vec<String>;
/// File -> the files it uses -> the names it uses from each.
type Edges = BTreeMap<PathBuf, BTreeMap<PathBuf, BTreeSet<String>>>;

/// One `use` binding: `alias` stands for `path` (or, for a glob, every name in it).
#[derive(Debug, Clone)]
struct Binding {
    path: Vec<String>,
    glob: bool,
}

#[derive(Debug, Default)]
struct Module {
    file: PathBuf,
    children: BTreeSet<String>,
    items: BTreeSet<String>,
    bindings: HashMap<String, Binding>,
    globs: Vec<Vec<String>>,
}

/// Every module of the crate (file modules and inline ones), and the paths
/// each file names, with the module they are named from.
#[derive(Default)]
struct Crate {
    modules: BTreeMap<ModPath, Module>,
    references: Vec<(ModPath, Vec<String>)>,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn module_file(dir: &Path, module: &ModPath) -> PathBuf {
    if module.is_empty() {
        return dir.join("lib.rs");
    }
    let mut file = dir.to_path_buf();
    for part in module {
        file.push(part);
    }
    file.set_extension("rs");
    file
}

fn load(dir: &Path) -> Crate {
    let mut krate = Crate::default();
    let mut pending = vec![(ModPath::new(), module_file(dir, &ModPath::new()))];
    while let Some((module, file)) = pending.pop() {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        let parsed =
            syn::parse_file(&text).unwrap_or_else(|e| panic!("parse {}: {e}", file.display()));
        let mut reader = Reader {
            krate: &mut krate,
            file: file.clone(),
            stack: vec![module.clone()],
            file_children: Vec::new(),
            dir: dir.to_path_buf(),
        };
        reader.module_items(&parsed.items);
        for child in reader.file_children {
            pending.push(child);
        }
    }
    krate
}

/// Reads one file's items into the crate's modules and references.
struct Reader<'a> {
    krate: &'a mut Crate,
    file: PathBuf,
    stack: Vec<ModPath>,
    file_children: Vec<(ModPath, PathBuf)>,
    dir: PathBuf,
}

impl Reader<'_> {
    fn current(&self) -> ModPath {
        self.stack.last().cloned().unwrap_or_default()
    }

    fn module(&mut self) -> &mut Module {
        let current = self.current();
        let file = self.file.clone();
        self.krate.modules.entry(current).or_insert_with(|| Module {
            file,
            ..Module::default()
        })
    }

    fn module_items(&mut self, items: &[syn::Item]) {
        self.module();
        for item in items {
            if let Some(name) = defined_name(item) {
                self.module().items.insert(name);
            }
            match item {
                syn::Item::Mod(m) => {
                    let name = m.ident.to_string();
                    self.module().children.insert(name.clone());
                    let mut child = self.current();
                    child.push(name);
                    match &m.content {
                        None => {
                            let file = path_attribute(&m.attrs)
                                .map(|p| self.file.parent().unwrap_or(&self.dir).join(p))
                                .unwrap_or_else(|| module_file(&self.dir, &child));
                            self.file_children.push((child, file));
                        }
                        Some((_, inner)) => {
                            self.stack.push(child);
                            self.module_items(inner);
                            self.stack.pop();
                        }
                    }
                    for attr in &m.attrs {
                        self.visit_attribute(attr);
                    }
                }
                syn::Item::Use(u) => {
                    let mut bindings = Vec::new();
                    flatten_use(&u.tree, &mut Vec::new(), &mut bindings);
                    for (alias, binding) in bindings {
                        let from = self.current();
                        self.krate.references.push((from, binding.path.clone()));
                        if binding.glob {
                            self.module().globs.push(binding.path);
                        } else {
                            self.module().bindings.insert(alias, binding);
                        }
                    }
                }
                other => self.visit_item(other),
            }
        }
    }

    fn reference(&mut self, path: Vec<String>) {
        let from = self.current();
        self.krate.references.push((from, path));
    }

    fn tokens(&mut self, tokens: &TokenStream) {
        for path in token_paths(tokens) {
            self.reference(path);
        }
    }
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.reference(segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(&mac.tokens);
        syn::visit::visit_macro(self, mac);
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        if let syn::Meta::List(list) = &attr.meta {
            self.tokens(&list.tokens);
        }
        syn::visit::visit_attribute(self, attr);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        // A module inside a function body: its items are local to it.
        if let Some((_, items)) = &m.content {
            let mut child = self.current();
            child.push(m.ident.to_string());
            self.stack.push(child);
            self.module_items(items);
            self.stack.pop();
        }
    }
}

/// A module's `#[path = "..."]`.
fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

fn defined_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        syn::Item::Macro(i) => i.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Binding)>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten_use(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            let mut path = prefix.clone();
            if name != "self" {
                path.push(name.clone());
            }
            let alias = path.last().cloned().unwrap_or(name);
            out.push((alias, Binding { path, glob: false }));
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push((r.rename.to_string(), Binding { path, glob: false }));
        }
        syn::UseTree::Glob(_) => out.push((
            String::new(),
            Binding {
                path: prefix.clone(),
                glob: true,
            },
        )),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                flatten_use(tree, prefix, out);
            }
        }
    }
}

/// `a::b::c` sequences in a macro's or an attribute's tokens.
fn token_paths(tokens: &TokenStream) -> Vec<Vec<String>> {
    fn flush(current: &mut Vec<String>, paths: &mut Vec<Vec<String>>) {
        if current.len() > 1 {
            paths.push(std::mem::take(current));
        }
        current.clear();
    }
    let mut paths = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut colons = 0;
    for tree in tokens.clone() {
        match tree {
            TokenTree::Ident(ident) => {
                if colons != 2 {
                    flush(&mut current, &mut paths);
                }
                current.push(ident.to_string());
                colons = 0;
            }
            TokenTree::Punct(p) if p.as_char() == ':' => colons += 1,
            TokenTree::Group(group) => {
                flush(&mut current, &mut paths);
                colons = 0;
                paths.extend(token_paths(&group.stream()));
            }
            _ => {
                flush(&mut current, &mut paths);
                colons = 0;
            }
        }
    }
    flush(&mut current, &mut paths);
    paths
}

impl Crate {
    /// The file defining the item `path` names, seen from `from`.
    fn resolve(&self, from: &ModPath, path: &[String], depth: usize) -> Option<PathBuf> {
        if depth > 16 || path.is_empty() {
            return None;
        }
        let (start, rest) = self.start(from, path, depth)?;
        self.walk(&start, &rest, depth)
    }

    /// Where a path begins: the module its first segment names, and what follows.
    fn start(
        &self,
        from: &ModPath,
        path: &[String],
        depth: usize,
    ) -> Option<(ModPath, Vec<String>)> {
        if depth > 16 || path.is_empty() {
            return None;
        }
        let mut module = from.clone();
        let mut rest = path;
        match path[0].as_str() {
            "crate" => return Some((ModPath::new(), path[1..].to_vec())),
            "self" => return Some((module, path[1..].to_vec())),
            "super" => {
                while rest.first().map(String::as_str) == Some("super") {
                    module.pop();
                    rest = &rest[1..];
                }
                return Some((module, rest.to_vec()));
            }
            _ => {}
        }
        // A name in scope: a child module, an item here, a binding of this
        // module (then followed), or nothing of this crate.
        let here = self.modules.get(from)?;
        if here.children.contains(&path[0]) || here.items.contains(&path[0]) {
            return Some((module, path.to_vec()));
        }
        if let Some(binding) = here.bindings.get(&path[0]) {
            let mut full = binding.path.clone();
            full.extend_from_slice(&path[1..]);
            if full.first() == Some(&path[0]) && full.len() == path.len() {
                return None;
            }
            return self.start(from, &full, depth + 1);
        }
        // A name brought in by a glob (`use super::*` in a test module).
        for glob in &here.globs {
            let mut full = glob.clone();
            full.extend_from_slice(path);
            if let Some(found) = self.start(from, &full, depth + 1) {
                return Some(found);
            }
        }
        None
    }

    fn walk(&self, module: &ModPath, path: &[String], depth: usize) -> Option<PathBuf> {
        let here = self.modules.get(module)?;
        let name = path.first()?;
        if here.children.contains(name) {
            let mut child = module.clone();
            child.push(name.clone());
            return self.walk(&child, &path[1..], depth);
        }
        if here.items.contains(name) {
            return Some(here.file.clone());
        }
        if let Some(binding) = here.bindings.get(name) {
            let mut full = binding.path.clone();
            full.extend_from_slice(&path[1..]);
            return self.resolve(module, &full, depth + 1);
        }
        for glob in &here.globs {
            let mut full = glob.clone();
            full.extend_from_slice(path);
            if let Some(file) = self.resolve(module, &full, depth + 1) {
                return Some(file);
            }
        }
        None
    }

    /// File -> files it depends on, with the names it uses from each.
    fn edges(&self) -> Edges {
        let mut edges = Edges::new();
        for module in self.modules.values() {
            edges.entry(module.file.clone()).or_default();
        }
        for (from, path) in &self.references {
            let Some(file) = self.modules.get(from).map(|m| m.file.clone()) else {
                continue;
            };
            if let Some(target) = self.resolve(from, path, 0) {
                if target != file {
                    let name = path.last().cloned().unwrap_or_default();
                    edges
                        .entry(file)
                        .or_default()
                        .entry(target)
                        .or_default()
                        .insert(name);
                }
            }
        }
        edges
    }
}

/// The strongly connected components of more than one file (Tarjan).
fn circles(edges: &Edges) -> Vec<Vec<PathBuf>> {
    struct State<'a> {
        edges: &'a Edges,
        index: HashMap<&'a PathBuf, usize>,
        low: HashMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on_stack: BTreeSet<&'a PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a PathBuf) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s
            .edges
            .get(v)
            .into_iter()
            .flat_map(|targets| targets.keys())
        {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.found
}

fn relative(file: &Path) -> String {
    file.strip_prefix(src_dir())
        .unwrap_or(file)
        .display()
        .to_string()
}

fn describe(from: &Path, to: &Path, names: &BTreeSet<String>) -> String {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    format!(
        "{} -> {} ({})",
        relative(from),
        relative(to),
        names.join(", ")
    )
}

fn top_module(file: &Path) -> String {
    let rel = relative(file);
    let first = rel.split('/').next().unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn no_two_files_depend_on_each_other() {
    let edges = load(&src_dir()).edges();
    let found = circles(&edges);
    let described: Vec<String> = found
        .iter()
        .map(|circle| {
            let inner: Vec<String> = circle
                .iter()
                .flat_map(|a| {
                    edges[a]
                        .iter()
                        .filter(|(b, _)| circle.contains(b))
                        .map(move |(b, names)| describe(a, b, names))
                })
                .collect();
            inner.join("\n")
        })
        .collect();
    assert!(
        found.is_empty(),
        "files that depend on each other:\n{}",
        described.join("\n")
    );
}

#[test]
fn no_import_runs_from_a_lower_layer_up() {
    let edges = load(&src_dir()).edges();
    let mut upward = Vec::new();
    for (from, targets) in &edges {
        let from_top = top_module(from);
        if from_top == "lib" {
            continue;
        }
        let from_layer = layer(&from_top)
            .unwrap_or_else(|| panic!("top-level module '{from_top}' has no layer in LAYERS"));
        for (to, names) in targets {
            let to_top = top_module(to);
            if to_top == from_top {
                continue;
            }
            let to_layer = layer(&to_top)
                .unwrap_or_else(|| panic!("top-level module '{to_top}' has no layer in LAYERS"));
            if to_layer >= from_layer {
                upward.push(describe(from, to, names));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports from a lower (or the same) layer to another module:\n{}",
        upward.join("\n")
    );
}

/// The checker itself: a circle through a re-export is found, a facade is not one.
#[test]
fn the_checker_sees_a_circle_through_a_reexport_and_not_a_facade() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let write = |name: &str, body: &str| {
        let path = dir.path().join(name);
        let parent = path.parent().expect("a file in a directory");
        std::fs::create_dir_all(parent).expect("create the directory");
        std::fs::write(path, body).expect("write the file");
    };
    write("lib.rs", "pub mod a;\n");
    write("a.rs", "mod b;\nmod c;\npub use b::B;\npub use c::C;\n");
    write("a/b.rs", "pub struct B;\n");
    write("a/c.rs", "pub struct C(pub super::B);\n");
    let facade = load(dir.path()).edges();
    assert!(circles(&facade).is_empty(), "{facade:?}");
    assert!(facade[&dir.path().join("a/c.rs")].contains_key(&dir.path().join("a/b.rs")));
    write(
        "a/b.rs",
        "pub struct B;\nfn f() -> usize { std::mem::size_of::<crate::a::C>() }\n",
    );
    let circle = load(dir.path()).edges();
    assert_eq!(circles(&circle).len(), 1, "{circle:?}");
}

/// A file's name says what it holds, so no two files of `src/` share one.
#[test]
fn file_names_are_unique_within_src() {
    fn walk(dir: &Path, seen: &mut BTreeMap<String, Vec<PathBuf>>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, seen);
            } else if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                seen.entry(name.to_string()).or_default().push(path.clone());
            }
        }
    }
    let mut seen = BTreeMap::new();
    walk(&src_dir(), &mut seen);
    let shared: Vec<String> = seen
        .iter()
        .filter(|(_, paths)| paths.len() > 1)
        .map(|(name, paths)| {
            let where_: Vec<String> = paths.iter().map(|p| relative(p)).collect();
            format!("{name}: {}", where_.join(", "))
        })
        .collect();
    assert!(
        shared.is_empty(),
        "file names used twice:\n{}",
        shared.join("\n")
    );
}
