//! The go.mod/go.work lexer and syntax tree (x/mod `modfile/read.go`).
//!
//! The syntax layer knows nothing about directives: a file is a list of
//! lines of tokens, `verb ( … )` blocks of such lines, and comment blocks,
//! with every `//` comment attached to a nearby element the way Go attaches
//! them. Tokens are kept as written (quoted strings keep their quotes); the
//! directive layer interprets them.

use super::error::{ErrorKind, LineError, ParseError};
use super::quote::{decode_rune, is_print};

/// A position in a file. Lines and columns start at 1; a column counts
/// runes (an invalid UTF-8 byte counts as one), as Go's `LineRune` does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// Line number, from 1 (0 only for synthesized blank-line comments).
    pub line: usize,
    /// Rune column within the line, from 1.
    pub column: usize,
    /// Byte offset in the file, from 0.
    pub byte: usize,
}

impl Position {
    /// The position just after one more single-byte, non-newline character.
    fn next_column(self) -> Position {
        Position {
            column: self.column + 1,
            byte: self.byte + 1,
            ..self
        }
    }
}

/// A `//` comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comment {
    /// Where the `//` is.
    pub start: Position,
    /// The comment including `//`, without the line ending (one trailing
    /// `\n` or `\r\n` is removed). Empty for the placeholders that record a
    /// blank line inside a block.
    pub token: String,
    /// Whether this is an end-of-line comment (after tokens on its line)
    /// rather than a whole-line comment.
    pub suffix: bool,
}

/// Comments attached to a syntax element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comments {
    /// Whole-line comments just before the element.
    pub before: Vec<Comment>,
    /// End-of-line comments after the element.
    pub suffix: Vec<Comment>,
    /// Whole-line comments after the element (Go only fills this for the
    /// file, and the parser never does; kept for fidelity).
    pub after: Vec<Comment>,
}

/// A whole go.mod or go.work file: Go's `FileSyntax`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSyntax {
    /// The file name given to the parser.
    pub name: String,
    /// Comments attached to the file itself: end-of-line comments that no
    /// element could take.
    pub comments: Comments,
    /// The top-level statements in order.
    pub stmts: Vec<Stmt>,
}

/// A top-level statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    /// A group of whole-line comments followed by a blank line (or the end
    /// of the file), not attached to any directive.
    Comments(CommentBlock),
    /// A single line, e.g. `require example.com/m v1.0.0`.
    Line(Line),
    /// A factored block, e.g. `require ( … )`.
    Block(LineBlock),
}

/// Whole-line comments standing on their own: Go's `CommentBlock`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentBlock {
    /// The comments, all in `before`.
    pub comments: Comments,
    /// Where the first comment starts.
    pub start: Position,
}

/// One line of tokens: Go's `Line`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    /// Comments attached to this line.
    pub comments: Comments,
    /// Where the first token starts.
    pub start: Position,
    /// The tokens as written, never empty. Inside a block the verb is not
    /// repeated: the tokens start with the first argument.
    pub tokens: Vec<String>,
    /// Whether the line is inside a `verb ( … )` block.
    pub in_block: bool,
    /// Just after the last token (not counting a `(` or `( )` that did not
    /// open a block, as in Go).
    pub end: Position,
}

/// A factored block `verb ( lines )`: Go's `LineBlock`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineBlock {
    /// Comments attached to the block as a whole.
    pub comments: Comments,
    /// Where the verb starts.
    pub start: Position,
    /// The opening parenthesis.
    pub lparen: Paren,
    /// The tokens before `(`: normally just the verb.
    pub tokens: Vec<String>,
    /// The lines inside the block.
    pub lines: Vec<Line>,
    /// The closing parenthesis.
    pub rparen: Paren,
}

/// A block's parenthesis, a place to hang comments: Go's `LParen`/`RParen`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paren {
    /// Comments: suffix comments after `(`; whole-line comments (and blank
    /// line placeholders) before `)`.
    pub comments: Comments,
    /// Where the parenthesis is.
    pub pos: Position,
}

/// Parses `data` into a syntax tree without interpreting any directive:
/// Go's internal `parse`, used by `Parse`, `ParseLax` and `ParseWork`.
///
/// This is the layer that must accept any well-formed file, whatever its
/// verbs. The first lexical or structural error ends parsing.
pub fn parse_syntax(file: &str, data: &[u8]) -> Result<FileSyntax, ParseError> {
    let fail = |e: Box<LineError>| ParseError { errors: vec![*e] };
    let mut parser = Parser::new(file, data).map_err(fail)?;
    let stmts = parser.parse_file().map_err(fail)?;
    let mut syntax = FileSyntax {
        name: file.to_string(),
        comments: Comments::default(),
        stmts,
    };
    assign_suffix_comments(&mut syntax, parser.lexer.suffix_comments);
    Ok(syntax)
}

