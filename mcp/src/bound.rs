//! Bounded answers: a page of a list, with the total and whether more is left, so a model's
//! context is never flooded.

use serde_json::{json, Map, Value};

/// A window into a list: the first item wanted and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    /// Items skipped.
    pub offset: u64,
    /// Items returned at most.
    pub limit: u64,
}

impl Page {
    /// True when item number `n` (from 0) is in the page.
    pub(crate) fn contains(&self, n: u64) -> bool {
        n >= self.offset && n - self.offset < self.limit
    }

    /// The items of `all` in the page.
    pub(crate) fn slice<'a, T>(&self, all: &'a [T]) -> &'a [T] {
        let start = usize::try_from(self.offset)
            .unwrap_or(usize::MAX)
            .min(all.len());
        let end = start.saturating_add(usize::try_from(self.limit).unwrap_or(usize::MAX));
        &all[start..end.min(all.len())]
    }

    /// `offset`, `returned`, `total`, `truncated` (items left after the page) and
    /// `next_offset` (`null` when none are left), added to `answer`.
    pub(crate) fn describe(&self, returned: usize, total: u64, answer: &mut Map<String, Value>) {
        let end = self.offset + returned as u64;
        let truncated = end < total;
        answer.insert("offset".into(), self.offset.into());
        answer.insert("returned".into(), returned.into());
        answer.insert("total".into(), total.into());
        answer.insert("truncated".into(), truncated.into());
        answer.insert(
            "next_offset".into(),
            if truncated { json!(end) } else { Value::Null },
        );
    }
}

/// Cuts each list directly in `document` to at most `limit` items; the lists cut are named in
/// `truncated_lists` with their full length (a document with nothing cut has
/// `truncated_lists: {}`).
pub(crate) fn cut_lists(document: &mut Value, limit: usize) {
    let Value::Object(map) = document else {
        return;
    };
    let mut cut = Map::new();
    for (key, value) in map.iter_mut() {
        if let Value::Array(items) = value {
            if items.len() > limit {
                cut.insert(
                    key.clone(),
                    json!({"total": items.len(), "returned": limit}),
                );
                items.truncate(limit);
            }
        }
    }
    map.insert("truncated_lists".into(), Value::Object(cut));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_say_what_is_left() {
        let page = Page {
            offset: 2,
            limit: 3,
        };
        let all: Vec<u32> = (0..10).collect();
        assert_eq!(page.slice(&all), &[2, 3, 4]);
        assert!(page.contains(4) && !page.contains(5) && !page.contains(1));
        let mut answer = Map::new();
        page.describe(3, 10, &mut answer);
        assert_eq!(answer["truncated"], true);
        assert_eq!(answer["next_offset"], 5);
        let mut answer = Map::new();
        page.describe(3, 5, &mut answer);
        assert_eq!(answer["truncated"], false);
        assert_eq!(answer["next_offset"], Value::Null);
        let far = Page {
            offset: 20,
            limit: 3,
        };
        assert!(far.slice(&all).is_empty());
    }

    #[test]
    fn long_lists_are_cut_and_named() {
        let mut doc = json!({"a": [1, 2, 3], "b": [1], "c": {"d": [1, 2, 3]}});
        cut_lists(&mut doc, 2);
        assert_eq!(doc["a"], json!([1, 2]));
        assert_eq!(doc["b"], json!([1]));
        assert_eq!(doc["c"]["d"], json!([1, 2, 3]));
        assert_eq!(
            doc["truncated_lists"],
            json!({"a": {"total": 3, "returned": 2}})
        );
    }
}
