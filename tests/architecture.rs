//! Holds the layering of ARCHITECTURE.md: each layer imports only what it may. The test reads every
//! `.rs` file of `checks/src` and `src` as text, resolves each path it names (`use` trees, and
//! `crate::…`, `super::…`, `checks::…`, `aws_…::`, `tokio::…` in code) to a full module path, and
//! fails with file:line and the rule broken. Rules match files by path prefix, so `facts.rs`,
//! `facts/mod.rs` and a file moved into a folder are judged alike.

use regex::Regex;
use std::path::Path;

/// One layer's rule: the files it covers (path prefixes from the repository root) and the module
/// paths they must not name (prefixes; a first segment ending in `*` matches any crate so named).
struct Rule {
    layer: &'static str,
    files: &'static [&'static str],
    forbidden: &'static [&'static str],
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        layer: "facts",
        files: &["checks/src/facts"],
        forbidden: &["crate::checks"],
        why: "facts sit below the checks: a fact never calls into a check",
    },
    Rule {
        layer: "pure",
        files: &[
            "checks/src/policy",
            "checks/src/access_denied",
            "checks/src/regions",
            "checks/src/catalogue",
            "checks/src/timefmt",
        ],
        forbidden: &[
            "aws_sdk_*",
            "aws_config",
            "tokio",
            "crate::facts",
            "crate::checks",
        ],
        why: "pure logic: no AWS SDK, no runtime, no facts, no checks",
    },
    Rule {
        layer: "renderers",
        files: &["src/render"],
        forbidden: &["crate::cli", "aws_*", "checks::facts"],
        why: "renderers own the terminal and see reports only: no CLI types, no AWS, no facts",
    },
    Rule {
        layer: "explain",
        files: &["src/explain", "src/cloudtrail"],
        forbidden: &["aws_*", "tokio", "checks::facts"],
        why: "explain and the CloudTrail reader are offline: no AWS SDK, no runtime, no facts",
    },
    Rule {
        layer: "library",
        files: &["checks/src/"],
        forbidden: &["bedrock_doctor"],
        why: "the library never imports from the binary crate",
    },
];

/// Violations the code has today, each to be removed from this list when the code is fixed (a
/// stale entry fails the test). `(file path prefix, named path prefix, why it is still here)`.
const KNOWN_VIOLATIONS: &[(&str, &str, &str)] = &[];

