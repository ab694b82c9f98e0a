//! Progress bars on a terminal: an overall bar (steps finished out of steps known, elapsed
//! time) and one spinner line per running step with its branch, attempt and elapsed time.
//! A finished step collapses into a tick line printed above the bars.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use flow_engine::{EventKind, HistoryEvent, Observer, StepId};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::steps::{Change, StepTracker};
use super::{Reporter, colour_enabled};

pub struct ProgressBars {
    multi: MultiProgress,
    overall: ProgressBar,
    inner: Mutex<Inner>,
    colour: bool,
}

struct Inner {
    tracker: StepTracker,
    lines: HashMap<StepId, ProgressBar>,
}

impl ProgressBars {
    pub fn new() -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let colour = colour_enabled();
        let overall = multi.add(ProgressBar::new(0));
        let template = if colour {
            "{elapsed_precise:.dim} [{bar:30.cyan/blue}] {pos}/{len} steps {msg}"
        } else {
            "{elapsed_precise} [{bar:30}] {pos}/{len} steps {msg}"
        };
        overall.set_style(
            ProgressStyle::with_template(template)
                .expect("static template")
                .progress_chars("=> "),
        );
        overall.enable_steady_tick(Duration::from_millis(200));
        ProgressBars {
            multi,
            overall,
            inner: Mutex::new(Inner {
                tracker: StepTracker::default(),
                lines: HashMap::new(),
            }),
            colour,
        }
    }

    fn step_style(&self) -> ProgressStyle {
        let template = if self.colour {
            "  {spinner:.green} {msg} {elapsed:.dim}"
        } else {
            "  {spinner} {msg} {elapsed}"
        };
        ProgressStyle::with_template(template).expect("static template")
    }

    fn describe(tracker: &StepTracker, step: StepId) -> String {
        let Some(seen) = tracker.get(step) else {
            return format!("step {step}");
        };
        let mut text = seen.state.clone();
        let branch = tracker.branch_label(seen.scope);
        if !branch.is_empty() {
            text.push_str(&format!("  in {branch}"));
        }
        if seen.attempt > 1 {
            text.push_str(&format!("  attempt {}", seen.attempt));
        }
        text
    }
}

impl Observer for ProgressBars {
    fn event(&self, event: &HistoryEvent) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match inner.tracker.apply(event) {
            Change::Entered(step) => {
                self.overall.inc_length(1);
                let line = self.multi.add(ProgressBar::new_spinner());
                line.set_style(self.step_style());
                line.set_message(Self::describe(&inner.tracker, step));
                line.enable_steady_tick(Duration::from_millis(120));
                inner.lines.insert(step, line);
            }
            Change::Attempt(step) => {
                if let Some(line) = inner.lines.get(&step) {
                    line.set_message(Self::describe(&inner.tracker, step));
                }
            }
            Change::Finished { step, ok } => {
                let elapsed = match inner.lines.remove(&step) {
                    Some(line) => {
                        let elapsed = line.elapsed();
                        line.finish_and_clear();
                        self.multi.remove(&line);
                        elapsed
                    }
                    // Steps over as soon as entered (a Fail state) never had a line.
                    None => {
                        self.overall.inc_length(1);
                        Duration::ZERO
                    }
                };
                let mark = if ok { "✓" } else { "✗" };
                let _ = self.multi.println(format!(
                    "{mark} {} ({:.1?})",
                    Self::describe(&inner.tracker, step),
                    elapsed
                ));
                self.overall.inc(1);
            }
            Change::Other => {}
        }
        match event.kind {
            EventKind::ExecutionFailed | EventKind::RollbackFailed => {
                self.overall.set_message("failed")
            }
            EventKind::ExecutionSucceeded | EventKind::RollbackSucceeded => {
                self.overall.set_message("done")
            }
            EventKind::RollbackStarted => self.overall.set_message("rolling back"),
            _ => {}
        }
    }
}

impl Reporter for ProgressBars {
    fn finish(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for (_, line) in inner.lines.drain() {
            line.finish_and_clear();
        }
        self.overall.finish();
    }
}
