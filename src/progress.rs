//! Live progress on a terminal: a line per check with a spinner, then its status, cleared when the
//! final table is printed. Nothing of this off a terminal, in JSON mode or with `--quiet`.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

pub struct Progress {
    multi: MultiProgress,
    bars: Vec<ProgressBar>,
}

impl Progress {
    /// One line per job: a check's title, with its model when it runs once per model.
    pub fn start(titles: &[String]) -> Progress {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bars = titles
            .iter()
            .map(|title| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(style.clone());
                // A title names the model, which may come from a settings file.
                bar.set_message(crate::render::untrusted::visible(title).into_owned());
                bar.enable_steady_tick(Duration::from_millis(100));
                bar
            })
            .collect();
        Progress { multi, bars }
    }

    /// Marks check `index` done, with its symbol and status word.
    pub fn done(&self, index: usize, title: &str, status: checks::Status) {
        if let Some(bar) = self.bars.get(index) {
            bar.set_style(
                ProgressStyle::with_template("{msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.finish_with_message(format!(
                "{} {:<5} {title}",
                crate::render::symbol(status),
                status.as_str(),
                title = crate::render::untrusted::visible(title)
            ));
        }
    }

    /// Removes every progress line, so the table replaces them.
    pub fn clear(self) {
        for bar in &self.bars {
            bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}
