//! The TaskRouter expression language (docs/routing.md, "Expressions"): parsed once into
//! an [`Expr`] with interned keys, then evaluated against attribute documents
//! through a [`Resolver`] without allocating.
//!
//! Grammar (keywords case-insensitive; precedence low to high):
//! ```text
//! expr    := and ( OR and )*
//! and     := unary ( AND unary )*
//! unary   := NOT unary | '(' expr ')' | compare | true | false
//! compare := operand op operand
//! op      := == | = | != | > | >= | < | <= | CONTAINS | HAS | >- | IN | <- | NOT IN
//! operand := path | string | number | true | false | null | '[' operand, ... ']'
//! path    := ident ( '.' ident )* ( '[' integer ']' )?
//! ```
//! Unary `NOT` is not in Twilio's documented grammar; it is accepted as an
//! extension \[I\].

mod value;

pub use value::{Attrs, KeyId, KeyTable, Value, ValueRef};

use std::fmt;

/// Which document a path reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The only document of the context (filters: the task; `target_workers`: the worker).
    Doc,
    /// `task.` in a worker-vs-task target expression.
    Task,
    /// `worker.` in a worker-vs-task target expression.
    Worker,
    /// `workers.` counters in `skip_if`.
    Workers,
    /// `taskrouter.` clock values.
    Clock,
}

/// Where an expression is used decides how its paths are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Bare keys over one document (filter `expression`, queue `target_workers`).
    Bare,
    /// Every key prefixed with `task.` or `worker.` (target `expression`).
    TaskWorker,
    /// `workers.` counters (`skip_if`).
    Workers,
}

/// A resolved attribute reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathRef {
    /// Which document the path reads.
    pub scope: Scope,
    /// The interned dotted path.
    pub key: KeyId,
    /// A trailing `[i]` index into an array value.
    pub index: Option<u32>,
}

/// Comparison and membership operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==` or `=`.
    Eq,
    /// `!=`.
    Ne,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `CONTAINS`: substring of a string.
    Contains,
    /// `HAS` / `>-`: array contains value.
    Has,
    /// `IN` / `<-`: value in array.
    In,
    /// `NOT IN`: value not in array (false when the right side is not an array).
    NotIn,
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A literal.
    Lit(Value),
    /// An attribute reference.
    Path(PathRef),
}

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Constant (literal-only comparisons are folded to this).
    Const(bool),
    /// A comparison.
    Cmp(Op, Operand, Operand),
    /// Unary `NOT` (an extension to Twilio's grammar).
    Not(Box<Expr>),
    /// All true.
    And(Vec<Expr>),
    /// Any true.
    Or(Vec<Expr>),
}

/// Supplies values for paths during evaluation.
pub trait Resolver {
    /// The value of `key` in `scope`; null when absent.
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_>;
}

/// A single document is its own resolver for bare expressions.
impl Resolver for Attrs {
    #[inline]
    fn resolve(&self, _scope: Scope, key: KeyId) -> ValueRef<'_> {
        self.get(key)
    }
}

/// A parse error with its byte offset inside the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// Byte offset of the problem in the expression text.
    pub offset: usize,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (column {} of the expression)",
            self.message,
            self.offset + 1
        )
    }
}

impl std::error::Error for ExprError {}

impl Expr {
    /// Parses and compiles an expression, interning its keys.
    ///
    /// # Errors
    /// The first syntax error, with its offset in `text`.
    pub fn parse(text: &str, context: Context, keys: &mut KeyTable) -> Result<Expr, ExprError> {
        let tokens = lex(text)?;
        let mut p = Parser {
            tokens,
            pos: 0,
            text_len: text.len(),
            context,
            keys,
            depth: 0,
        };
        let e = p.or()?;
        if let Some(t) = p.tokens.get(p.pos) {
            return Err(ExprError {
                offset: t.offset,
                message: format!(
                    "unexpected {} after a complete expression",
                    t.kind.describe()
                ),
            });
        }
        Ok(e)
    }

    /// Evaluates against the documents a resolver provides.
    pub fn eval<R: Resolver + ?Sized>(&self, r: &R) -> bool {
        match self {
            Expr::Const(b) => *b,
            Expr::Cmp(op, l, rhs) => compare(*op, operand(l, r), operand(rhs, r)),
            Expr::Not(e) => !e.eval(r),
            Expr::And(es) => es.iter().all(|e| e.eval(r)),
            Expr::Or(es) => es.iter().any(|e| e.eval(r)),
        }
    }

