//! `%{ … }%` blocks, evaluated natively at their point in the script.
//!
//! Upstream scripts use a small corner of Python over `tcpi_*` values: `assert` with an
//! optional message, comparisons (chained too), arithmetic and bit operations, `and`/`or`/
//! `not`, variables that live across blocks (`cwnd += 10`), `print(…)`, and `'%d' % x`
//! formatting. That corner is implemented here; anything else is reported as unsupported
//! rather than guessed at.

use super::symbols::constant;
use std::collections::BTreeMap;

/// A value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(i128),
    Bool(bool),
    Str(String),
    /// `(a, b, …)`, for `'%d %d' % (a, b)`.
    Tuple(Vec<Value>),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Int(v) => *v != 0,
            Value::Bool(b) => *b,
            Value::Str(s) => !s.is_empty(),
            Value::Tuple(items) => !items.is_empty(),
        }
    }

    fn int(&self) -> Result<i128, Problem> {
        match self {
            Value::Int(v) => Ok(*v),
            Value::Bool(b) => Ok(i128::from(*b)),
            Value::Str(s) => Err(Problem::Unsupported(format!("'{s}' used as a number"))),
            Value::Tuple(_) => Err(Problem::Unsupported("a tuple used as a number".into())),
        }
    }

    fn show(&self) -> String {
        match self {
            Value::Int(v) => v.to_string(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Str(s) => s.clone(),
            Value::Tuple(items) => format!("({})", items.iter().map(Value::show).collect::<Vec<_>>().join(", ")),
        }
    }
}

/// Why a block did not run to the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// An assertion failed; the message says which and with what values.
    Failed(String),
    /// Python this evaluator does not implement, or a name it cannot resolve.
    Unsupported(String),
}

/// Variables that live across the blocks of one run.
#[derive(Debug, Default)]
pub struct Env {
    vars: BTreeMap<String, Value>,
    /// What `print` printed, for the trace.
    pub printed: Vec<String>,
}

impl Env {
    /// Runs a block. `lookup` resolves `tcpi_*` names (None when the backend lacks one).
    pub fn run(&mut self, code: &str, lookup: &dyn Fn(&str) -> Option<i64>) -> Result<(), Problem> {
        for stmt in statements(code) {
            self.statement(&stmt, lookup)?;
        }
        Ok(())
    }

    fn statement(&mut self, stmt: &str, lookup: &dyn Fn(&str) -> Option<i64>) -> Result<(), Problem> {
        let toks = tokenize(stmt)?;
        let mut p = Parser { toks: &toks, pos: 0, env: self, lookup };
        match p.peek() {
            Some(Tok::Name(n)) if n == "assert" => {
                p.pos += 1;
                let cond = p.expr()?;
                let msg = if p.eat(&Tok::Op(",")) { Some(p.expr()?) } else { None };
                p.end()?;
                if !cond.truthy() {
                    let detail = msg.map(|m| format!(" ({})", m.show())).unwrap_or_default();
                    return Err(Problem::Failed(format!("assertion failed: {}{detail}", stmt.trim_start_matches("assert").trim())));
                }
                Ok(())
            }
            Some(Tok::Name(n)) if n == "pass" => Ok(()),
            Some(Tok::Name(n)) if n == "print" => {
                p.pos += 1;
                p.expect(&Tok::Op("("))?;
                let mut parts = Vec::new();
                if !p.eat(&Tok::Op(")")) {
                    loop {
                        parts.push(p.expr()?.show());
                        if p.eat(&Tok::Op(")")) {
                            break;
                        }
                        p.expect(&Tok::Op(","))?;
                    }
                }
                p.end()?;
                self.printed.push(parts.join(" "));
                Ok(())
            }
            Some(Tok::Name(n)) if matches!(toks.get(1), Some(Tok::Op("=" | "+=" | "-=" | "*=" | "|=" | "&="))) => {
                let name = n.clone();
                let Some(Tok::Op(op)) = toks.get(1) else { unreachable!() };
                p.pos = 2;
                let rhs = p.expr()?;
                p.end()?;
                let value = match *op {
                    "=" => rhs,
                    op => {
                        let lhs = p.name(&name)?.int()?;
                        let r = rhs.int()?;
                        Value::Int(match op {
                            "+=" => lhs + r,
                            "-=" => lhs - r,
                            "*=" => lhs * r,
                            "|=" => lhs | r,
                            _ => lhs & r,
                        })
                    }
                };
                self.vars.insert(name, value);
                Ok(())
            }
            Some(_) | None => {
                p.expr()?;
                p.end()
            }
        }
    }
}

