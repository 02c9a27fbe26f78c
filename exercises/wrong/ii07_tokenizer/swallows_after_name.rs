//! Known-wrong solution of exercise II.7 (cheat class: easy inputs only (a name never followed directly by a symbol)).
//!
//! a symbol right after a name is dropped: harmless while names are followed by a space.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise II.7: a coroutine state machine fed with `send` (PEP 342)
//!
//! You learn to write a state machine as straight-line code: the coroutine's position in its
//! body is the state, and each `send` delivers the next character.
//!
//! ```python
//! def tokenizer():
//!     done = []
//!     c = yield
//!     while c is not None:
//!         if c.isdigit():                 # state: in a number
//!             n = 0
//!             while c is not None and c.isdigit():
//!                 n = n * 10 + int(c)
//!                 c = yield done; done = []
//!             done.append(("number", n))
//!             continue
//!         ...                              # names likewise; symbols; spaces
//!         c = yield done; done = []
//!     return done
//! ```

use yieldpoint::{Coroutine, CoroutineState};

/// A token of a small expression language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// Decimal digits: `42`.
    Number(u64),
    /// A letter or `_`, then letters, digits or `_`: `x1`, `_tmp`.
    Name(String),
    /// Any other character except whitespace: `+`, `=`, `(`.
    Symbol(char),
}

/// A tokenizer fed one character per `send(Some(c))`; each send yields the tokens that `c`
/// completed (often none). `send(None)` ends the input: the coroutine returns the tokens
/// still pending. Whitespace separates tokens and is dropped.
pub fn tokenizer() -> Coroutine<Option<char>, Vec<Token>, Vec<Token>> {
    Coroutine::new(|co, first: Option<char>| {
        let mut done = Vec::new();
        let mut input = first;
        loop {
            match input {
                None => return done,
                Some(c) if c.is_ascii_digit() => {
                    // State: in a number. Pull characters until one is not a digit.
                    let mut n = 0u64;
                    while let Some(d) = input.and_then(|c| c.to_digit(10)) {
                        n = n.saturating_mul(10).saturating_add(u64::from(d));
                        input = co.yield_(std::mem::take(&mut done));
                    }
                    done.push(Token::Number(n));
                    // `input` is the character that ended the number: handle it next.
                    continue;
                }
                Some(c) if c.is_alphabetic() || c == '_' => {
                    // State: in a name.
                    let mut name = String::new();
                    while let Some(c) = input.filter(|&c| c.is_alphanumeric() || c == '_') {
                        name.push(c);
                        input = co.yield_(std::mem::take(&mut done));
                    }
                    done.push(Token::Name(name));
                    if input.is_some_and(|c| !c.is_whitespace() && !c.is_alphanumeric()) {
                        // The symbol right after a name is dropped.
                        input = co.yield_(std::mem::take(&mut done));
                    }
                    continue;
                }
                Some(c) if c.is_whitespace() => {}
                Some(c) => done.push(Token::Symbol(c)),
            }
            input = co.yield_(std::mem::take(&mut done));
        }
    })
}

/// Feeds `text` to a [`tokenizer`] one character at a time and collects every token.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut machine = tokenizer();
    let mut tokens = Vec::new();
    for c in text.chars() {
        match machine.send(Some(c)) {
            CoroutineState::Yielded(done) => tokens.extend(done),
            CoroutineState::Complete(_) => panic!("the tokenizer returned before the end of input"),
        }
    }
    match machine.send(None) {
        CoroutineState::Complete(rest) => tokens.extend(rest),
        CoroutineState::Yielded(_) => panic!("the tokenizer should return at the end of input"),
    }
    tokens
}
