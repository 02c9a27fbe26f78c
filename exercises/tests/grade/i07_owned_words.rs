//! Grader for exercise I.7 (`src/part1/owned_words.rs`), a "make it compile" exercise. The
//! learner's file provides `words`; the checks are here: a program made of that file and
//! the `main` below is compiled and run with trybuild.

mod support;

use crate::support::compile_check;
use crate::support::grading;

/// The grader's checks: `words` on texts made up at run time, each dropped before its words
/// are read (the generator owns its text).
const MAIN: &str = r#"
fn main() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.subsec_nanos() as usize);
    let spaces = [" ", "  ", "\t", "\n", " \n\t "];
    for round in 0..20 {
        let count = (seed + round * 7) % 9;
        let want: Vec<String> = (0..count).map(|i| format!("w{}x{}", round, i * seed % 97)).collect();
        let mut text = String::from(spaces[(seed + round) % spaces.len()]);
        for (i, word) in want.iter().enumerate() {
            text.push_str(word);
            text.push_str(spaces[(seed + i) % spaces.len()]);
        }
        let mut generator = owned_words::words(text.clone());
        let first = generator.next();
        assert_eq!(first.as_ref(), want.first(), "the first word of {text:?}");
        let rest: Vec<String> = generator.collect();
        assert_eq!(rest.as_slice(), want.get(1..).unwrap_or(&[]), "the words of {text:?}");
    }
}
"#;

#[test]
fn owned_words_compiles_and_works() {
    grading("owned_words");
    compile_check::compiles_and_runs("part1/owned_words.rs", "owned_words", MAIN);
}
