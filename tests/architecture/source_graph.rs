//! The crate's file graph read from its source with syn: every module (file
//! or inline), what each defines and re-exports, and every path each file
//! names, resolved through re-exports to the file that defines the item.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

type ModPath = Vec<String>;
/// File -> the files it uses -> the names it uses from each.
pub type Edges = BTreeMap<PathBuf, BTreeMap<PathBuf, BTreeSet<String>>>;

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
pub struct Crate {
    modules: BTreeMap<ModPath, Module>,
    references: Vec<(ModPath, Vec<String>)>,
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

pub fn load(dir: &Path) -> Crate {
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
    pub fn edges(&self) -> Edges {
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
