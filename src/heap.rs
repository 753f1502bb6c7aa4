//! Binary min-heaps laid out in a slice and ordered by one `u128` key per
//! entry: the engine's event calendar and the router's idle workers. Both
//! keep their entries in a `Vec` and call these functions; hand-written
//! rather than `std::collections::BinaryHeap` so that an order is one
//! integer compare (not a multi-field `Ord`), the first entry can be
//! replaced in place, and a pop walks the hole to a leaf first.
//!
//! A pop moves the hole from the root down along the smaller child to a
//! leaf, then puts the former last entry there and sifts it up: the last
//! entry is usually a recent, late one, so it rarely rises, and the walk
//! needs half the compares of a classic sift-down.
//!
//! Four children per node (half the depth) cost more instructions per
//! contact for both heaps: three compares of `u128` keys per level cost
//! more than the level saved (a 4-ary calendar ran 2–3% faster in wall time
//! on the benchmarks, for 1% more instructions on the multi-skill one).
//!
//! Keys must be unique, or entries with equal keys interchangeable: the
//! order in which equal keys come out depends on the heap's shape.

/// An entry ordered by its key (smaller first).
pub trait Keyed: Copy {
    /// The ordering key.
    fn key(&self) -> u128;
}

impl Keyed for u128 {
    #[inline(always)]
    fn key(&self) -> u128 {
        *self
    }
}

/// Adds `e` to the heap.
#[inline]
pub fn push<T: Keyed>(heap: &mut Vec<T>, e: T) {
    heap.push(e);
    let n = heap.len();
    sift_up(heap, n - 1, e);
}

/// Moves `e` (whose slot is the hole at `i`) up to its place.
#[inline]
fn sift_up<T: Keyed>(h: &mut [T], mut i: usize, e: T) {
    while i > 0 {
        let parent = (i - 1) / 2;
        if h[parent].key() <= e.key() {
            break;
        }
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

/// Removes the first (smallest) entry; nothing when the heap is empty.
#[inline(always)]
pub fn pop<T: Keyed>(heap: &mut Vec<T>) {
    let Some(last) = heap.pop() else {
        return;
    };
    let h = heap.as_mut_slice();
    if h.is_empty() {
        return;
    }
    let mut i = 0;
    // Both children are read as one pair (`get`): one bounds check per
    // level.
    while let Some(kids) = h.get(2 * i + 1..2 * i + 3) {
        let child = 2 * i + 1 + usize::from(kids[1].key() < kids[0].key());
        // SAFETY: `kids` is `h[2i + 1..2i + 3]` and `child` is one of its
        // two indices, so `child`, and `i` below it, are in bounds. The
        // checked indexing cost 4 of the ~22 instructions of each level,
        // and a pop walks every level of the heap.
        unsafe { *h.get_unchecked_mut(i) = *h.get_unchecked(child) };
        i = child;
    }
    if let Some(&only) = h.get(2 * i + 1) {
        h[i] = only;
        i = 2 * i + 1;
    }
    sift_up(h, i, last);
}

/// Replaces the first entry of the non-empty heap `h` with `e` and sifts it
/// down (an arrival replaced by its source's next one).
#[inline(always)]
pub fn replace_first<T: Keyed>(h: &mut [T], e: T) {
    sift_down(h, 0, e);
}

/// Moves `e` (whose slot is the hole at `i`) down to its place.
#[inline(always)]
fn sift_down<T: Keyed>(h: &mut [T], mut i: usize, e: T) {
    let n = h.len();
    loop {
        let mut child = 2 * i + 1;
        if child >= n {
            break;
        }
        if child + 1 < n && h[child + 1].key() < h[child].key() {
            child += 1;
        }
        if e.key() <= h[child].key() {
            break;
        }
        h[i] = h[child];
        i = child;
    }
    h[i] = e;
}

/// Restores the heap order of any slice (after entries were removed from
/// the middle, say).
pub fn heapify<T: Keyed>(h: &mut [T]) {
    for i in (0..h.len() / 2).rev() {
        sift_down(h, i, h[i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Property: pushes, pops, replacements of the first entry and
    /// heapifies after removals, mixed at random, always leave the smallest
    /// key first, as a sorted list does.
    #[test]
    fn matches_a_sorted_list() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2);
        let mut h: Vec<u128> = Vec::new();
        let mut model: Vec<u128> = Vec::new();
        for _ in 0..20_000 {
            let r: f64 = rng.random();
            // Few distinct times and a tie-break below them, as the
            // calendar's and the idle heaps' keys are.
            let key =
                (u128::from(rng.random::<u16>() % 512) << 64) | u128::from(rng.random::<u32>());
            model.sort_unstable();
            if r < 0.5 {
                push(&mut h, key);
                model.push(key);
            } else if r < 0.9 {
                pop(&mut h);
                if !model.is_empty() {
                    model.remove(0);
                }
            } else if r < 0.99 {
                // A later key, as a source's next arrival is.
                if let Some(&first) = model.first() {
                    let later = first + key % 1000;
                    replace_first(&mut h, later);
                    model[0] = later;
                }
            } else {
                h.retain(|k| k % 3 != 0);
                heapify(&mut h);
                model.retain(|k| k % 3 != 0);
            }
            model.sort_unstable();
            assert_eq!(h.first(), model.first());
            assert_eq!(h.len(), model.len());
        }
    }

    /// Every parent no larger than its children, at every size up to 40,
    /// after `heapify` of keys in reverse order.
    #[test]
    fn heapify_orders_every_parent_before_its_children() {
        for n in 0..40u128 {
            let mut h: Vec<u128> = (0..n).rev().collect();
            heapify(&mut h);
            for i in 1..h.len() {
                assert!(h[(i - 1) / 2] <= h[i], "n = {n}, i = {i}");
            }
        }
    }
}
