//! Unit tests for the go.mod/go.work parsers. Expected error texts were
//! produced by golang.org/x/mod/modfile (fe2ec04) on the same inputs.

use super::*;

fn strict_err(src: &str) -> String {
    match parse("go.mod", src.as_bytes()) {
        Ok(f) => panic!("parse({src:?}) succeeded: {f:?}"),
        Err(e) => e.to_string(),
    }
}

fn strict_ok(src: &str) -> ModFile {
    parse("go.mod", src.as_bytes()).unwrap_or_else(|e| panic!("parse({src:?}): {e}"))
}

fn lax_ok(src: &str) -> ModFile {
    parse_lax("go.mod", src.as_bytes()).unwrap_or_else(|e| panic!("parse_lax({src:?}): {e}"))
}

#[test]
fn lexer_errors_name_line_and_column() {
    assert_eq!(
        strict_err("\u{feff}module x\n"),
        "go.mod:1: unexpected input character '\\ufeff'"
    );
    assert_eq!(
        strict_err("module x\u{1}\n"),
        "go.mod:1:9: unexpected input character '\\x01'"
    );
    assert_eq!(
        strict_err("module x\n\u{b}\n"),
        "go.mod:2: unexpected input character '\\v'"
    );
    assert_eq!(
        strict_err("module x\n\u{a0}\n"),
        "go.mod:2: unexpected input character '\\u00a0'"
    );
    assert_eq!(
        strict_err("module x\nrequire y v1 /* c */\n"),
        "go.mod:2:14: mod files must use // comments (not /* */ comments)"
    );
    assert_eq!(
        strict_err("module x\nrequire a/* v1\n"),
        "go.mod:2:10: mod files must use // comments (not /* */ comments)"
    );
    assert_eq!(
        strict_err("module x\nrequire a \"v1.0.0\n"),
        "go.mod:2:18: unexpected newline in string"
    );
    assert_eq!(
        strict_err("module x\nrequire \"a\\"),
        "go.mod:2:9: unexpected EOF in string"
    );
    let e = parse("go.mod", b"module x\x01\n").expect_err("control character");
    assert_eq!(e.errors.len(), 1);
    assert_eq!(
        e.errors[0].pos,
        Position {
            line: 1,
            column: 9,
            byte: 8
        }
    );
    assert_eq!(e.errors[0].kind, ErrorKind::UnexpectedCharacter('\u{1}'));
}

#[test]
fn block_structure_errors() {
    assert_eq!(
        strict_err("module x\nrequire (\n  a v1.0.0\n"),
        "go.mod:4: syntax error (unterminated block started at go.mod:2:1)"
    );
    assert_eq!(
        strict_err("module x\nrequire (\n a v1.0.0\n) x\n"),
        "go.mod:4:4: syntax error (expected newline after closing paren)"
    );
}

#[test]
fn directive_errors_are_all_collected() {
    let e = parse(
        "go.mod",
        b"module x\nrequire a/v2 v1.0.0\nfoo bar\nrequire b v2.0.0\n",
    )
    .expect_err("bad");
    assert_eq!(
        e.to_string(),
        "go.mod:2: require a/v2: version \"v1.0.0\" invalid: should be v2, not v1\n\
         go.mod:3: unknown directive: foo\n\
         go.mod:4: require b: version \"v2.0.0\" invalid: should be v0 or v1, not v2"
    );
    assert_eq!(e.errors.len(), 3);
    assert_eq!(e.errors[0].verb.as_deref(), Some("require"));
    assert_eq!(e.errors[0].module_path.as_deref(), Some("a/v2"));
    // Lines inside a block report the column of their first token.
    assert_eq!(
        strict_err("module x\nrequire (\n\ta foo\n)\n"),
        "go.mod:3:2: require a: version \"foo\" invalid: must be of the form v1.2.3"
    );
}

#[test]
fn usage_and_directive_messages() {
    assert_eq!(
        strict_err("module x\nrequire a\n"),
        "go.mod:2: usage: require module/path v1.2.3"
    );
    assert_eq!(
        strict_err("module a b\n"),
        "go.mod:1: usage: module module/path"
    );
    assert_eq!(
        strict_err("module x\nmodule y\n"),
        "go.mod:2: repeated module statement"
    );
    assert_eq!(
        strict_err("module x\ngo 1.21\ngo 1.22\n"),
        "go.mod:3: repeated go statement"
    );
    assert_eq!(
        strict_err("module x\ngo 1.21.x\n"),
        "go.mod:2: invalid go version '1.21.x': must match format 1.23.0"
    );
    assert_eq!(
        strict_err("module x\ntoolchain gccgo\n"),
        "go.mod:2: invalid toolchain version 'gccgo': must match format go1.23.0 or default"
    );
    assert_eq!(
        strict_err("module x\ngodebug x\n"),
        "go.mod:2: usage: godebug key=value"
    );
    assert_eq!(
        strict_err("module x\ntool\n"),
        "go.mod:2: tool directive expects exactly one argument"
    );
    assert_eq!(
        strict_err("module x\nfoo (\n a\n)\n"),
        "go.mod:2: unknown block type: foo"
    );
    assert_eq!(
        strict_err("module x\nrequire a b (\n x\n)\n"),
        "go.mod:2: unknown block type: require a b"
    );
    assert_eq!(
        strict_err("module x\ngo (\n 1.21\n)\n"),
        "go.mod:2: unknown block type: go"
    );
}