/// A syntax error ends parsing; boxed because it travels through every
/// parser function.
type Lexed<T> = Result<T, Box<LineError>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Eof,
    /// An end-of-line comment; it also ends the line.
    EolComment,
    Ident,
    String,
    /// A whole-line comment.
    Comment,
    Newline,
    /// One of `( ) [ ] { } ,`.
    Punct(u8),
}

impl Kind {
    fn is_eol(self) -> bool {
        matches!(self, Kind::Eof | Kind::EolComment | Kind::Newline)
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    pos: Position,
    end: Position,
    text: String,
}

struct Lexer<'a> {
    file: &'a str,
    data: &'a [u8],
    pos: Position,
    /// End-of-line comments seen so far, for later attachment.
    suffix_comments: Vec<Comment>,
}

fn is_ident(c: char) -> bool {
    !matches!(c, ' ' | '(' | ')' | '[' | ']' | '{' | '}' | ',') && !c.is_whitespace() && is_print(c)
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.data[self.pos.byte..]
    }

    fn peek_rune(&self) -> Option<char> {
        let rest = self.rest();
        (!rest.is_empty()).then(|| decode_rune(rest).0)
    }

    fn peek_prefix(&self, prefix: &str) -> bool {
        self.rest().starts_with(prefix.as_bytes())
    }

    fn read_rune(&mut self) -> Option<char> {
        let rest = self.rest();
        if rest.is_empty() {
            return None;
        }
        let (c, n) = decode_rune(rest);
        self.pos.byte += n;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    fn error(&self, kind: ErrorKind) -> Box<LineError> {
        self.error_at(self.pos, kind)
    }

    fn error_at(&self, pos: Position, kind: ErrorKind) -> Box<LineError> {
        Box::new(LineError {
            file: self.file.to_string(),
            pos,
            verb: None,
            module_path: None,
            kind,
        })
    }

    fn token(&self, kind: Kind, start: Position) -> Token {
        let raw = &self.data[start.byte..self.pos.byte];
        let mut text = String::from_utf8_lossy(raw).into_owned();
        if matches!(kind, Kind::Comment | Kind::EolComment) {
            if text.ends_with("\r\n") {
                text.truncate(text.len() - 2);
            } else if text.ends_with('\n') {
                text.pop();
            }
        }
        Token {
            kind,
            pos: start,
            end: self.pos,
            text,
        }
    }

    /// Reads the next token (Go's `readToken`).
    fn next_token(&mut self) -> Lexed<Token> {
        while let Some(c) = self.peek_rune() {
            if matches!(c, ' ' | '\t' | '\r') {
                self.read_rune();
                continue;
            }
            if self.peek_prefix("//") {
                let start = self.pos;
                // A comment is whole-line when only spaces precede it on its line.
                let line_start = self.data[..start.byte]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                let suffix = !String::from_utf8_lossy(&self.data[line_start..start.byte])
                    .trim()
                    .is_empty();
                while let Some(c) = self.read_rune() {
                    if c == '\n' {
                        break;
                    }
                }
                if !suffix {
                    return Ok(self.token(Kind::Comment, start));
                }
                let tok = self.token(Kind::EolComment, start);
                self.suffix_comments.push(Comment {
                    start,
                    token: tok.text.clone(),
                    suffix: true,
                });
                return Ok(tok);
            }
            if self.peek_prefix("/*") {
                return Err(self.error(ErrorKind::BlockComment));
            }
            break;
        }

        let start = self.pos;
        let Some(c) = self.peek_rune() else {
            return Ok(self.token(Kind::Eof, start));
        };
        match c {
            '\n' | '(' | ')' | '[' | ']' | '{' | '}' | ',' => {
                self.read_rune();
                let kind = if c == '\n' {
                    Kind::Newline
                } else {
                    Kind::Punct(c as u8)
                };
                return Ok(self.token(kind, start));
            }
            '"' | '`' => {
                self.read_rune();
                loop {
                    match self.peek_rune() {
                        None => return Err(self.error_at(start, ErrorKind::EofInString)),
                        Some('\n') => return Err(self.error(ErrorKind::NewlineInString)),
                        Some(_) => {}
                    }
                    let r = self.read_rune();
                    if r == Some(c) {
                        break;
                    }
                    if r == Some('\\') && c == '"' && self.read_rune().is_none() {
                        return Err(self.error_at(start, ErrorKind::EofInString));
                    }
                }
                return Ok(self.token(Kind::String, start));
            }
            _ => {}
        }
        if !is_ident(c) {
            return Err(self.error(ErrorKind::UnexpectedCharacter(c)));
        }
        while self.peek_rune().is_some_and(is_ident) {
            if self.peek_prefix("//") {
                break;
            }
            if self.peek_prefix("/*") {
                return Err(self.error(ErrorKind::BlockComment));
            }
            self.read_rune();
        }
        Ok(self.token(Kind::Ident, start))
    }
}

