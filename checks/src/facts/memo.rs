//! One lazily computed value per key, shared by every check that asks for it.

use std::sync::Mutex;
use tokio::sync::OnceCell;

/// One lazily computed value per key (a model id): the per-model facts.
pub struct Memo<V> {
    cells: Mutex<std::collections::HashMap<String, std::sync::Arc<OnceCell<V>>>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            cells: Mutex::new(std::collections::HashMap::new()),
        }
    }
}

impl<V: Clone> Memo<V> {
    pub async fn get_or_init<F: std::future::Future<Output = V>>(
        &self,
        key: &str,
        init: impl FnOnce() -> F,
    ) -> V {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(key.to_string()).or_default().clone()
        };
        cell.get_or_init(init).await.clone()
    }

    /// Sets the value of `key` before anyone asks (a value computed elsewhere).
    pub fn preset(&self, key: &str, value: V) {
        let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
        cells.insert(
            key.to_string(),
            std::sync::Arc::new(OnceCell::new_with(Some(value))),
        );
    }

    /// The value if some check already computed it.
    pub fn get(&self, key: &str) -> Option<V> {
        let cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
        cells.get(key).and_then(|c| c.get().cloned())
    }
}
