//! Lexer unit tests.

use super::TokenKind::*;
use super::*;

fn kinds(src: &str) -> Vec<(TokenKind, String)> {
    tokenize(src)
        .unwrap()
        .into_iter()
        .map(|t| {
            let text = t.span.text(src).to_string();
            (t.kind, text)
        })
        .collect()
}

fn err(src: &str) -> (u32, u32, String) {
    let e = tokenize(src).unwrap_err();
    (e.pos.line, e.pos.col, e.message)
}

#[test]
fn packet_line() {
    let src = "+.1 < S. 0:0(0) win 32792 <mss 1000,nop>";
    let got: Vec<TokenKind> = kinds(src).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        got,
        vec![
            Plus, Float, Lt, Word, Dot, Int, Colon, Int, LParen, Int, RParen, Word, Int, Lt, Word,
            Int, Comma, Word, Gt, Eof
        ]
    );
}

#[test]
fn times_and_ellipsis() {
    let t = kinds("+.1...0.200 0...0.1 +0 ... .02 1.5");
    let texts: Vec<&str> = t.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        texts,
        ["+", ".1", "...", "0.200", "0", "...", "0.1", "+", "0", "...", ".02", "1.5", ""]
    );
    assert_eq!(t[1].0, Float);
    assert_eq!(t[4].0, Int);
    assert_eq!(t[5].0, Ellipsis);
}

#[test]
fn numbers_words_and_alnum() {
    let t = kinds("0xffffffff 1234abcd TFO_COOKIE 42 _x9");
    let got: Vec<TokenKind> = t.into_iter().map(|(k, _)| k).collect();
    assert_eq!(got, vec![Hex, Alnum, Word, Int, Word, Eof]);
}

#[test]
fn strings_decode_escapes() {
    let t = tokenize(r#""\xf7\x63 a\n\"\\\101\0""#).unwrap();
    assert_eq!(
        t[0].kind,
        Str(vec![0xf7, 0x63, b' ', b'a', b'\n', b'"', b'\\', b'A', 0])
    );
    assert_eq!(tokenize("\"\"").unwrap()[0].kind, Str(vec![]));
    assert_eq!(
        tokenize("\"é\"").unwrap()[0].kind,
        Str("é".as_bytes().to_vec())
    );
}

#[test]
fn raw_blocks_and_comments() {
    let src = "// c\n`a\nb` /* x\n */ %{ assert x }% --tolerance_usecs=10000 --flag // c";
    let t = kinds(src);
    assert_eq!(t[0], (Command, "`a\nb`".to_string()));
    assert_eq!(t[1], (Code, "%{ assert x }%".to_string()));
    assert_eq!(t[2], (CliOption, "--tolerance_usecs=10000".to_string()));
    assert_eq!(t[3], (CliOption, "--flag".to_string()));
    assert_eq!(t[4].0, Eof);
    let toks = tokenize(src).unwrap();
    assert_eq!(
        toks[1].span.start,
        Pos {
            offset: 20,
            line: 4,
            col: 5
        }
    );
}

#[test]
fn minus_and_punctuation() {
    let got: Vec<TokenKind> = kinds("-1 - [ ] { } ( ) = | ~ * ,")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        got,
        vec![
            Minus, Int, Minus, LBracket, RBracket, LBrace, RBrace, LParen, RParen, Equals, Pipe,
            Tilde, Star, Comma, Eof
        ]
    );
}

#[test]
fn columns_count_characters() {
    let t = tokenize("// é\n\té x").unwrap_err();
    assert_eq!((t.pos.line, t.pos.col), (2, 2));
    let ok = tokenize("\tab").unwrap();
    assert_eq!(ok[0].span.start.col, 2);
}

#[test]
fn errors() {
    assert_eq!(err("1.2.3"), (1, 1, "malformed number '1.2.3'".into()));
    assert_eq!(err("  0x"), (1, 3, "malformed hex number '0x'".into()));
    assert_eq!(err("0x1g"), (1, 1, "malformed hex number '0x1g'".into()));
    assert_eq!(err("1.5s"), (1, 1, "malformed number '1.5s'".into()));
    assert_eq!(err("x \"abc"), (1, 3, "unterminated string literal".into()));
    assert_eq!(
        err("\"a\nb\""),
        (1, 1, "unterminated string literal".into())
    );
    assert_eq!(
        err("\"\\q\""),
        (1, 2, "unknown escape '\\q' in string".into())
    );
    assert_eq!(
        err("\"\\x\""),
        (1, 2, "'\\x' escape needs hex digits".into())
    );
    assert_eq!(
        err("\"\\777\""),
        (1, 2, "octal escape out of range (max \\377)".into())
    );
    assert_eq!(
        err("\n `ls"),
        (
            2,
            2,
            "unterminated backtick command (missing closing '`')".into()
        )
    );
    assert_eq!(
        err("%{ x }"),
        (1, 1, "unterminated '%{' code block (missing '}%')".into())
    );
    assert_eq!(err("a /* b"), (1, 3, "unterminated '/*' comment".into()));
    assert_eq!(err("$"), (1, 1, "unexpected character '$'".into()));
    assert_eq!(err("%"), (1, 1, "unexpected character '%'".into()));
    assert_eq!(
        err("--mss= 5"),
        (1, 7, "missing value after '=' in option '--mss'".into())
    );
}

#[test]
fn notes_are_raw() {
    let src = "(Operation (now) in progress) x";
    let mut lx = Lexer::new(src);
    let open = lx.next_token().unwrap();
    assert_eq!(open.kind, LParen);
    let (text, span) = lx.read_note(open.span.start).unwrap();
    assert_eq!(text, "Operation (now) in progress");
    assert_eq!(span.text(src), text);
    assert_eq!(lx.next_token().unwrap().kind, Word);
    let mut lx = Lexer::new("(oops\n)");
    let open = lx.next_token().unwrap();
    assert_eq!(
        lx.read_note(open.span.start).unwrap_err().message,
        "unterminated note (missing ')')"
    );
}