/// A recursive-descent parser with one token of lookahead, as in Go; the
/// lookahead matters for which error is reported first.
struct Parser<'a> {
    lexer: Lexer<'a>,
    next: Token,
}

impl<'a> Parser<'a> {
    fn new(file: &'a str, data: &'a [u8]) -> Lexed<Self> {
        let mut lexer = Lexer {
            file,
            data,
            pos: Position {
                line: 1,
                column: 1,
                byte: 0,
            },
            suffix_comments: Vec::new(),
        };
        let next = lexer.next_token()?;
        Ok(Parser { lexer, next })
    }

    fn peek(&self) -> Kind {
        self.next.kind
    }

    /// Returns the lookahead token and reads the one after it.
    fn lex(&mut self) -> Lexed<Token> {
        let following = self.lexer.next_token()?;
        Ok(std::mem::replace(&mut self.next, following))
    }

    fn parse_file(&mut self) -> Lexed<Vec<Stmt>> {
        let mut stmts = Vec::new();
        let mut pending: Option<CommentBlock> = None;
        loop {
            match self.peek() {
                Kind::Newline => {
                    self.lex()?;
                    if let Some(cb) = pending.take() {
                        stmts.push(Stmt::Comments(cb));
                    }
                }
                Kind::Comment => {
                    let tok = self.lex()?;
                    let cb = pending.get_or_insert_with(|| CommentBlock {
                        start: tok.pos,
                        ..Default::default()
                    });
                    cb.comments.before.push(Comment {
                        start: tok.pos,
                        token: tok.text,
                        suffix: false,
                    });
                }
                Kind::Eof => {
                    if let Some(cb) = pending.take() {
                        stmts.push(Stmt::Comments(cb));
                    }
                    return Ok(stmts);
                }
                _ => {
                    let mut stmt = self.parse_stmt()?;
                    if let Some(cb) = pending.take() {
                        stmt_comments(&mut stmt).before = cb.comments.before;
                    }
                    stmts.push(stmt);
                }
            }
        }
    }

    fn parse_stmt(&mut self) -> Lexed<Stmt> {
        let first = self.lex()?;
        let start = first.pos;
        let mut end = first.end;
        let mut tokens = vec![first.text];
        loop {
            let tok = self.lex()?;
            if tok.kind.is_eol() {
                return Ok(Stmt::Line(Line {
                    start,
                    tokens,
                    end,
                    ..Default::default()
                }));
            }
            if tok.kind != Kind::Punct(b'(') {
                tokens.push(tok.text);
                end = tok.end;
                continue;
            }
            if self.peek().is_eol() {
                return Ok(Stmt::Block(self.parse_line_block(start, tokens, tok.pos)?));
            }
            if self.peek() == Kind::Punct(b')') {
                let rparen = self.lex()?;
                if self.peek().is_eol() {
                    // `verb ( )` on one line is an empty block.
                    self.lex()?;
                    return Ok(Stmt::Block(LineBlock {
                        start,
                        tokens,
                        lparen: Paren {
                            pos: tok.pos,
                            ..Default::default()
                        },
                        rparen: Paren {
                            pos: rparen.pos,
                            ..Default::default()
                        },
                        ..Default::default()
                    }));
                }
                tokens.push(tok.text);
                tokens.push(rparen.text);
            } else {
                tokens.push(tok.text);
            }
        }
    }

