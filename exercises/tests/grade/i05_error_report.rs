//! Grader for exercise I.5 (`src/part1/error_report.rs`).

mod support;

support::exercise!(
    error_report,
    "../../src/part1/error_report.rs",
    "../../solutions/part1/error_report.rs"
);

use crate::support::gen::{bounded, counted, leak, Rng};
use crate::support::grading;
use error_report::{error_report, errors, Scan};

/// A generated log: its lines, and which of them are errors (status 400 or more).
fn log_lines(rng: &mut Rng, lines: usize) -> Vec<(&'static str, bool)> {
    (0..lines)
        .map(|_| {
            let len = rng.range(1..6) as usize;
            let path = rng.word(len);
            match rng.below(6) {
                0 => (leak(String::new()), false),
                1 => (leak(format!("no status {path}")), false),
                _ => {
                    let status = *rng.pick(&[200u16, 204, 301, 399, 400, 403, 404, 500, 503]);
                    let bytes = if rng.one_in(3) {
                        "-".to_string()
                    } else {
                        rng.range(0..9999).to_string()
                    };
                    (leak(format!("GET /{path} {status} {bytes}")), status >= 400)
                }
            }
        })
        .collect()
}

// ANCHOR: example_test
#[test]
fn return_value_arrives_after_the_last_item() {
    grading("error_report");
    let mut g = errors(["a 200 5", "b 404 9", "c 500 -"]);
    assert_eq!(g.next(), Some("b 404 9"), "the first error line");
    assert_eq!(
        g.return_value(),
        None,
        "no return value while the body is suspended"
    );
    assert_eq!(g.next(), Some("c 500 -"), "the second error line");
    assert_eq!(g.next(), None, "then the generator ends");
    assert_eq!(
        g.return_value(),
        Some(&Scan {
            lines: 3,
            errors: 2
        }),
        "the body's return value"
    );
}
// ANCHOR_END: example_test

#[test]
fn errors_of_generated_logs() {
    grading("error_report");
    let mut rng = Rng::new();
    for _ in 0..20 {
        let len = rng_len(&mut rng);
        let lines = log_lines(&mut rng, len);
        let input: Vec<&'static str> = lines.iter().map(|(l, _)| *l).collect();
        let want: Vec<&str> = lines.iter().filter(|(_, e)| *e).map(|(l, _)| *l).collect();
        let mut g = errors(input.clone());
        let got = bounded(g.by_ref(), input.len(), "errors");
        assert_eq!(got, want, "the error lines of {input:?}");
        let scan = g.return_value().copied();
        assert!(
            scan == Some(Scan {
                lines: input.len(),
                errors: want.len()
            }),
            "errors({input:?}) returned {scan:?}: every line read, and the errors among them"
        );
    }
}

/// Laziness counted at the source: each error line is yielded as soon as it is read.
#[test]
fn errors_pulls_only_as_far_as_it_yields() {
    grading("error_report");
    let mut rng = Rng::new();
    let lines = log_lines(&mut rng, 100);
    let input: Vec<&'static str> = lines.iter().map(|(l, _)| *l).collect();
    let (source, pulled) = counted(input.into_iter().cycle());
    let mut g = errors(source);
    for (i, (line, error)) in lines.iter().enumerate() {
        if *error {
            assert_eq!(g.next(), Some(*line), "the error on line {}", i + 1);
            assert_eq!(
                pulled.get(),
                i + 1,
                "errors should yield line {} having pulled {} lines, no more",
                i + 1,
                i + 1
            );
        }
    }
}

#[test]
fn report_of_generated_logs() {
    grading("error_report");
    let mut rng = Rng::new();
    for _ in 0..20 {
        let len = rng_len(&mut rng);
        let lines = log_lines(&mut rng, len);
        let text: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
        let want: Vec<&str> = lines.iter().filter(|(_, e)| *e).map(|(l, _)| *l).collect();
        let (found, scan) = error_report(leak(text.clone()));
        assert_eq!(found, want, "the error lines of:\n{text}");
        assert!(
            scan == Scan {
                lines: lines.len(),
                errors: want.len()
            },
            "error_report returned {scan:?} for this log:\n{text}"
        );
    }
    assert_eq!(error_report(""), (vec![], Scan::default()), "an empty log");
}

fn rng_len(rng: &mut Rng) -> usize {
    rng.below(25)
}
