//! Grader for exercise I.5 (`src/part1/error_report.rs`).

use crate::grading;
use exercises::hint;
use exercises::part1::error_report::{error_report, errors, Scan};
use exercises::part1::ACCESS_LOG;

// ANCHOR: example_test
#[test]
fn return_value_arrives_after_the_last_item() {
    grading("error_report");
    let mut g = errors(["a 200 5", "b 404 9", "c 500 -"]);
    assert_eq!(
        g.next(),
        Some("b 404 9"),
        "the first error line{}",
        hint("error_report")
    );
    assert_eq!(
        g.return_value(),
        None,
        "no return value while the body is suspended{}",
        hint("error_report")
    );
    assert_eq!(
        g.next(),
        Some("c 500 -"),
        "the second error line{}",
        hint("error_report")
    );
    assert_eq!(
        g.next(),
        None,
        "then the generator ends{}",
        hint("error_report")
    );
    assert_eq!(
        g.return_value(),
        Some(&Scan {
            lines: 3,
            errors: 2
        }),
        "the body's return value{}",
        hint("error_report")
    );
}
// ANCHOR_END: example_test

#[test]
fn lines_without_status_count_as_read() {
    grading("error_report");
    let mut g = errors(["", "no status here", "x 403 1"]);
    assert_eq!(
        g.by_ref().count(),
        1,
        "only 'x 403 1' is an error{}",
        hint("error_report")
    );
    assert_eq!(
        g.return_value(),
        Some(&Scan {
            lines: 3,
            errors: 1
        }),
        "all 3 lines were read{}",
        hint("error_report")
    );
}

#[test]
fn report_of_the_access_log() {
    grading("error_report");
    let (found, scan) = error_report(ACCESS_LOG);
    assert_eq!(
        scan,
        Scan {
            lines: 10,
            errors: 3
        },
        "data/access.log: 10 lines, two 404s and one 500{}",
        hint("error_report")
    );
    assert_eq!(
        found.len(),
        3,
        "error_report returns every error line{}",
        hint("error_report")
    );
    assert!(
        found[1].contains("/login"),
        "in log order: the 500 on /login is second{}",
        hint("error_report")
    );
}

#[test]
fn report_of_an_empty_log() {
    grading("error_report");
    assert_eq!(
        error_report(""),
        (
            vec![],
            Scan {
                lines: 0,
                errors: 0
            }
        ),
        "an empty log{}",
        hint("error_report")
    );
}