    fn parse_line_block(
        &mut self,
        start: Position,
        tokens: Vec<String>,
        lparen: Position,
    ) -> Lexed<LineBlock> {
        let mut block = LineBlock {
            start,
            tokens,
            lparen: Paren {
                pos: lparen,
                ..Default::default()
            },
            ..Default::default()
        };
        let mut comments: Vec<Comment> = Vec::new();
        loop {
            match self.peek() {
                Kind::EolComment => {
                    // Attached later by assign_suffix_comments.
                    self.lex()?;
                }
                Kind::Newline => {
                    self.lex()?;
                    // Remember a blank line with an empty comment.
                    let keep = match comments.last() {
                        None => !block.lines.is_empty(),
                        Some(last) => !last.token.is_empty(),
                    };
                    if keep {
                        comments.push(Comment::default());
                    }
                }
                Kind::Comment => {
                    let tok = self.lex()?;
                    comments.push(Comment {
                        start: tok.pos,
                        token: tok.text,
                        suffix: false,
                    });
                }
                Kind::Eof => {
                    return Err(self.lexer.error(ErrorKind::UnterminatedBlock {
                        file: self.lexer.file.to_string(),
                        line: start.line,
                        column: start.column,
                    }));
                }
                Kind::Punct(b')') => {
                    let rparen = self.lex()?;
                    block.rparen = Paren {
                        pos: rparen.pos,
                        comments: Comments {
                            before: comments,
                            ..Default::default()
                        },
                    };
                    if !self.peek().is_eol() {
                        return Err(self.lexer.error(ErrorKind::ExpectedNewlineAfterParen));
                    }
                    self.lex()?;
                    return Ok(block);
                }
                _ => {
                    let mut line = self.parse_line()?;
                    line.comments.before = std::mem::take(&mut comments);
                    block.lines.push(line);
                }
            }
        }
    }

    fn parse_line(&mut self) -> Lexed<Line> {
        let first = self.lex()?;
        let start = first.pos;
        let mut end = first.end;
        let mut tokens = vec![first.text];
        loop {
            let tok = self.lex()?;
            if tok.kind.is_eol() {
                return Ok(Line {
                    start,
                    tokens,
                    end,
                    in_block: true,
                    ..Default::default()
                });
            }
            tokens.push(tok.text);
            end = tok.end;
        }
    }
}

fn stmt_comments(stmt: &mut Stmt) -> &mut Comments {
    match stmt {
        Stmt::Comments(cb) => &mut cb.comments,
        Stmt::Line(line) => &mut line.comments,
        Stmt::Block(block) => &mut block.comments,
    }
}

/// Identifies an element of the tree that can carry comments.
#[derive(Debug, Clone, Copy)]
enum Node {
    Stmt(usize),
    LParen(usize),
    BlockLine(usize, usize),
    RParen(usize),
}

fn node_comments(syntax: &mut FileSyntax, node: Node) -> Option<&mut Comments> {
    match node {
        Node::Stmt(i) => syntax.stmts.get_mut(i).map(stmt_comments),
        Node::LParen(i) | Node::BlockLine(i, _) | Node::RParen(i) => {
            match syntax.stmts.get_mut(i) {
                Some(Stmt::Block(block)) => match node {
                    Node::LParen(_) => Some(&mut block.lparen.comments),
                    Node::RParen(_) => Some(&mut block.rparen.comments),
                    Node::BlockLine(_, j) => block.lines.get_mut(j).map(|l| &mut l.comments),
                    Node::Stmt(_) => None,
                },
                _ => None,
            }
        }
    }
}

/// Attaches each end-of-line comment to the element that ends just before it
/// on the same line (Go's `assignComments`). Elements are visited in reverse
/// post-order; an element spanning several lines never takes a suffix
/// comment, so `) // c` goes to the closing parenthesis, not the block.
fn assign_suffix_comments(syntax: &mut FileSyntax, mut pending: Vec<Comment>) {
    // Post-order: children before their block, each with its span.
    let mut post: Vec<(Node, Position, Position)> = Vec::new();
    for (i, stmt) in syntax.stmts.iter().enumerate() {
        match stmt {
            Stmt::Comments(cb) => post.push((Node::Stmt(i), cb.start, cb.start)),
            Stmt::Line(line) => post.push((Node::Stmt(i), line.start, line.end)),
            Stmt::Block(block) => {
                post.push((
                    Node::LParen(i),
                    block.lparen.pos,
                    block.lparen.pos.next_column(),
                ));
                for (j, line) in block.lines.iter().enumerate() {
                    post.push((Node::BlockLine(i, j), line.start, line.end));
                }
                post.push((
                    Node::RParen(i),
                    block.rparen.pos,
                    block.rparen.pos.next_column(),
                ));
                post.push((Node::Stmt(i), block.start, block.rparen.pos.next_column()));
            }
        }
    }
    for &(node, start, end) in post.iter().rev() {
        if start.line != end.line {
            continue;
        }
        let mut taken = Vec::new();
        while pending.last().is_some_and(|c| end.byte <= c.start.byte) {
            taken.extend(pending.pop());
        }
        if taken.is_empty() {
            continue;
        }
        taken.reverse();
        if let Some(comments) = node_comments(syntax, node) {
            comments.suffix.extend(taken);
        }
    }
    syntax.comments.before.extend(pending);
}