#[derive(Debug, Clone, PartialEq)]
struct Violation {
    file: String,
    line: usize,
    named: String,
    rule: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}` {}",
            self.file, self.line, self.named, self.rule
        )
    }
}

/// What the scan needs beyond the file itself: the library's root re-exports
/// (`Facts` → `facts::Facts`) and the module names of the checks.
struct Context {
    reexports: Vec<(String, String)>,
    check_modules: Vec<String>,
}

/// Code with comments and the contents of string and char literals blanked (newlines kept, so
/// offsets keep their line), and the string literals with their offsets.
fn strip(source: &str) -> (String, Vec<(usize, String)>) {
    let bytes = source.as_bytes();
    let mut code = String::with_capacity(source.len());
    let mut literals = Vec::new();
    // Blanked text keeps its byte length, so offsets in `code` are offsets in `source`.
    let blank = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c == '\n' {
                    "\n".to_string()
                } else {
                    " ".repeat(c.len_utf8())
                }
            })
            .collect()
    };
    let raw_open = Regex::new(r##"^b?r(#*)""##).unwrap();
    // A char literal ('x', '\n', '\'', '\u{..}'), not a lifetime ('a).
    let char_literal = Regex::new(r"^'(\\'|\\[^']+|[^\\'])'").unwrap();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &source[i..];
        let prev_ident = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let end = if rest.starts_with("//") {
            rest.find('\n').map_or(source.len(), |n| i + n)
        } else if rest.starts_with("/*") {
            let mut depth = 0;
            let mut j = i;
            while j < bytes.len() {
                if source[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if source[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            j
        } else if let Some(raw) = (!prev_ident).then(|| raw_open.captures(rest)).flatten() {
            let close = format!("\"{}", &raw[1]);
            let open = raw[0].len();
            let body_end = rest[open..].find(&close).map_or(rest.len(), |n| open + n);
            literals.push((i, rest[open..body_end].to_string()));
            i + (body_end + close.len()).min(rest.len())
        } else if bytes[i] == b'"' || (rest.starts_with("b\"") && !prev_ident) {
            let open = if bytes[i] == b'"' { 1 } else { 2 };
            let mut j = i + open;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            literals.push((i, source[i + open..j.min(bytes.len())].to_string()));
            (j + 1).min(bytes.len())
        } else if bytes[i] == b'\'' {
            char_literal.find(rest).map_or(i, |m| i + m.end())
        } else {
            i
        };
        if end > i {
            code.push_str(&blank(&source[i..end]));
            i = end;
        } else {
            let c = rest.chars().next().unwrap();
            code.push(c);
            i += c.len_utf8();
        }
    }
    (code, literals)
}

/// The module path of a file: `checks/src/facts/iam.rs` → (library, [facts, iam]).
fn module_of(file: &str) -> (bool, Vec<String>) {
    let (library, rest) = match file.strip_prefix("checks/src/") {
        Some(rest) => (true, rest),
        None => (false, file.strip_prefix("src/").unwrap_or(file)),
    };
    let mut segments: Vec<String> = rest
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(
        segments.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segments.pop();
    }
    (library, segments)
}

/// The leaves of a `use` tree, each with its offset in `tree`: `a::{b, c::d}` → `a::b`, `a::c::d`.
fn use_leaves(tree: &str) -> Vec<(usize, Vec<String>)> {
    let token = Regex::new(r"[A-Za-z_][A-Za-z0-9_]*|::|[{},*]").unwrap();
    let tokens: Vec<(usize, &str)> = token
        .find_iter(tree)
        .map(|m| (m.start(), m.as_str()))
        .collect();
    let mut leaves = Vec::new();
    let mut pos = 0;
    expand(&tokens, &mut pos, Vec::new(), &mut leaves);
    leaves
}

fn expand(
    tokens: &[(usize, &str)],
    pos: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(usize, Vec<String>)>,
) {
    let mut path = prefix;
    let start = tokens.get(*pos).map_or(0, |t| t.0);
    while let Some(&(_, tok)) = tokens.get(*pos) {
        *pos += 1;
        match tok {
            "::" => {}
            "{" => {
                while tokens.get(*pos).is_some_and(|t| t.1 != "}") {
                    expand(tokens, pos, path.clone(), out);
                    if tokens.get(*pos).is_some_and(|t| t.1 == ",") {
                        *pos += 1;
                    }
                }
                *pos += 1;
                return;
            }
            "," | "}" => {
                *pos -= 1;
                break;
            }
            "as" => *pos += 1,
            "self" if !path.is_empty() => {}
            ident => path.push(ident.to_string()),
        }
    }
    out.push((start, path));
}

/// A path as the full module path it names, from the module `here` of a file declaring `children`.
fn resolve(
    path: &[String],
    library: bool,
    here: &[String],
    children: &[String],
    cx: &Context,
) -> String {
    let Some(first) = path.first() else {
        return String::new();
    };
    let mut full: Vec<String> = match first.as_str() {
        "crate" => path.to_vec(),
        "self" => [vec!["crate".into()], here.to_vec(), path[1..].to_vec()].concat(),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let base = &here[..here.len().saturating_sub(ups)];
            [vec!["crate".into()], base.to_vec(), path[ups..].to_vec()].concat()
        }
        name if children.iter().any(|c| c == name) => {
            [vec!["crate".into()], here.to_vec(), path.to_vec()].concat()
        }
        _ => path.to_vec(),
    };
    // The library's root re-exports name what they re-export.
    let root = if library { "crate" } else { "checks" };
    if full.len() >= 2 && full[0] == root {
        if let Some((_, target)) = cx.reexports.iter().find(|(alias, _)| *alias == full[1]) {
            let target: Vec<String> = target.split("::").map(String::from).collect();
            full.splice(1..2, target);
        }
    }
    full.join("::")
}

fn names(path: &str, forbidden: &str) -> bool {
    match forbidden.strip_suffix('*') {
        Some(crate_prefix) => path
            .split("::")
            .next()
            .unwrap_or_default()
            .starts_with(crate_prefix),
        None => path == forbidden || path.starts_with(&format!("{forbidden}::")),
    }
}

/// Every rule `file` (relative to the repository root) breaks.
fn scan(file: &str, source: &str, cx: &Context) -> Vec<Violation> {
    let (library, module) = module_of(file);
    let (code, literals) = strip(source);
    let line_of = |offset: usize| code[..offset].matches('\n').count() + 1;

    // Inline modules (`mod tests { … }`) by their span, so `super::` inside them resolves.
    let mod_open = Regex::new(r"\bmod\s+(\w+)\s*([;{])").unwrap();
    let mut children = Vec::new();
    let mut inline: Vec<(usize, usize, String)> = Vec::new();
    for m in mod_open.captures_iter(&code) {
        children.push(m[1].to_string());
        if &m[2] == "{" {
            let open = m.get(2).unwrap().start();
            let mut depth = 0;
            let close = code[open..]
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(code.len(), |(n, _)| open + n);
            inline.push((open, close, m[1].to_string()));
        }
    }
    let here_at = |offset: usize| -> Vec<String> {
        let mut here = module.clone();
        here.extend(
            inline
                .iter()
                .filter(|(o, c, _)| *o < offset && offset < *c)
                .map(|(_, _, n)| n.clone()),
        );
        here
    };

    let mut named: Vec<(usize, String)> = Vec::new();
    let use_stmt = Regex::new(r"\buse\s+([^;]*);").unwrap();
    let mut rest = code.clone();
    for m in use_stmt.captures_iter(&code) {
        let tree = m.get(1).unwrap();
        for (at, path) in use_leaves(tree.as_str()) {
            let offset = tree.start() + at;
            named.push((
                offset,
                resolve(&path, library, &here_at(offset), &children, cx),
            ));
        }
        rest.replace_range(
            m.get(0).unwrap().range(),
            &" ".repeat(m.get(0).unwrap().len()),
        );
    }
    let in_code = Regex::new(
        r"(?:^|[^\w:])((?:crate|super|self|checks|bedrock_doctor|tokio|aws_\w+)(?:::\w+)+)",
    )
    .unwrap();
    for m in in_code.captures_iter(&rest) {
        let path = m.get(1).unwrap();
        let segments: Vec<String> = path.as_str().split("::").map(String::from).collect();
        let here = here_at(path.start());
        if segments[0] == "checks" && library && !children.contains(&segments[0]) {
            continue; // the library cannot name itself as `checks::`
        }
        named.push((
            path.start(),
            resolve(&segments, library, &here, &children, cx),
        ));
    }

    let mut found = Vec::new();
    let mut report = |offset: usize, named: String, rule: String| {
        found.push(Violation {
            file: file.to_string(),
            line: line_of(offset),
            named,
            rule,
        });
    };
    for rule in RULES {
        if !rule.files.iter().any(|p| file.starts_with(p)) {
            continue;
        }
        for (offset, path) in &named {
            if let Some(f) = rule.forbidden.iter().find(|f| names(path, f)) {
                report(
                    *offset,
                    path.clone(),
                    format!(
                        "breaks the {} rule (must not name `{f}`): {}",
                        rule.layer, rule.why
                    ),
                );
            }
        }
    }
    // A check imports no other check (`model_support` and its own submodules are shared).
    if let Some(own) = file.strip_prefix("checks/src/checks/") {
        let own = own.split(['/', '.']).next().unwrap_or_default();
        for (offset, path) in &named {
            let other = path
                .strip_prefix("crate::checks::")
                .and_then(|p| p.split("::").next());
            if let Some(other) =
                other.filter(|o| *o != own && cx.check_modules.iter().any(|c| c == o))
            {
                report(*offset, path.clone(), format!("breaks the checks rule: the check `{own}` imports the check `{other}`; shared logic goes to model_support, a fact or the catalogue"));
            }
        }
    }
    // A fact names no check id: facts do not know which check asked.
    if file.starts_with("checks/src/facts") {
        for (offset, text) in &literals {
            let is_id = cx
                .check_modules
                .iter()
                .any(|c| c.replace('_', "-") == *text);
            let hyphenated = text.contains('-');
            let before = code[..*offset].trim_end();
            let id_field = before
                .strip_suffix(':')
                .is_some_and(|b| b.trim_end().ends_with("check"));
            if is_id && (hyphenated || id_field) {
                report(
                    *offset,
                    format!("\"{text}\""),
                    "breaks the facts rule: a fact names a check id".into(),
                );
            }
        }
    }
    found
}

fn context() -> Context {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("checks/src/lib.rs")).unwrap();
    let (code, _) = strip(&lib);
    let mut reexports = Vec::new();
    for m in Regex::new(r"\bpub\s+use\s+([^;]*);")
        .unwrap()
        .captures_iter(&code)
    {
        for (_, path) in use_leaves(&m[1]) {
            if let Some(last) = path.last() {
                reexports.push((last.clone(), path.join("::")));
            }
        }
    }
    let check_modules = checks::registry()
        .iter()
        .map(|c| c.meta().id.replace('-', "_"))
        .collect();
    Context {
        reexports,
        check_modules,
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn known(v: &Violation) -> bool {
    KNOWN_VIOLATIONS
        .iter()
        .any(|(file, named, _)| v.file.starts_with(file) && v.named.starts_with(named))
}

#[test]
fn each_layer_imports_only_what_it_may() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cx = context();
    let mut files = Vec::new();
    rust_files(&root.join("checks/src"), &mut files);
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut all = Vec::new();
    for path in &files {
        let file = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        all.extend(scan(&file, &std::fs::read_to_string(path).unwrap(), &cx));
    }
    let new: Vec<String> = all
        .iter()
        .filter(|v| !known(v))
        .map(ToString::to_string)
        .collect();
    assert!(
        new.is_empty(),
        "layering broken (ARCHITECTURE.md):\n{}",
        new.join("\n")
    );
    let stale: Vec<String> = KNOWN_VIOLATIONS
        .iter()
        .filter(|(file, named, _)| {
            !all.iter()
                .any(|v| v.file.starts_with(file) && v.named.starts_with(named))
        })
        .map(|(file, named, _)| format!("{file}: {named}"))
        .collect();
    assert!(
        stale.is_empty(),
        "fixed, so remove from KNOWN_VIOLATIONS:\n{}",
        stale.join("\n")
    );
}

/// The scan fed synthetic files, each breaking (or keeping) one rule: a scan that finds nothing
/// would pass the layering test above without holding anything.
#[cfg(test)]
mod synthetic {
    use super::*;

    /// Scans `source` as `file` and asserts one violation per fragment, in order.
    fn assert_found(file: &str, source: &str, fragments: &[&str]) {
        let cx = Context {
            reexports: vec![("Facts".into(), "facts::Facts".into())],
            check_modules: vec!["invoke".into(), "scp".into(), "model_catalog".into()],
        };
        let found: Vec<String> = scan(file, source, &cx)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(found.len(), fragments.len(), "{found:#?}");
        for (line, fragment) in found.iter().zip(fragments) {
            assert!(line.contains(fragment), "{line} lacks {fragment}");
        }
    }

    #[test]
    fn rejects_a_check_importing_another_check() {
        let source = "use crate::{dx, Report};\nuse crate::checks::{\n    model_support::x,\n    invoke::Probe,\n};\nuse super::rules;\n";
        let expected = "checks/src/checks/scp/eval.rs:4: `crate::checks::invoke::Probe` breaks the checks rule";
        assert_found("checks/src/checks/scp/eval.rs", source, &[expected]);
    }

    #[test]
    fn rejects_a_fact_calling_into_checks_through_super_and_in_code() {
        let source = "mod profiles;\nfn f() { if super::checks::is_access(e) {} }\nfn g() { crate::checks::model_catalog::x(); }\n";
        let expected = [
            ":2: `crate::checks::is_access`",
            ":3: `crate::checks::model_catalog::x`",
        ];
        assert_found("checks/src/facts/mod.rs", source, &expected);
    }

    #[test]
    fn rejects_a_fact_naming_a_check_id() {
        let source =
            "fn f() -> E { E::Needs { check: \"scp\", reason } }\nconst S: &str = \"scp\";\n";
        assert_found("checks/src/facts.rs", source, &[":1: `\"scp\"`"]);
    }

    #[test]
    fn rejects_a_pure_module_with_the_sdk_or_facts() {
        let source =
            "use aws_sdk_iam::types::X;\nuse crate::Facts;\n#[tokio::test]\nasync fn t() {}\n";
        let expected = [
            "`aws_sdk_iam::types::X`",
            "`crate::facts::Facts`",
            ":3: `tokio::test`",
        ];
        assert_found("checks/src/policy/condition.rs", source, &expected);
    }

    #[test]
    fn rejects_a_renderer_or_explain_reaching_outside() {
        let source = "pub fn f(c: crate::cli::ColorChoice) {}\nuse checks::Facts;\nuse aws_smithy_types::X;\n";
        let expected = [
            "`checks::facts::Facts`",
            "`aws_smithy_types::X`",
            ":1: `crate::cli::ColorChoice`",
        ];
        assert_found("src/render/table.rs", source, &expected);
        let source = "use checks::facts::models;\nuse tokio::time;\n";
        assert_found(
            "src/explain/mod.rs",
            source,
            &["`checks::facts::models`", "`tokio::time`"],
        );
    }

    #[test]
    fn ignores_comments_strings_and_own_modules() {
        let source = "// use crate::checks::invoke;\n/* crate::checks::invoke::x */\nconst S: &str = \"crate::checks::invoke\";\nmod eval;\nuse eval::x;\nuse crate::checks::scp::eval::y;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::eval::z;\n}\n";
        assert_found("checks/src/checks/scp.rs", source, &[]);
    }
}
