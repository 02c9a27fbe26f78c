//! Grader for exercise II.7 (`src/part2/tokenizer.rs`).

use crate::grading;
use exercises::hint;
use exercises::part2::tokenizer::{tokenize, tokenizer, Token};
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
        "'4' starts a number{}",
        hint("tokenizer")
    );
    assert_eq!(
        t.send(Some('2')),
        CoroutineState::Yielded(vec![]),
        "'2' extends it{}",
        hint("tokenizer")
    );
    let plus = t.send(Some('+'));
    assert_eq!(
        plus,
        CoroutineState::Yielded(vec![Token::Number(42), Token::Symbol('+')]),
        "'+' ends 42 and is a token{}",
        hint("tokenizer")
    );
    assert_eq!(
        t.send(Some('x')),
        CoroutineState::Yielded(vec![]),
        "'x' starts a name{}",
        hint("tokenizer")
    );
    assert_eq!(
        t.send(None),
        CoroutineState::Complete(vec![name("x")]),
        "None returns the pending name{}",
        hint("tokenizer")
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
    assert_eq!(
        tokenize("x1 = 42+y"),
        want,
        "tokenize(\"x1 = 42+y\"){}",
        hint("tokenizer")
    );
}

#[test]
fn a_number_then_a_name_without_space() {
    grading("tokenizer");
    assert_eq!(
        tokenize("12ab"),
        vec![Token::Number(12), name("ab")],
        "a letter ends a number{}",
        hint("tokenizer")
    );
    assert_eq!(
        tokenize("_a_1"),
        vec![name("_a_1")],
        "names take letters, digits and _{}",
        hint("tokenizer")
    );
}

#[test]
fn whitespace_only_and_empty_input() {
    grading("tokenizer");
    assert_eq!(
        tokenize(""),
        vec![],
        "no characters, no tokens{}",
        hint("tokenizer")
    );
    assert_eq!(
        tokenize(" \t\n "),
        vec![],
        "whitespace is dropped{}",
        hint("tokenizer")
    );
    let mut t = tokenizer();
    assert_eq!(
        t.send(None),
        CoroutineState::Complete(vec![]),
        "None as the first send{}",
        hint("tokenizer")
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
    assert_eq!(
        tokenize("(1)*("),
        want,
        "each symbol is one token{}",
        hint("tokenizer")
    );
}

#[test]
fn space_ends_a_token() {
    grading("tokenizer");
    let mut t = tokenizer();
    let _ = t.send(Some('7'));
    assert_eq!(
        t.send(Some(' ')),
        CoroutineState::Yielded(vec![Token::Number(7)]),
        "' ' ends the number 7{}",
        hint("tokenizer")
    );
    assert_eq!(
        t.send(Some(' ')),
        CoroutineState::Yielded(vec![]),
        "a second space completes nothing{}",
        hint("tokenizer")
    );
}
