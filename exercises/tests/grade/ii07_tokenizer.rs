//! Grader for exercise II.7 (`src/part2/tokenizer.rs`).

mod support;

support::exercise!(
    tokenizer,
    "../../src/part2/tokenizer.rs",
    "../../solutions/part2/tokenizer.rs"
);

use crate::support::grading;
use tokenizer::{tokenize, tokenizer, Token};
use yieldpoint::CoroutineState;

fn name(s: &str) -> Token {
    Token::Name(s.to_string())
}

// ANCHOR: example_test
#[test]
fn each_send_yields_the_tokens_it_completed() {
    grading("tokenizer");
    let mut t = tokenizer();
    assert_eq!(
        t.send(Some('4')),
        CoroutineState::Yielded(vec![]),
        "'4' starts a number"
    );
    assert_eq!(
        t.send(Some('2')),
        CoroutineState::Yielded(vec![]),
        "'2' extends it"
    );
    let plus = t.send(Some('+'));
    assert_eq!(
        plus,
        CoroutineState::Yielded(vec![Token::Number(42), Token::Symbol('+')]),
        "'+' ends 42 and is a token"
    );
    assert_eq!(
        t.send(Some('x')),
        CoroutineState::Yielded(vec![]),
        "'x' starts a name"
    );
    assert_eq!(
        t.send(None),
        CoroutineState::Complete(vec![name("x")]),
        "None returns the pending name"
    );
}
// ANCHOR_END: example_test

#[test]
fn an_assignment() {
    grading("tokenizer");
    let want = vec![
        name("x1"),
        Token::Symbol('='),
        Token::Number(42),
        Token::Symbol('+'),
        name("y"),
    ];
    assert_eq!(tokenize("x1 = 42+y"), want, "tokenize(\"x1 = 42+y\")");
}

#[test]
fn a_number_then_a_name_without_space() {
    grading("tokenizer");
    assert_eq!(
        tokenize("12ab"),
        vec![Token::Number(12), name("ab")],
        "a letter ends a number"
    );
    assert_eq!(
        tokenize("_a_1"),
        vec![name("_a_1")],
        "names take letters, digits and _"
    );
}

#[test]
fn whitespace_only_and_empty_input() {
    grading("tokenizer");
    assert_eq!(tokenize(""), vec![], "no characters, no tokens");
    assert_eq!(tokenize(" \t\n "), vec![], "whitespace is dropped");
    let mut t = tokenizer();
    assert_eq!(
        t.send(None),
        CoroutineState::Complete(vec![]),
        "None as the first send"
    );
}

#[test]
fn symbols_stand_alone() {
    grading("tokenizer");
    let want = vec![
        Token::Symbol('('),
        Token::Number(1),
        Token::Symbol(')'),
        Token::Symbol('*'),
        Token::Symbol('('),
    ];
    assert_eq!(tokenize("(1)*("), want, "each symbol is one token");
}

#[test]
fn space_ends_a_token() {
    grading("tokenizer");
    let mut t = tokenizer();
    let _ = t.send(Some('7'));
    assert_eq!(
        t.send(Some(' ')),
        CoroutineState::Yielded(vec![Token::Number(7)]),
        "' ' ends the number 7"
    );
    assert_eq!(
        t.send(Some(' ')),
        CoroutineState::Yielded(vec![]),
        "a second space completes nothing"
    );
}

/// Token streams the learner cannot see in advance, with every kind of token directly after
/// every other (a name right before a symbol, a number right before a name, ...), and
/// whitespace only sometimes between them.
#[test]
fn generated_token_streams() {
    grading("tokenizer");
    let mut rng = crate::support::gen::Rng::new();
    for _ in 0..50 {
        let mut text = String::new();
        let mut want: Vec<Token> = Vec::new();
        for _ in 0..rng.range(0..10) {
            let token = match rng.below(3) {
                0 => Token::Number(rng.range(0..100_000)),
                1 => {
                    let len = rng.range(0..4) as usize;
                    let start = *rng.pick(&["_", "a", "x", "Z"]);
                    Token::Name(format!("{start}{}{}", rng.word(len), rng.range(0..3)))
                }
                _ => Token::Symbol(*rng.pick(&['+', '-', '*', '(', ')', '=', ';', '.'])),
            };
            // Two numbers or two names in a row need a space, or they would be one token.
            let glued = matches!(
                (want.last(), &token),
                (Some(Token::Number(_)), Token::Number(_))
                    | (Some(Token::Name(_)), Token::Name(_) | Token::Number(_))
            );
            if glued || rng.one_in(3) {
                let space: &&str = rng.pick(&[" ", "  ", "\t", "\n"]);
                text.push_str(space);
            }
            match &token {
                Token::Number(n) => text += &n.to_string(),
                Token::Name(s) => text += s,
                Token::Symbol(c) => text.push(*c),
            }
            want.push(token);
        }
        assert_eq!(tokenize(&text), want, "tokenize({text:?})");
    }
}