#[test]
fn quoted_strings() {
    let f = strict_ok("module \"example.com/a\\x62\"\nrequire \"example.com/q\" \"v1.0.0\"\n");
    assert_eq!(f.module.map(|m| m.path).as_deref(), Some("example.com/ab"));
    assert_eq!(f.require[0].module.path, "example.com/q");
    assert_eq!(f.require[0].module.version, "v1.0.0");
    assert_eq!(
        strict_err("module x\nrequire \"y\\q\" v1.0.0\n"),
        "go.mod:2: invalid quoted string: invalid syntax"
    );
    // Backquoted raw strings are lexed, then rejected as arguments.
    assert_eq!(
        strict_err("module x\nrequire `y` v1.0.0\n"),
        "go.mod:2: invalid quoted string: unquoted string cannot contain quote"
    );
    assert_eq!(
        strict_err("module 'a'\n"),
        "go.mod:1: invalid quoted string: unquoted string cannot contain quote"
    );
    assert_eq!(
        strict_err("module x\nrequire a \"v1\\q\"\n"),
        "go.mod:2: require a: version \"\\\"v1\\\\q\\\"\" invalid: invalid syntax"
    );
}

#[test]
fn arrow_needs_spaces() {
    let usage = "go.mod:2: usage: replace module/path [v1.2.3] => other/module v1.4\n\t \
                 or replace module/path [v1.2.3] => ../local/directory";
    assert_eq!(strict_err("module x\nreplace a v1.0.0 =>b v1.0.0\n"), usage);
    assert_eq!(strict_err("module x\nreplace a=>./b\n"), usage);
    let f = strict_ok("module x\nreplace a v1.0.0 => b v1.0.0\n");
    assert_eq!(f.replace.len(), 1);
}

