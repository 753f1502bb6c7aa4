//! `[sweep]`: the axes `ccsim sweep` varies when the command line gives
//! none, and the value syntax both share (docs/experiments.md, "Sweeps").

/// The axes of a scenario's `[sweep]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// (override key, values as override text), in the file's order.
    pub axes: Vec<(String, Vec<String>)>,
    /// Pair the axes element by element instead of crossing them.
    pub zip: bool,
}

/// Most values one range may expand to (a typo such as `1..1e9` is an
/// error, not an endless sweep).
pub const MAX_RANGE_VALUES: usize = 100_000;

/// `A..B[:STEP]` expanded, `None` when `spec` is not of that form (A and B
/// numbers: a value such as `../plan.csv` is not a range).
pub fn range(spec: &str) -> Option<Result<Vec<String>, String>> {
    let (a, rest) = spec.split_once("..")?;
    let (b, step) = match rest.split_once(':') {
        Some((b, s)) => (b, Some(s)),
        None => (rest, None),
    };
    if a.trim().parse::<f64>().is_err() || b.trim().parse::<f64>().is_err() {
        return None;
    }
    let ints = [Some(a), Some(b), step]
        .iter()
        .flatten()
        .all(|x| x.trim().parse::<i64>().is_ok());
    let num = |x: &str| -> Result<f64, String> {
        x.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("`{x}` is not a number in the range {spec}"))
    };
    Some((|| {
        let (lo, hi) = (num(a)?, num(b)?);
        let step = step.map_or(Ok(1.0), num)?;
        if step <= 0.0 {
            return Err(format!("the step of {spec} must be above 0"));
        }
        if hi < lo {
            return Err(format!(
                "the range {spec} runs backwards; write it from low to high"
            ));
        }
        let n = ((hi - lo) / step + 1e-9).floor() + 1.0;
        if n > MAX_RANGE_VALUES as f64 {
            return Err(format!(
                "the range {spec} has {n:.3e} values, more than the {MAX_RANGE_VALUES} one axis may have"
            ));
        }
        Ok((0..n as usize)
            .map(|i| {
                let v = lo + i as f64 * step;
                if ints {
                    format!("{}", v as i64)
                } else {
                    // Round away the binary noise of repeated steps (0.1 + 0.2).
                    let r = (v * 1e9).round() / 1e9;
                    let s = format!("{r}");
                    if s.contains(['.', 'e', 'E']) {
                        s
                    } else {
                        format!("{s}.0")
                    }
                }
            })
            .collect())
    })())
}

/// Splits at commas outside brackets, braces and quotes.
pub fn split_top_level(spec: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in spec.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(spec[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(spec[start..].trim().to_string());
    out
}
