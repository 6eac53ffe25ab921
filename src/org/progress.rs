//! Live progress of `org` on a terminal: accounts done out of the total, failures so far, and the
//! slowest account still in flight. One line on stderr, cleared before the report is printed.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct State {
    total: usize,
    done: usize,
    failed: usize,
    in_flight: HashMap<String, Instant>,
}

#[derive(Clone)]
pub struct OrgProgress {
    bar: ProgressBar,
    state: Arc<Mutex<State>>,
}

impl OrgProgress {
    pub fn start(total: usize) -> OrgProgress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        let progress = OrgProgress {
            bar,
            state: Arc::new(Mutex::new(State {
                total,
                ..State::default()
            })),
        };
        progress.redraw();
        // The slowest account's seconds keep counting between events.
        let ticking = progress.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(500));
            while !ticking.bar.is_finished() {
                every.tick().await;
                ticking.redraw();
            }
        });
        progress
    }

    pub fn started(&self, account: &str) {
        self.with(|s| {
            s.in_flight.insert(account.to_string(), Instant::now());
        });
    }

    pub fn finished(&self, account: &str, failed: bool) {
        self.with(|s| {
            s.in_flight.remove(account);
            s.done += 1;
            s.failed += usize::from(failed);
        });
    }

    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }

    fn with(&self, change: impl FnOnce(&mut State)) {
        if let Ok(mut state) = self.state.lock() {
            change(&mut state);
        }
        self.redraw();
    }

    fn redraw(&self) {
        let Ok(state) = self.state.lock() else {
            return;
        };
        let mut line = format!(
            "{}/{} accounts done, {} failed",
            state.done, state.total, state.failed
        );
        if let Some((id, since)) = state.in_flight.iter().min_by_key(|(_, since)| **since) {
            line.push_str(&format!(
                ", slowest in flight: {id} ({} s)",
                since.elapsed().as_secs()
            ));
        }
        self.bar.set_message(line);
    }
}
