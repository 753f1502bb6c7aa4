//! Min-heaps with `D` children per node, laid out in a slice and ordered by
//! one `u128` key per entry: the engine's event calendar and the router's
//! idle workers. Both keep their entries in a `Vec` and call these
//! functions; hand-written rather than `std::collections::BinaryHeap` so
//! that an order is one integer compare (not a multi-field `Ord`), an entry
//! can be replaced in place, and a pop walks the hole to a leaf first.
//!
//! A pop moves the hole from the root down along the smallest child to a
//! leaf, then puts the former last entry there and sifts it up: the last
//! entry is usually a recent, late one, so it rarely rises, and the walk
//! needs one compare per level fewer than a classic sift-down.
//!
//! Keys must be unique, or at least entries with equal keys must be
//! interchangeable: the order in which equal keys come out depends on the
//! heap's shape.

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
pub fn push<const D: usize, T: Keyed>(heap: &mut Vec<T>, e: T) {
    heap.push(e);
    let n = heap.len();
    sift_up::<D, T>(heap, n - 1, e);
}

/// Moves `e` (whose slot is the hole at `i`) up to its place.
#[inline]
pub fn sift_up<const D: usize, T: Keyed>(h: &mut [T], mut i: usize, e: T) {
    while i > 0 {
        let parent = (i - 1) / D;
        if h[parent].key() <= e.key() {
            break;
        }
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

/// Position, among `kids` (one to `D` entries), of the smallest key. A full
/// set of two or four is compared pairwise, without a loop.
#[inline(always)]
fn smallest<const D: usize, T: Keyed>(kids: &[T]) -> usize {
    match kids {
        [a, b] if D == 2 => usize::from(b.key() < a.key()),
        [a, b, c, d] if D == 4 => {
            let ab = usize::from(b.key() < a.key());
            let cd = 2 + usize::from(d.key() < c.key());
            if kids[cd].key() < kids[ab].key() {
                cd
            } else {
                ab
            }
        }
        _ => {
            let mut best = 0;
            for (j, k) in kids.iter().enumerate().skip(1) {
                if k.key() < kids[best].key() {
                    best = j;
                }
            }
            best
        }
    }
}

/// Removes the first (smallest) entry; nothing when the heap is empty.
#[inline(always)]
pub fn pop<const D: usize, T: Keyed>(heap: &mut Vec<T>) {
    let Some(last) = heap.pop() else {
        return;
    };
    if heap.is_empty() {
        return;
    }
    let h = heap.as_mut_slice();
    let mut i = 0;
    // A full set of children is read as one slice (`get`): one bounds
    // check per level.
    while let Some(kids) = h.get(D * i + 1..D * i + 1 + D) {
        let child = D * i + 1 + smallest::<D, T>(kids);
        // SAFETY: `kids` is `h[D·i + 1..D·i + 1 + D]` and `child` is one of
        // its indices, so `child`, and `i` below it, are in bounds. The
        // checked indexing cost 2 of the ~20 instructions of each level,
        // and a pop walks every level of the heap.
        unsafe { *h.get_unchecked_mut(i) = *h.get_unchecked(child) };
        i = child;
    }
    // Fewer than `D` children left: with two per node, just one.
    if D == 2 {
        if let Some(&only) = h.get(2 * i + 1) {
            h[i] = only;
            i = 2 * i + 1;
        }
    } else if let Some(kids) = h.get(D * i + 1..).filter(|k| !k.is_empty()) {
        let child = D * i + 1 + smallest::<D, T>(kids);
        h[i] = h[child];
        i = child;
    }
    sift_up::<D, T>(h, i, last);
}

/// Replaces the first entry of the non-empty heap `h` with `e` and sifts it
/// down to its place.
#[inline(always)]
pub fn replace_first<const D: usize, T: Keyed>(h: &mut [T], e: T) {
    let n = h.len();
    let mut i = 0;
    loop {
        let first = D * i + 1;
        if first >= n {
            break;
        }
        let mut child = first;
        if D != 2 {
            child += smallest::<D, T>(&h[first..(first + D).min(n)]);
        } else if child + 1 < n && h[child + 1].key() < h[child].key() {
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
pub fn heapify<const D: usize, T: Keyed>(h: &mut [T]) {
    for i in (0..h.len().div_ceil(D)).rev() {
        let e = h[i];
        let mut at = i;
        let n = h.len();
        loop {
            let first = D * at + 1;
            if first >= n {
                break;
            }
            let child = first + smallest::<D, T>(&h[first..(first + D).min(n)]);
            if e.key() <= h[child].key() {
                break;
            }
            h[at] = h[child];
            at = child;
        }
        h[at] = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Property: pushes, pops, replacements of the first entry and
    /// heapifies after removals, mixed at random, always leave the smallest
    /// key first, as a sorted list does.
    fn matches_sorted_list<const D: usize>() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(D as u64);
        let mut h: Vec<u128> = Vec::new();
        let mut model: Vec<u128> = Vec::new();
        for _ in 0..20_000 {
            let r: f64 = rng.random();
            // Few distinct times and a tie-break below them, as the
            // calendar's and the idle heaps' keys are.
            let key =
                (u128::from(rng.random::<u16>() % 512) << 64) | u128::from(rng.random::<u32>());
            if r < 0.5 {
                push::<D, u128>(&mut h, key);
                model.push(key);
            } else if r < 0.9 {
                pop::<D, u128>(&mut h);
                model.sort_unstable();
                if !model.is_empty() {
                    model.remove(0);
                }
            } else if r < 0.99 {
                if !h.is_empty() {
                    replace_first::<D, u128>(&mut h, key);
                    model.sort_unstable();
                    model[0] = key;
                }
            } else {
                h.retain(|k| k % 3 != 0);
                heapify::<D, u128>(&mut h);
                model.retain(|k| k % 3 != 0);
            }
            model.sort_unstable();
            assert_eq!(h.first(), model.first());
            assert_eq!(h.len(), model.len());
        }
    }

    #[test]
    fn binary_heap_matches_sorted_list() {
        matches_sorted_list::<2>();
    }

    #[test]
    fn four_ary_heap_matches_sorted_list() {
        matches_sorted_list::<4>();
    }

    /// Every parent no larger than its children, at every size up to 40 and
    /// for both arities, after `heapify` of keys in reverse order.
    #[test]
    fn heapify_orders_every_parent_before_its_children() {
        fn check<const D: usize>() {
            for n in 0..40u128 {
                let mut h: Vec<u128> = (0..n).rev().collect();
                heapify::<D, u128>(&mut h);
                for i in 1..h.len() {
                    assert!(h[(i - 1) / D] <= h[i], "D = {D}, n = {n}, i = {i}");
                }
            }
        }
        check::<2>();
        check::<4>();
    }
}