    /// Visits every path the expression reads (for validation).
    pub fn for_each_path(&self, f: &mut impl FnMut(&PathRef)) {
        match self {
            Expr::Const(_) => {}
            Expr::Cmp(_, l, r) => {
                for o in [l, r] {
                    if let Operand::Path(p) = o {
                        f(p);
                    }
                }
            }
            Expr::Not(e) => e.for_each_path(f),
            Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| e.for_each_path(f)),
        }
    }
}

#[inline]
fn operand<'a, R: Resolver + ?Sized>(o: &'a Operand, r: &'a R) -> ValueRef<'a> {
    match o {
        Operand::Lit(v) => v.as_ref(),
        Operand::Path(p) => {
            let v = r.resolve(p.scope, p.key);
            match (p.index, v) {
                (None, v) => v,
                (Some(i), ValueRef::List(l)) => {
                    l.get(i as usize).map_or(ValueRef::Null, Value::as_ref)
                }
                (Some(_), _) => ValueRef::Null,
            }
        }
    }
}

#[inline]
fn scalar_eq(a: ValueRef<'_>, b: ValueRef<'_>) -> bool {
    match (a, b) {
        (ValueRef::Null, ValueRef::Null) => true,
        (ValueRef::Bool(x), ValueRef::Bool(y)) => x == y,
        (ValueRef::Num(x), ValueRef::Num(y)) => x == y,
        (ValueRef::Str(x), ValueRef::Str(y)) => x == y,
        _ => false,
    }
}

#[inline]
fn list_has(list: &[Value], x: ValueRef<'_>) -> bool {
    !matches!(x, ValueRef::List(_) | ValueRef::Null)
        && list.iter().any(|v| scalar_eq(v.as_ref(), x))
}

