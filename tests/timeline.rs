//! Schedule timelines: with `record_timeline(true)` a scheduler records every interval a
//! task runs (task, worker, start, end, why it stopped), and draws them as an SVG Gantt
//! chart or Chrome trace-event JSON.
//!
//! Python: none built in; `viztracer` records the same kind of trace from outside.

#[macro_use]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use support::sched_matrix::wait_for_state;
use yieldpoint::sched::timeline::{Interval, StopReason, SvgOptions, Timeline};
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::{channel, Event};
use yieldpoint::task::{Builder, TaskId, TaskState, WaitReason};

/// The intervals of task `id`, in order.
fn of(timeline: &Timeline, id: TaskId) -> Vec<&Interval> {
    timeline
        .intervals()
        .iter()
        .filter(|i| i.task == id)
        .collect()
}

/// How the last interval of task `id` ended.
fn last_stop(timeline: &Timeline, id: TaskId) -> StopReason {
    of(timeline, id)
        .last()
        .unwrap_or_else(|| panic!("task {id} has no interval"))
        .stop
}

on_both_schedulers! {
    /// Two tasks that hand a token back and forth over channels run by turns: sorted by
    /// start, their intervals alternate, each one parked on the channel's receive, and
    /// the intervals of each are disjoint and in order.
    #[test]
    fn intervals_of_two_alternating_tasks_alternate() {
        let rt = builder().record_timeline(true).build();
        let (to_pong, pong_rx) = channel::bounded::<u32>(1);
        let (to_ping, ping_rx) = channel::bounded::<u32>(1);
        let ping = rt
            .spawn_with(Builder::new().name("ping"), move || {
                for n in 0..5 {
                    to_pong.send(n).unwrap();
                    ping_rx.recv().unwrap();
                }
            })
            .unwrap();
        let pong = rt
            .spawn_with(Builder::new().name("pong"), move || {
                while let Ok(n) = pong_rx.recv() {
                    to_ping.send(n).unwrap();
                }
            })
            .unwrap();
        rt.run();
        let timeline = rt.timeline();
        let order: Vec<TaskId> = timeline.intervals().iter().map(|i| i.task).collect();
        assert!(order.len() >= 10, "{order:?}");
        for pair in order.windows(2) {
            assert_ne!(pair[0], pair[1], "two intervals of one task in a row: {order:?}");
        }
        for id in [ping.id(), pong.id()] {
            let mine = of(&timeline, id);
            for pair in mine.windows(2) {
                assert!(pair[0].end <= pair[1].start, "overlap: {pair:?}");
            }
            for interval in &mine[..mine.len() - 1] {
                assert_eq!(interval.stop, StopReason::Parked(WaitReason::ChannelRecv));
            }
            assert!(mine.iter().all(|i| i.start <= i.end && i.worker == mine[0].worker));
        }
        assert_eq!(last_stop(&timeline, ping.id()), StopReason::Finished);
        assert_eq!(last_stop(&timeline, pong.id()), StopReason::Finished);
    }

    /// Every interval carries its task's name, not only the first.
    #[test]
    fn every_interval_is_named() {
        let rt = builder().record_timeline(true).build();
        let task = rt
            .spawn_with(Builder::new().name("stepper"), || {
                for _ in 0..3 {
                    yieldpoint::yield_now();
                }
            })
            .unwrap();
        let unnamed = rt.spawn(|| ());
        rt.run();
        let timeline = rt.timeline();
        let mine = of(&timeline, task.id());
        assert_eq!(mine.len(), 4);
        assert!(mine.iter().all(|i| i.name.as_deref() == Some("stepper")));
        assert_eq!(of(&timeline, unnamed.id())[0].name, None);
    }

    /// A parked task's interval says what it parked on: a sleep, an event, a join.
    #[test]
    fn a_parked_interval_says_what_it_parked_on() {
        let rt = builder().record_timeline(true).build();
        let event = Arc::new(Event::new());
        let sleeper = rt.spawn(|| yieldpoint::sleep(Duration::from_millis(1)));
        let waiter = {
            let event = event.clone();
            rt.spawn(move || event.wait())
        };
        let joiner = rt.spawn(|| yieldpoint::spawn(yieldpoint::yield_now).join().unwrap());
        let setter = rt.spawn(move || {
            wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Event));
            event.set();
            waiter.id()
        });
        rt.run();
        let waiter = setter.join().unwrap();
        let timeline = rt.timeline();
        assert_eq!(of(&timeline, sleeper.id())[0].stop, StopReason::Parked(WaitReason::Sleep));
        assert_eq!(of(&timeline, waiter)[0].stop, StopReason::Parked(WaitReason::Event));
        assert_eq!(of(&timeline, joiner.id())[0].stop, StopReason::Parked(WaitReason::Join));
    }

    /// A task's last interval says how it ended: finished, panicked or cancelled.
    #[test]
    fn the_last_interval_says_finished_panicked_or_cancelled() {
        let rt = builder().record_timeline(true).build();
        let finished = rt.spawn(yieldpoint::yield_now);
        let panicked = rt.spawn(|| {
            yieldpoint::yield_now();
            panic!("boom (expected by the test)");
        });
        let event = Arc::new(Event::new());
        let cancelled = {
            let event = event.clone();
            rt.spawn(move || event.wait())
        };
        let cancelled_id = cancelled.id();
        let canceller = rt.spawn(move || {
            wait_for_state(&[cancelled_id], TaskState::Waiting(WaitReason::Event));
            cancelled.cancel();
            assert!(cancelled.join().unwrap_err().is_cancelled());
        });
        rt.run();
        canceller.join().unwrap();
        let timeline = rt.timeline();
        assert_eq!(last_stop(&timeline, finished.id()), StopReason::Finished);
        assert_eq!(last_stop(&timeline, panicked.id()), StopReason::Panicked);
        assert!(panicked.join().unwrap_err().is_panic());
        assert_eq!(
            of(&timeline, cancelled_id).iter().map(|i| i.stop).collect::<Vec<_>>(),
            [StopReason::Parked(WaitReason::Event), StopReason::Cancelled]
        );
        drop(event);
    }

    /// A task cancelled before it ever ran was never switched in: it has no interval.
    #[test]
    fn a_task_cancelled_before_it_starts_has_no_interval() {
        let rt = builder().record_timeline(true).build();
        let never = rt.spawn(|| ());
        never.cancel();
        let other = rt.spawn(|| ());
        rt.run();
        let timeline = rt.timeline();
        assert!(of(&timeline, never.id()).is_empty());
        assert_eq!(of(&timeline, other.id()).len(), 1);
    }

    /// Without `record_timeline(true)` nothing is recorded, and the chart says how to turn
    /// it on.
    #[test]
    fn recording_off_records_nothing() {
        let rt = rt();
        rt.spawn(yieldpoint::yield_now);
        rt.run();
        let timeline = rt.timeline();
        assert!(!timeline.is_recorded());
        assert!(timeline.intervals().is_empty());
        assert!(timeline.to_svg(&SvgOptions::new()).contains("record_timeline(true)"));
        let off = builder().record_timeline(true).record_timeline(false).build();
        off.spawn(|| ());
        off.run();
        assert!(off.timeline().intervals().is_empty());
    }

    /// The Chrome trace parses as JSON and has one complete ("X") event per interval,
    /// named after the task, on the worker that ran it, with the stop reason. (Cargo
    /// feature `chrome-trace`.)
    #[cfg(feature = "chrome-trace")]
    #[test]
    fn the_chrome_trace_has_one_event_per_interval() {
        let rt = builder().record_timeline(true).build();
        for name in ["a", "b"] {
            rt.spawn_with(Builder::new().name(name), || {
                yieldpoint::yield_now();
                yieldpoint::sleep(Duration::from_millis(1));
            })
            .unwrap();
        }
        rt.run();
        let timeline = rt.timeline();
        let trace: serde_json::Value = serde_json::from_str(&timeline.to_chrome_trace()).unwrap();
        let events = trace["traceEvents"].as_array().unwrap();
        let complete: Vec<_> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(complete.len(), timeline.intervals().len());
        for (event, interval) in complete.iter().zip(timeline.intervals()) {
            assert_eq!(event["name"], interval.name.as_deref().unwrap());
            assert_eq!(event["tid"], interval.worker);
            assert_eq!(event["args"]["task"], interval.task.as_u64());
            assert_eq!(event["args"]["stop"], interval.stop.kind());
            let ts = event["ts"].as_f64().unwrap();
            assert!((ts - interval.start.as_nanos() as f64 / 1000.0).abs() < 1e-3);
            assert!(event["dur"].as_f64().unwrap() >= 0.0);
        }
        let parked = complete.iter().filter(|e| e["args"]["parked_on"] == "Sleep").count();
        assert_eq!(parked, 2);
        let metadata = events.iter().filter(|e| e["ph"] == "M").count();
        assert!(metadata >= 2, "a process name and a thread name per worker");
    }

    /// The SVG chart is well-formed XML with one lane per task, labelled "id name", one
    /// bar per interval, and a time axis with its unit.
    #[test]
    fn the_svg_is_well_formed_with_one_lane_per_task() {
        let rt = builder().record_timeline(true).build();
        let names = ["countdown", "countup", "a <tricky> & \"name\""];
        let tasks: Vec<_> = names
            .iter()
            .map(|name| {
                rt.spawn_with(Builder::new().name(*name), || {
                    for _ in 0..3 {
                        yieldpoint::yield_now();
                    }
                })
                .unwrap()
            })
            .collect();
        rt.run();
        let timeline = rt.timeline();
        let svg = timeline.to_svg(&SvgOptions::new().title("two & more"));
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let lanes: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("g") && n.attribute("data-task").is_some())
            .collect();
        assert_eq!(lanes.len(), tasks.len());
        let bars: usize = lanes
            .iter()
            .map(|lane| lane.children().filter(|n| n.has_tag_name("rect")).count())
            .sum();
        assert_eq!(bars, timeline.intervals().len());
        let texts: BTreeSet<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(String::from))
            .collect();
        for (task, name) in tasks.iter().zip(names) {
            assert!(texts.contains(&format!("{} {name}", task.id())), "{texts:?}");
        }
        for word in ["yielded", "parked", "finished", "panicked", "cancelled", "two & more"] {
            assert!(texts.contains(word), "{word} missing from {texts:?}");
        }
        assert!(texts.iter().any(|t| t.starts_with("time since the scheduler started (")));
    }

    /// Taken from a task, the timeline holds that task's own finished intervals: the
    /// calling worker's buffer is moved to the record first.
    #[test]
    fn a_task_sees_its_own_intervals() {
        // An `Arc` for the work queue's `Send` closure; on the round-robin scheduler it
        // never leaves its thread.
        #[allow(clippy::arc_with_non_send_sync)]
        let rt = Arc::new(builder().record_timeline(true).build());
        let handle = rt.clone();
        let (me, timeline) = rt.block_on(move || {
            for _ in 0..3 {
                yieldpoint::yield_now();
            }
            (yieldpoint::current().id(), handle.timeline())
        });
        let mine: Vec<StopReason> = of(&timeline, me).iter().map(|i| i.stop).collect();
        assert_eq!(mine, [StopReason::Yielded; 3]);
    }

    /// A started task stays on its worker: all its intervals name one worker, below the
    /// scheduler's count.
    #[test]
    fn a_task_keeps_its_worker() {
        let rt = builder().record_timeline(true).build();
        for _ in 0..8 {
            rt.spawn(|| {
                for _ in 0..4 {
                    yieldpoint::yield_now();
                }
            });
        }
        rt.run();
        let timeline = rt.timeline();
        let mut workers: BTreeMap<TaskId, BTreeSet<usize>> = BTreeMap::new();
        for interval in timeline.intervals() {
            workers.entry(interval.task).or_default().insert(interval.worker);
        }
        assert_eq!(workers.len(), 8);
        assert!(workers.values().all(|w| w.len() == 1 && *w.first().unwrap() < 2));
    }
}

/// The seed's countdown and countup on the round-robin scheduler: strictly by turns, each
/// interval ended by a yield until the last two.
#[test]
fn round_robin_interleaves_countdown_and_countup() {
    let rt = RoundRobin::builder().record_timeline(true).build();
    let down = rt
        .spawn_with(Builder::new().name("countdown"), || {
            for _ in 0..3 {
                yieldpoint::yield_now();
            }
        })
        .unwrap();
    let up = rt
        .spawn_with(Builder::new().name("countup"), || {
            for _ in 0..3 {
                yieldpoint::yield_now();
            }
        })
        .unwrap();
    rt.run();
    let ran: Vec<(TaskId, StopReason)> = rt
        .timeline()
        .intervals()
        .iter()
        .map(|i| (i.task, i.stop))
        .collect();
    let (d, u, y) = (down.id(), up.id(), StopReason::Yielded);
    let f = StopReason::Finished;
    assert_eq!(
        ran,
        [
            (d, y),
            (u, y),
            (d, y),
            (u, y),
            (d, y),
            (u, y),
            (d, f),
            (u, f)
        ]
    );
}