/// Statements: lines and `;`-separated parts, comments and blank lines dropped.
fn statements(code: &str) -> Vec<String> {
    code.replace("\\\n", " ")
        .lines()
        .flat_map(|l| l.split(';'))
        .map(|s| s.split('#').next().unwrap_or("").trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Int(i128),
    Str(String),
    Name(String),
    Op(&'static str),
}

const OPS: [&str; 27] = [
    "//", "<<", ">>", "<=", ">=", "==", "!=", "+=", "-=", "*=", "|=", "&=", "<", ">", "+", "-", "*", "/", "%", "&", "|",
    "^", "~", "(", ")", ",", "=",
];

fn tokenize(s: &str) -> Result<Vec<Tok>, Problem> {
    let mut toks = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let text = s[start..i].replace('_', "");
            let v = if let Some(h) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                i128::from_str_radix(h, 16)
            } else {
                text.parse()
            };
            toks.push(Tok::Int(v.map_err(|_| Problem::Unsupported(format!("number '{text}'")))?));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            toks.push(Tok::Name(s[start..i].to_string()));
        } else if c == b'\'' || c == b'"' {
            let end = s[i + 1..].find(c as char).ok_or_else(|| Problem::Unsupported("unterminated string".into()))?;
            toks.push(Tok::Str(s[i + 1..i + 1 + end].to_string()));
            i += end + 2;
        } else if let Some(op) = OPS.iter().find(|op| s[i..].starts_with(**op)) {
            toks.push(Tok::Op(op));
            i += op.len();
        } else {
            return Err(Problem::Unsupported(format!("Python syntax '{}'", &s[i..])));
        }
    }
    Ok(toks)
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    env: &'a Env,
    lookup: &'a dyn Fn(&str) -> Option<i64>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_name(&mut self, n: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Name(x)) if x == n) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok) -> Result<(), Problem> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(Problem::Unsupported(format!("expected {t:?} at {:?}", self.peek())))
        }
    }

    fn end(&self) -> Result<(), Problem> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(Problem::Unsupported(format!("unexpected {t:?}"))),
        }
    }

    fn name(&self, n: &str) -> Result<Value, Problem> {
        if let Some(v) = self.env.vars.get(n) {
            return Ok(v.clone());
        }
        match n {
            "True" => return Ok(Value::Bool(true)),
            "False" => return Ok(Value::Bool(false)),
            _ => {}
        }
        if n.starts_with("tcpi_") {
            return (self.lookup)(n)
                .map(|v| Value::Int(v.into()))
                .ok_or_else(|| Problem::Unsupported(format!("{n} is not reported by this stack")));
        }
        constant(n)
            .map(|v| Value::Int(v.into()))
            .ok_or_else(|| Problem::Unsupported(format!("name '{n}' is not defined")))
    }

    fn expr(&mut self) -> Result<Value, Problem> {
        let mut v = self.and()?;
        while self.eat_name("or") {
            let r = self.and()?;
            v = if v.truthy() { v } else { r };
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<Value, Problem> {
        let mut v = self.not()?;
        while self.eat_name("and") {
            let r = self.not()?;
            v = if v.truthy() { r } else { v };
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<Value, Problem> {
        if self.eat_name("not") {
            return Ok(Value::Bool(!self.not()?.truthy()));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Value, Problem> {
        let mut left = self.binary(0)?;
        let mut result = None;
        loop {
            let Some(Tok::Op(op @ ("<" | ">" | "<=" | ">=" | "==" | "!="))) = self.peek() else { break };
            let op = *op;
            self.pos += 1;
            let right = self.binary(0)?;
            let holds = match op {
                "==" => left == right || (left.int().ok().is_some() && left.int().ok() == right.int().ok()),
                "!=" => !(left == right || (left.int().ok().is_some() && left.int().ok() == right.int().ok())),
                _ => {
                    let (l, r) = (left.int()?, right.int()?);
                    match op {
                        "<" => l < r,
                        ">" => l > r,
                        "<=" => l <= r,
                        _ => l >= r,
                    }
                }
            };
            result = Some(result.unwrap_or(true) && holds);
            left = right;
        }
        Ok(match result {
            Some(b) => Value::Bool(b),
            None => left,
        })
    }

    /// Binary operators by Python precedence: | ^ & << >> + - * / // %.
    fn binary(&mut self, level: usize) -> Result<Value, Problem> {
        const LEVELS: [&[&str]; 6] = [&["|"], &["^"], &["&"], &["<<", ">>"], &["+", "-"], &["*", "/", "//", "%"]];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut v = self.binary(level + 1)?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(op)) if LEVELS[level].contains(op) => *op,
                _ => return Ok(v),
            };
            self.pos += 1;
            let r = self.binary(level + 1)?;
            v = apply(op, v, r)?;
        }
    }

    fn unary(&mut self) -> Result<Value, Problem> {
        if self.eat(&Tok::Op("-")) {
            return Ok(Value::Int(-self.unary()?.int()?));
        }
        if self.eat(&Tok::Op("+")) {
            return Ok(Value::Int(self.unary()?.int()?));
        }
        if self.eat(&Tok::Op("~")) {
            return Ok(Value::Int(!self.unary()?.int()?));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Value, Problem> {
        let Some(tok) = self.peek().cloned() else {
            return Err(Problem::Unsupported("expression ends early".into()));
        };
        self.pos += 1;
        match tok {
            Tok::Int(v) => Ok(Value::Int(v)),
            Tok::Str(s) => Ok(Value::Str(s)),
            Tok::Op("(") => {
                let v = self.expr()?;
                if !self.eat(&Tok::Op(",")) {
                    self.expect(&Tok::Op(")"))?;
                    return Ok(v);
                }
                let mut items = vec![v];
                while !self.eat(&Tok::Op(")")) {
                    items.push(self.expr()?);
                    if !self.eat(&Tok::Op(",")) {
                        self.expect(&Tok::Op(")"))?;
                        break;
                    }
                }
                Ok(Value::Tuple(items))
            }
            Tok::Name(n) if self.peek() == Some(&Tok::Op("(")) => {
                self.pos += 1;
                let mut args = Vec::new();
                if !self.eat(&Tok::Op(")")) {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(&Tok::Op(")")) {
                            break;
                        }
                        self.expect(&Tok::Op(","))?;
                    }
                }
                match (n.as_str(), &args[..]) {
                    ("int", [v]) => Ok(Value::Int(v.int()?)),
                    ("abs", [v]) => Ok(Value::Int(v.int()?.abs())),
                    ("min", [_, ..]) => args.iter().map(Value::int).min_by_key(|r| *r.as_ref().unwrap_or(&0)).unwrap_or(Ok(0)).map(Value::Int),
                    ("max", [_, ..]) => args.iter().map(Value::int).max_by_key(|r| *r.as_ref().unwrap_or(&0)).unwrap_or(Ok(0)).map(Value::Int),
                    _ => Err(Problem::Unsupported(format!("Python function {n}()"))),
                }
            }
            Tok::Name(n) => self.name(&n),
            Tok::Op(op) => Err(Problem::Unsupported(format!("unexpected '{op}'"))),
        }
    }
}

fn apply(op: &str, l: Value, r: Value) -> Result<Value, Problem> {
    if let (Value::Str(fmt), "%") = (&l, op) {
        return Ok(Value::Str(format_percent(fmt, &r)));
    }
    let (a, b) = (l.int()?, r.int()?);
    let div0 = || Problem::Failed("division by zero".into());
    Ok(Value::Int(match op {
        "|" => a | b,
        "^" => a ^ b,
        "&" => a & b,
        "<<" => a.checked_shl(b.clamp(0, 127) as u32).unwrap_or(0),
        ">>" => a >> b.clamp(0, 127),
        "+" => a.saturating_add(b),
        "-" => a.saturating_sub(b),
        "*" => a.saturating_mul(b),
        // Python's floor division and modulo (the sign of the remainder follows the divisor).
        "/" | "//" => floor_div(a, b).ok_or_else(div0)?,
        _ => a - floor_div(a, b).ok_or_else(div0)? * b,
    }))
}

fn floor_div(a: i128, b: i128) -> Option<i128> {
    let q = a.checked_div(b)?;
    Some(if a % b != 0 && ((a < 0) != (b < 0)) { q - 1 } else { q })
}

/// `'srtt=%d us' % x` and `'%d %d' % (a, b)`: each `%d`/`%s`/`%u`/`%x` takes the next value.
fn format_percent(fmt: &str, v: &Value) -> String {
    let values: Vec<&Value> = match v {
        Value::Tuple(items) => items.iter().collect(),
        Value::Int(_) | Value::Bool(_) | Value::Str(_) => vec![v],
    };
    let mut next = values.into_iter();
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d' | 'u' | 's' | 'i') => out += &next.next().map_or_else(|| "?".to_string(), Value::show),
            Some('x') => {
                out += &next.next().map_or_else(|| "?".to_string(), |v| v.int().map(|i| format!("{i:x}")).unwrap_or_else(|_| v.show()))
            }
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str) -> Option<i64> {
        match name {
            "tcpi_snd_cwnd" => Some(10),
            "tcpi_rtt" => Some(12_000),
            "tcpi_options" => Some(1 | 4),
            "tcpi_state" => Some(1),
            _ => None,
        }
    }

    #[test]
    fn upstream_forms() {
        let mut env = Env::default();
        env.run("assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd", &info).unwrap();
        env.run("assert (tcpi_options & TCPI_OPT_SACK) == 0, tcpi_options", &info).unwrap();
        env.run("assert 5000 <= tcpi_rtt <= 20000, 'srtt=%d us' % tcpi_rtt", &info).unwrap();
        env.run("assert tcpi_state == TCP_ESTABLISHED", &info).unwrap();
        env.run("cwnd = tcpi_snd_cwnd\nprint(tcpi_snd_cwnd); cwnd += 10", &info).unwrap();
        env.run("assert cwnd == 20 and not cwnd == 21", &info).unwrap();
        env.run("assert cwnd == \\\n 20", &info).unwrap();
        assert_eq!(env.printed, vec!["10"]);
        let err = env.run("assert tcpi_state == 2, 'state: %d rtt: %d' % (tcpi_state, tcpi_rtt)", &info).unwrap_err();
        assert!(matches!(&err, Problem::Failed(m) if m.ends_with("(state: 1 rtt: 12000)")), "{err:?}");
    }

    #[test]
    fn failures_say_why() {
        let mut env = Env::default();
        let err = env.run("assert 5000 <= tcpi_rtt <= 10000, 'srtt=%d us' % tcpi_rtt", &info).unwrap_err();
        assert_eq!(err, Problem::Failed("assertion failed: 5000 <= tcpi_rtt <= 10000, 'srtt=%d us' % tcpi_rtt (srtt=12000 us)".into()));
        assert!(matches!(env.run("assert tcpi_delivered == 1", &info), Err(Problem::Unsupported(m)) if m.contains("tcpi_delivered")));
        assert!(matches!(env.run("import os", &info), Err(Problem::Unsupported(_))));
        assert!(matches!(env.run("assert [1]", &info), Err(Problem::Unsupported(_))));
    }

    #[test]
    fn chained_comparison_is_a_conjunction() {
        let mut env = Env::default();
        // 1 < 3 holds, 3 < 2 does not: the chain is false although its last pair alone is not evaluated first.
        assert!(matches!(env.run("assert 1 < 3 < 2", &info), Err(Problem::Failed(_))));
        env.run("assert 1 < 2 < 3 and 7 // 2 == 3 and -7 // 2 == -4 and 1 << 3 == 8", &info).unwrap();
        env.run("assert 7 // -2 == -4 and 7 % -2 == -1 and -7 % 2 == 1", &info).unwrap();
    }
}