/// Operator semantics of docs/routing.md, "Operators", including the null rules.
#[inline]
fn compare(op: Op, a: ValueRef<'_>, b: ValueRef<'_>) -> bool {
    use ValueRef as V;
    match op {
        Op::Eq => scalar_eq(a, b),
        Op::Ne => !scalar_eq(a, b),
        Op::Gt | Op::Ge | Op::Lt | Op::Le => {
            let ord = match (a, b) {
                (V::Num(x), V::Num(y)) => x.partial_cmp(&y),
                (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
                _ => None,
            };
            ord.is_some_and(|o| match op {
                Op::Gt => o.is_gt(),
                Op::Ge => o.is_ge(),
                Op::Lt => o.is_lt(),
                _ => o.is_le(),
            })
        }
        Op::Contains => matches!((a, b), (V::Str(x), V::Str(y)) if x.contains(y)),
        Op::Has => matches!(a, V::List(l) if list_has(l, b)),
        Op::In => matches!(b, V::List(l) if list_has(l, a)),
        Op::NotIn => match b {
            V::List(l) => !list_has(l, a),
            _ => false,
        },
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Path(String),
    Str(String),
    Num(f64),
    True,
    False,
    Null,
    And,
    Or,
    Not,
    Op(Op),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Path(p) => format!("name `{p}`"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Num(n) => format!("number {n}"),
            Tok::True | Tok::False => "boolean".into(),
            Tok::Null => "`null`".into(),
            Tok::And => "`AND`".into(),
            Tok::Or => "`OR`".into(),
            Tok::Not => "`NOT`".into(),
            Tok::Op(_) => "operator".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Comma => "`,`".into(),
        }
    }
}

#[derive(Debug)]
struct Token {
    kind: Tok,
    offset: usize,
}

/// Operators and punctuation, longest first so that `>=` wins over `>`.
const SYMBOLS: [(&str, Tok); 14] = [
    ("==", Tok::Op(Op::Eq)),
    ("!=", Tok::Op(Op::Ne)),
    (">=", Tok::Op(Op::Ge)),
    (">-", Tok::Op(Op::Has)),
    ("<=", Tok::Op(Op::Le)),
    ("<-", Tok::Op(Op::In)),
    ("=", Tok::Op(Op::Eq)),
    (">", Tok::Op(Op::Gt)),
    ("<", Tok::Op(Op::Lt)),
    ("(", Tok::LParen),
    (")", Tok::RParen),
    ("[", Tok::LBracket),
    ("]", Tok::RBracket),
    (",", Tok::Comma),
];

fn lex(text: &str) -> Result<Vec<Token>, ExprError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |offset: usize, message: String| ExprError { offset, message };
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            _ if SYMBOLS.iter().any(|(sym, _)| text[i..].starts_with(sym)) => {
                let (sym, tok) = SYMBOLS
                    .iter()
                    .find(|(sym, _)| text[i..].starts_with(sym))
                    .expect("checked");
                i += sym.len();
                tok.clone()
            }
            b'"' | b'\'' => {
                let quote = c;
                i += 1;
                let s = i;
                while i < b.len() && b[i] != quote {
                    i += 1;
                }
                if i >= b.len() {
                    return Err(err(start, "unterminated string literal".into()));
                }
                let v = text[s..i].to_string();
                i += 1;
                Tok::Str(v)
            }
            b'0'..=b'9' | b'-' | b'.' => {
                i += 1;
                while i < b.len()
                    && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b'e' || b[i] == b'E')
                {
                    i += 1;
                }
                let s = &text[start..i];
                Tok::Num(
                    s.parse()
                        .map_err(|_| err(start, format!("`{s}` is not a number")))?,
                )
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$' | b'.'))
                {
                    i += 1;
                }
                let word = &text[start..i];
                match word.to_ascii_uppercase().as_str() {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    "NOT" => Tok::Not,
                    "IN" => Tok::Op(Op::In),
                    "HAS" => Tok::Op(Op::Has),
                    "CONTAINS" => Tok::Op(Op::Contains),
                    "TRUE" => Tok::True,
                    "FALSE" => Tok::False,
                    "NULL" => Tok::Null,
                    _ => {
                        if word.ends_with('.') || word.contains("..") {
                            return Err(err(
                                start,
                                format!("`{word}` is not a valid attribute path"),
                            ));
                        }
                        Tok::Path(word.to_string())
                    }
                }
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                let hint = if ch == '&' || ch == '|' {
                    " (use AND / OR)"
                } else {
                    ""
                };
                return Err(err(i, format!("unexpected character `{ch}`{hint}")));
            }
        };
        out.push(Token {
            kind,
            offset: start,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- parser

struct Parser<'k> {
    tokens: Vec<Token>,
    pos: usize,
    text_len: usize,
    context: Context,
    keys: &'k mut KeyTable,
    /// Open `(`, `NOT` and `[` around the current token.
    depth: usize,
}

/// Deepest nesting of parentheses, `NOT` and array brackets accepted. The
/// parser (and evaluation) recurse once per level, so a limit keeps a
/// pathological expression from overflowing the stack; real routing
/// expressions nest a handful of levels.
pub const MAX_NESTING: usize = 100;

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.kind)
    }

    fn offset(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.text_len, |t| t.offset)
    }

    fn expected(&self, what: &str) -> ExprError {
        let found = self
            .tokens
            .get(self.pos)
            .map_or("the end of the expression".to_string(), |t| {
                t.kind.describe()
            });
        ExprError {
            offset: self.offset(),
            message: format!("expected {what}, found {found}"),
        }
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut parts = vec![self.unary()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Expr::And(parts)
        })
    }

    /// Enters one level of nesting at the current token.
    fn nest(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(ExprError {
                offset: self.offset(),
                message: format!(
                    "expression nested deeper than {MAX_NESTING} levels (parentheses, NOT and array brackets count)"
                ),
            });
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.nest()?;
                self.pos += 1;
                let e = Expr::Not(Box::new(self.unary()?));
                self.depth -= 1;
                Ok(e)
            }
            Some(Tok::LParen) => {
                self.nest()?;
                self.pos += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(self.expected("`)`"));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(e)
            }
            _ => self.compare(),
        }
    }

    fn compare(&mut self) -> Result<Expr, ExprError> {
        let lhs_at = self.pos;
        let lhs = self.operand()?;
        let op = match self.peek() {
            Some(Tok::Op(op)) => {
                let op = *op;
                self.pos += 1;
                op
            }
            Some(Tok::Not)
                if matches!(
                    self.tokens.get(self.pos + 1).map(|t| &t.kind),
                    Some(Tok::Op(Op::In))
                ) =>
            {
                self.pos += 2;
                Op::NotIn
            }
            _ => {
                // A lone `true`/`false` is a constant predicate.
                if self.pos == lhs_at + 1
                    && let Operand::Lit(Value::Bool(b)) = lhs
                {
                    return Ok(Expr::Const(b));
                }
                return Err(self.expected("an operator such as ==, !=, >, HAS, IN or CONTAINS"));
            }
        };
        let rhs = self.operand()?;
        // Fold literal-only comparisons such as the conventional `1==1`.
        if let (Operand::Lit(a), Operand::Lit(b)) = (&lhs, &rhs) {
            return Ok(Expr::Const(compare(op, a.as_ref(), b.as_ref())));
        }
        Ok(Expr::Cmp(op, lhs, rhs))
    }

    fn operand(&mut self) -> Result<Operand, ExprError> {
        let at = self.offset();
        let Some(tok) = self.peek().cloned() else {
            return Err(self.expected("a value or an attribute name"));
        };
        self.pos += 1;
        Ok(match tok {
            Tok::Str(s) => Operand::Lit(Value::Str(s.into())),
            Tok::Num(n) => Operand::Lit(Value::Num(n)),
            Tok::True => Operand::Lit(Value::Bool(true)),
            Tok::False => Operand::Lit(Value::Bool(false)),
            Tok::Null => Operand::Lit(Value::Null),
            Tok::LBracket => {
                self.pos -= 1;
                self.nest()?;
                self.pos += 1;
                let mut items = Vec::new();
                if self.peek() != Some(&Tok::RBracket) {
                    loop {
                        match self.operand()? {
                            Operand::Lit(v) => items.push(v),
                            Operand::Path(_) => {
                                return Err(ExprError {
                                    offset: self.tokens[self.pos - 1].offset,
                                    message:
                                        "array literals may only hold values, not attribute names"
                                            .into(),
                                });
                            }
                        }
                        match self.peek() {
                            Some(Tok::Comma) => self.pos += 1,
                            Some(Tok::RBracket) => break,
                            _ => return Err(self.expected("`,` or `]`")),
                        }
                    }
                }
                self.pos += 1;
                self.depth -= 1;
                Operand::Lit(Value::List(items.into()))
            }
            Tok::Path(p) => {
                let mut index = None;
                if self.peek() == Some(&Tok::LBracket) {
                    self.pos += 1;
                    match self.peek() {
                        Some(Tok::Num(n)) if *n >= 0.0 && n.fract() == 0.0 => {
                            index = Some(*n as u32)
                        }
                        _ => return Err(self.expected("an array index")),
                    }
                    self.pos += 1;
                    if self.peek() != Some(&Tok::RBracket) {
                        return Err(self.expected("`]`"));
                    }
                    self.pos += 1;
                }
                let (scope, key) = self.scope_of(&p, at)?;
                Operand::Path(PathRef {
                    scope,
                    key: self.keys.intern(key),
                    index,
                })
            }
            other => {
                self.pos -= 1;
                return Err(ExprError {
                    offset: at,
                    message: format!(
                        "expected a value or an attribute name, found {}",
                        other.describe()
                    ),
                });
            }
        })
    }

    fn scope_of<'p>(&self, path: &'p str, at: usize) -> Result<(Scope, &'p str), ExprError> {
        if let Some(rest) = path.strip_prefix("taskrouter.") {
            return Ok((Scope::Clock, rest));
        }
        match self.context {
            Context::Bare => Ok((Scope::Doc, path)),
            Context::TaskWorker => {
                if let Some(rest) = path.strip_prefix("task.") {
                    Ok((Scope::Task, rest))
                } else if let Some(rest) = path.strip_prefix("worker.") {
                    Ok((Scope::Worker, rest))
                } else {
                    Err(ExprError {
                        offset: at,
                        message: format!(
                            "`{path}` needs a `task.` or `worker.` prefix in a target expression"
                        ),
                    })
                }
            }
            Context::Workers => path
                .strip_prefix("workers.")
                .map(|rest| (Scope::Workers, rest))
                .ok_or_else(|| ExprError {
                    offset: at,
                    message: format!("`{path}` must be a `workers.` counter in skip_if"),
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(keys: &mut KeyTable, json: &str) -> Attrs {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        Attrs::from_json_object(v.as_object().unwrap(), keys)
    }

    fn check(expr: &str, json: &str) -> bool {
        let mut keys = KeyTable::default();
        let e = Expr::parse(expr, Context::Bare, &mut keys).unwrap();
        e.eval(&doc(&mut keys, json))
    }

    #[test]
    fn operators() {
        let d = r#"{"skills":["support","sales"],"level":4,"lang":"es","tier":"gold","customer":{"vip":true}}"#;
        assert!(check(r#"skills HAS "support""#, d));
        assert!(check(r#"skills >- "sales""#, d));
        assert!(!check(r#"skills HAS "billing""#, d));
        assert!(check(r#"lang IN ["en", "es"]"#, d));
        assert!(check(r#"lang <- ['es']"#, d));
        assert!(check(r#"lang NOT IN ["en"]"#, d));
        assert!(check("level >= 3 AND level < 5", d));
        assert!(check("level > 10 OR tier == 'gold'", d));
        assert!(check("tier CONTAINS 'ol'", d));
        assert!(check("customer.vip == true", d));
        assert!(check("skills[1] == 'sales'", d));
        assert!(check("1==1", d));
        assert!(check("NOT (level == 3)", d));
        assert!(check("lang in ['es'] and level = 4", d));
    }

    #[test]
    fn null_semantics() {
        let d = r#"{"a":1}"#;
        assert!(check("missing == null", d));
        assert!(!check("missing != null", d));
        assert!(check("a != null", d));
        assert!(!check("missing > 0", d));
        assert!(!check("missing HAS 'x'", d));
        assert!(!check("missing IN ['x']", d));
        // NOT IN with a missing list is false, not true (docs/routing.md, "Operators").
        assert!(!check("a NOT IN missing", d));
        // scalar operators on arrays, array operators on scalars: false.
        assert!(!check(r#"a HAS 1"#, d));
        assert!(!check(r#"a == [1]"#, d));
        // mixed types never compare equal
        assert!(!check(r#"a == "1""#, d));
    }

    #[test]
    fn errors_carry_offsets() {
        let mut keys = KeyTable::default();
        let e = Expr::parse("skill == ", Context::Bare, &mut keys).unwrap_err();
        assert_eq!(e.offset, 9);
        let e = Expr::parse(r#"skill = "a" && x == 1"#, Context::Bare, &mut keys).unwrap_err();
        assert_eq!(e.offset, 12);
        assert!(e.message.contains("AND"));
        let e = Expr::parse("(a == 1", Context::Bare, &mut keys).unwrap_err();
        assert_eq!(e.offset, 7);
        let e = Expr::parse("a == 'x", Context::Bare, &mut keys).unwrap_err();
        assert_eq!(e.offset, 5);
        let e = Expr::parse("lang == 'x'", Context::TaskWorker, &mut keys).unwrap_err();
        assert!(e.message.contains("prefix"));
        let e = Expr::parse("a b", Context::Bare, &mut keys).unwrap_err();
        assert_eq!(e.offset, 2);
    }

    #[test]
    fn prefixed_scopes() {
        struct Two<'a>(&'a Attrs, &'a Attrs);
        impl Resolver for Two<'_> {
            fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
                match scope {
                    Scope::Task => self.0.get(key),
                    Scope::Worker => self.1.get(key),
                    _ => ValueRef::Null,
                }
            }
        }
        let mut keys = KeyTable::default();
        let e = Expr::parse(
            "task.language IN worker.languages AND worker.level >= 3",
            Context::TaskWorker,
            &mut keys,
        )
        .unwrap();
        let task = doc(&mut keys, r#"{"language":"es"}"#);
        let w1 = doc(&mut keys, r#"{"languages":["en","es"],"level":4}"#);
        let w2 = doc(&mut keys, r#"{"languages":["en"],"level":4}"#);
        assert!(e.eval(&Two(&task, &w1)));
        assert!(!e.eval(&Two(&task, &w2)));
    }

    /// Deep nesting is refused with a position instead of overflowing the
    /// stack (10 000 parentheses used to abort the process).
    #[test]
    fn nesting_is_limited() {
        let mut keys = KeyTable::default();
        let ok = format!(
            "{}a == 1{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert!(Expr::parse(&ok, Context::Bare, &mut keys).is_ok());
        for bad in [
            format!("{}a == 1{}", "(".repeat(10_000), ")".repeat(10_000)),
            "(".repeat(10_000),
            format!("{}a == 1", "NOT ".repeat(100_000)),
            format!("a IN {}", "[".repeat(100_000)),
        ] {
            let e = Expr::parse(&bad, Context::Bare, &mut keys).unwrap_err();
            assert!(e.message.contains("nested deeper than 100"), "{e}");
        }
        let e = Expr::parse(&"(".repeat(101), Context::Bare, &mut keys).unwrap_err();
        assert_eq!(e.offset, 100, "points at the first parenthesis too many");
    }
}
