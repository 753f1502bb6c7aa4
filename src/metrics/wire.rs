//! A replication's results as bytes and back, bit for bit: what a shard of
//! a run writes (docs/cluster.md) and `ccsim merge` reads, so that the
//! merged summary is the one a single machine computes. Every f64 is
//! stored as its IEEE-754 bits (NaN and -0.0 included): a decimal format
//! would have to round-trip every value exactly, bits need no argument.
//! Little-endian, no padding; a vector is its length (u64) then its items.

use super::ReplicationResult;

/// A value that writes itself as bytes and reads itself back exactly.
pub(crate) trait Wire: Sized {
    /// Appends the value's bytes.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads one value from the front of `r`.
    fn take(r: &mut Reader<'_>) -> Result<Self, String>;
}

/// Bytes being decoded, consumed from the front.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let Some((head, rest)) = self.bytes.split_first_chunk::<N>() else {
            return Err("the record ends too early".into());
        };
        self.bytes = rest;
        Ok(*head)
    }
}

impl Wire for f64 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bits().to_le_bytes());
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, String> {
        Ok(f64::from_bits(u64::from_le_bytes(r.array()?)))
    }
}

impl Wire for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, String> {
        Ok(u64::from_le_bytes(r.array()?))
    }
}

impl Wire for u32 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, String> {
        Ok(u32::from_le_bytes(r.array()?))
    }
}

impl Wire for usize {
    fn put(&self, out: &mut Vec<u8>) {
        (*self as u64).put(out);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, String> {
        usize::try_from(u64::take(r)?).map_err(|_| "a size beyond this machine's".to_string())
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(x) => {
                out.push(1);
                x.put(out);
            }
        }
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, String> {
        match r.array::<1>()? {
            [0] => Ok(None),
            [1] => Ok(Some(T::take(r)?)),
            [b] => Err(format!("bad option tag {b}")),
        }
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        (self.len() as u64).put(out);
        for x in self {
            x.put(out);
        }
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, String> {
        let n = u64::take(r)?;
        // Every item takes at least one byte: a damaged length cannot ask
        // for more memory than the record has bytes.
        if n > r.bytes.len() as u64 {
            return Err(format!("a list of {n} items in a shorter record"));
        }
        (0..n).map(|_| T::take(r)).collect()
    }
}

impl<T: Wire, const N: usize> Wire for [T; N] {
    fn put(&self, out: &mut Vec<u8>) {
        for x in self {
            x.put(out);
        }
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, String> {
        let items: Vec<T> = (0..N).map(|_| T::take(r)).collect::<Result<_, _>>()?;
        items.try_into().map_err(|_| "array length".to_string())
    }
}

/// Implements [`Wire`] for a struct field by field, in declaration order.
macro_rules! wire_struct {
    ($T:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::metrics::wire::Wire for $T {
            fn put(&self, out: &mut Vec<u8>) {
                $( self.$field.put(out); )+
            }
            fn take(r: &mut $crate::metrics::wire::Reader<'_>) -> Result<Self, String> {
                Ok(Self { $( $field: $crate::metrics::wire::Wire::take(r)?, )+ })
            }
        }
    };
}
pub(crate) use wire_struct;

wire_struct!(ReplicationResult {
    overall,
    queues,
    unqueued,
    channels,
    sources,
    groups,
    intervals,
    interval_occupancy,
    slices,
    group_intervals,
    wait_within,
    steps,
    filters,
    queue_flow,
    activity_hours,
    usage,
    online_by_hour,
    online_by_interval,
    in_flight,
    faults,
    blocking,
    self_service,
    conversations,
    contacts,
    events,
});

/// A replication's results as bytes.
pub fn encode(r: &ReplicationResult) -> Vec<u8> {
    let mut out = Vec::new();
    r.put(&mut out);
    out
}

/// The results [`encode`] wrote, exactly.
///
/// # Errors
/// The bytes are not one whole record (damaged or from another version).
pub fn decode(bytes: &[u8]) -> Result<ReplicationResult, String> {
    let mut r = Reader { bytes };
    let out = ReplicationResult::take(&mut r)?;
    if !r.bytes.is_empty() {
        return Err(format!("{} bytes left after the record", r.bytes.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // A whole replication read back is tested in crate::shard, which may
    // run the engine (this layer may not).

    #[test]
    fn nan_and_negative_zero_keep_their_bits() {
        for x in [f64::NAN, -0.0, f64::INFINITY, 0.1 + 0.2] {
            let mut out = Vec::new();
            x.put(&mut out);
            let y = f64::take(&mut Reader { bytes: &out }).unwrap();
            assert_eq!(x.to_bits(), y.to_bits());
        }
    }

    #[test]
    fn a_damaged_length_is_an_error_not_an_allocation() {
        let huge = u64::MAX.to_le_bytes();
        assert!(Vec::<u64>::take(&mut Reader { bytes: &huge }).is_err());
        assert!(<Option<u32> as Wire>::take(&mut Reader { bytes: &[7] }).is_err());
        assert!(u64::take(&mut Reader { bytes: &[1, 2] }).is_err());
    }
}