#[test]
fn directory_and_module_replacements() {
    let f = strict_ok(
        "module x\nreplace a => ./b\nreplace c v1.0.0 => ../d\nreplace e => f v1.2\n\
         replace k => /abs\nreplace l => .\n",
    );
    let got: Vec<(&str, &str, &str, &str, bool)> = f
        .replace
        .iter()
        .map(|r| {
            (
                &*r.old.path,
                &*r.old.version,
                &*r.new.path,
                &*r.new.version,
                r.is_directory(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a", "", "./b", "", true),
            ("c", "v1.0.0", "../d", "", true),
            ("e", "", "f", "v1.2.0", false),
            ("k", "", "/abs", "", true),
            ("l", "", ".", "", true),
        ]
    );
    assert_eq!(
        strict_err("module x\nreplace a => b\n"),
        "go.mod:2: replacement module without version must be directory path (rooted or starting with . or ..)"
    );
    assert_eq!(
        strict_err("module x\nreplace a => b@v1.0.0\n"),
        "go.mod:2: replacement module must match format 'path version', not 'path@version'"
    );
    assert_eq!(
        strict_err("module x\nreplace a => ./b v1.0.0\n"),
        "go.mod:2: replacement module directory path \"./b\" cannot have version"
    );
    if std::path::MAIN_SEPARATOR == '/' {
        assert_eq!(
            strict_err("module x\nreplace a => ./b\\c\n"),
            "go.mod:2: replacement directory appears to be Windows path (on a non-windows system)"
        );
    }
    assert!(is_directory_path(".."));
    assert!(is_directory_path(".\\h"));
    assert!(is_directory_path("C:\\j"));
    assert!(is_directory_path("z:"));
    assert!(!is_directory_path(".x"));
    assert!(!is_directory_path("example.com/m"));
}

#[test]
fn indirect_detection_matches_go() {
    let f = strict_ok(
        "module x\nrequire a v1.0.0 // indirect; foo\nrequire b v1.0.0 //indirect\n\
         require c v1.0.0 // indirect;\nrequire d v1.0.0 // indirect foo\nrequire e v1.0.0 //  indirect  \n\
         require (\n\tf v1.0.0 // indirect\n\tg v1.0.0\n) // indirect\nrequire h v1.0.0\n",
    );
    let got: Vec<(&str, bool)> = f
        .require
        .iter()
        .map(|r| (&*r.module.path, r.indirect))
        .collect();
    assert_eq!(
        got,
        [
            ("a", true),
            ("b", true),
            ("c", false),
            ("d", false),
            ("e", true),
            ("f", true),
            ("g", false),
            ("h", false)
        ]
    );
}

#[test]
fn strict_canonicalizes_versions() {
    let f =
        strict_ok("module x\nrequire a v1\nrequire b v1.2.3+meta\nrequire c v2.0.0+incompatible\n");
    let got: Vec<&str> = f.require.iter().map(|r| &*r.module.version).collect();
    assert_eq!(got, ["v1.0.0", "v1.2.3", "v2.0.0+incompatible"]);
}

#[test]
fn strict_and_lax_differ() {
    let src = "module x\ngo 1.21.x\ntoolchain bogus\ngodebug nonsense\nexclude a\nreplace <-!!!\n\
               tool\nfuture directive\nfuture (\n\tstuff\n)\nretract [v1.0.0\nretract v1.0.0 extra\n\
               require a v1.0.0\nignore ./vendor\n";
    let e = parse("go.mod", src.as_bytes()).expect_err("strict rejects");
    assert_eq!(e.errors.len(), 10, "{e}");
    let f = lax_ok(src);
    assert_eq!(f.go.as_ref().map(|g| g.version.as_str()), Some("1.21"));
    assert_eq!(f.toolchain, None);
    assert!(
        f.godebug.is_empty() && f.exclude.is_empty() && f.replace.is_empty() && f.tool.is_empty()
    );
    assert_eq!(f.require.len(), 1);
    assert_eq!(f.ignore.len(), 1);
    // The malformed retraction is dropped; the one with extra tokens is kept.
    assert_eq!(f.retract.len(), 1);
    assert_eq!(
        (f.retract[0].low.as_str(), f.retract[0].high.as_str()),
        ("v1.0.0", "v1.0.0")
    );
    // Lax mode still rejects bad versions in kept directives.
    assert_eq!(
        parse_lax("go.mod", b"module x\nrequire a foo\n").map_err(|e| e.to_string()),
        Err("go.mod:2: require a: version \"foo\" invalid: must be of the form v1.2.3".to_string())
    );
    // Strict mode never truncates a go version; lax only `N.M<non-digit>...`.
    assert!(parse_lax("go.mod", b"module x\ngo v1.2\n").is_err());
    assert_eq!(
        lax_ok("module x\ngo v1.2.3\n")
            .go
            .map(|g| g.version)
            .as_deref(),
        Some("1.2")
    );
}

#[test]
fn retract_intervals_and_rationale() {
    let f = strict_ok(
        "module x\nretract [v1.0.0, v1.1.0]\nretract [v1.2.0,v1.3.0] // bad release\n\
         // whole block\nretract (\n\t// first\n\tv1.4.0\n\tv1.5.0\n)\n",
    );
    let got: Vec<(&str, &str, &str)> = f
        .retract
        .iter()
        .map(|r| (&*r.low, &*r.high, &*r.rationale))
        .collect();
    assert_eq!(
        got,
        [
            ("v1.0.0", "v1.1.0", ""),
            ("v1.2.0", "v1.3.0", "bad release"),
            ("v1.4.0", "v1.4.0", "first"),
            ("v1.5.0", "v1.5.0", "whole block"),
        ]
    );
    assert_eq!(
        strict_err("module x\nretract [v1.0.0,\n"),
        "go.mod:2: expected version after ','"
    );
    assert_eq!(
        strict_err("module x\nretract (v1.0.0, v1.1.0]\n"),
        "go.mod:2: expected '[' or version"
    );
    assert_eq!(
        strict_err("module x\nretract v1.0.0 v1.1.0\n"),
        "go.mod:2: unexpected token after version: \"v1.1.0\""
    );
}

#[test]
fn fixer_errors() {
    let fix = |path: &str, v: &str| -> Result<String, FixError> {
        match v {
            "bad" => Err(FixError::Module(format!("unknown revision for {path}"))),
            "other" => Err(FixError::Other("no network".into())),
            v => Ok(format!("v{v}")),
        }
    };
    let e = parse_with_fixer(
        "go.mod",
        b"module x\nrequire a bad\nrequire b other\nretract bad\n",
        &fix,
    )
    .expect_err("fixer refuses");
    assert_eq!(
        e.to_string(),
        "go.mod:2: require a: unknown revision for a\ngo.mod:3: no network\ngo.mod:4: retract x: unknown revision for x"
    );
    let f = parse_with_fixer("go.mod", b"retract 1.0.0\nmodule x\n", &fix)
        .expect("module after retract");
    assert_eq!(f.retract[0].low, "v1.0.0");
}

#[test]
fn comments_and_blocks_in_syntax_tree() {
    let f = lax_ok(
        "// top\n\nmodule m // c\nrequire ( // open\n\n\ta v1.0.0 // why\n\t// tail\n) // close\n",
    );
    let stmts = &f.syntax.stmts;
    assert_eq!(stmts.len(), 3);
    let Stmt::Comments(cb) = &stmts[0] else {
        panic!("{:?}", stmts[0])
    };
    assert_eq!(cb.comments.before[0].token, "// top");
    let Stmt::Line(line) = &stmts[1] else {
        panic!("{:?}", stmts[1])
    };
    assert_eq!(line.tokens, ["module", "m"]);
    assert_eq!(line.comments.suffix[0].token, "// c");
    assert!(line.comments.suffix[0].suffix);
    let Stmt::Block(block) = &stmts[2] else {
        panic!("{:?}", stmts[2])
    };
    assert_eq!(block.tokens, ["require"]);
    assert_eq!(block.lparen.comments.suffix[0].token, "// open");
    assert_eq!(block.lines.len(), 1);
    assert!(block.lines[0].in_block);
    assert_eq!(
        block.lines[0].start,
        Position {
            line: 6,
            column: 2,
            byte: 42
        }
    );
    assert_eq!(block.lines[0].comments.suffix[0].token, "// why");
    assert_eq!(block.rparen.comments.before[0].token, "// tail");
    assert_eq!(block.rparen.comments.suffix[0].token, "// close");
    // `( )` on one line is an empty block; `(` mid-line is a token.
    let s = parse_syntax("x", b"require ( )\nfoo ( bar\n").expect("syntax");
    assert!(matches!(&s.stmts[0], Stmt::Block(b) if b.lines.is_empty()));
    assert!(matches!(&s.stmts[1], Stmt::Line(l) if l.tokens == ["foo", "(", "bar"]));
}

#[test]
fn crlf_and_comment_endings() {
    let f = strict_ok("module x\r\nrequire a v1.0.0 // indirect\r\n");
    assert!(f.require[0].indirect);
    assert_eq!(f.syntax.stmts.len(), 2);
}

#[test]
fn work_files() {
    let w = parse_work(
        "go.work",
        b"go 1.21\ntoolchain go1.21.1\ngodebug a=b\nuse ./a\nuse (\n\t./b\n\t\"./c d\"\n)\nreplace x v1 => ./y\n",
    )
    .expect("valid go.work");
    assert_eq!(w.go.map(|g| g.version).as_deref(), Some("1.21"));
    assert_eq!(
        w.uses.iter().map(|u| u.path.as_str()).collect::<Vec<_>>(),
        ["./a", "./b", "./c d"]
    );
    assert_eq!(w.replace[0].old.version, "v1.0.0");
    let err = |src: &str| {
        parse_work("go.work", src.as_bytes())
            .expect_err(src)
            .to_string()
    };
    assert_eq!(err("module x\n"), "go.work:1: unknown directive: module");
    assert_eq!(
        err("go 1.21.x\n"),
        "go.work:1: invalid go version '1.21.x': must match format 1.23.0"
    );
    assert_eq!(err("use a b\n"), "go.work:1: usage: use local/dir");
    assert_eq!(
        err("require (\n a v1\n)\n"),
        "go.work:1: unknown block type: require"
    );
    assert_eq!(err("go (\n 1.21\n)\n"), "go.work:1: unknown block type: go");
}

#[test]
fn quoting_helpers() {
    assert_eq!(auto_quote("example.com/m"), "example.com/m");
    assert_eq!(auto_quote(""), "\"\"");
    assert_eq!(auto_quote("a b"), "\"a b\"");
    assert_eq!(auto_quote("a//b"), "\"a//b\"");
    assert_eq!(auto_quote("("), "(");
    assert_eq!(auto_quote("a(b"), "\"a(b\"");
    assert_eq!(auto_quote("é"), "é");
    assert_eq!(auto_quote("\u{7}"), "\"\\a\"");
    assert_eq!(
        module_path(b"// x\nmodule `a/b` // c\n").as_deref(),
        Some("a/b")
    );
    assert_eq!(module_path(b"modulex\n"), None);
}

#[test]
fn invalid_utf8_is_read_as_replacement_character() {
    // Go accepts invalid UTF-8 in tokens and comments (U+FFFD is printable).
    let f = parse("go.mod", b"module x\xff // caf\xe9\n").expect("Go accepts it too");
    assert_eq!(f.module.map(|m| m.path).as_deref(), Some("x\u{fffd}"));
}
