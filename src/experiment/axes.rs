//! The axes of a sweep and the points they make: `--vary KEY=V1,V2,...` or
//! `KEY=A..B[:STEP]`, crossed (every combination, the first axis slowest) or
//! zipped (the i-th value of every axis together).

use crate::scenario::Override;
use crate::scenario::sweep::{range, split_top_level};
use std::fmt;

/// One varied scenario value and the values it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The override path, e.g. `agents.support.count`.
    pub key: String,
    /// Each value as an override would read it (`26`, `400/h`, `[1, 1.2]`).
    pub values: Vec<String>,
}

impl Axis {
    /// Reads `KEY=V1,V2,...` (commas inside brackets, braces or quotes do not
    /// split) or `KEY=A..B[:STEP]` (numbers from A to B inclusive, step 1 by
    /// default; integers when A, B and STEP are).
    ///
    /// # Errors
    /// What is wrong with the text, and the expected form.
    pub fn parse(text: &str) -> Result<Axis, String> {
        let form = "expected KEY=V1,V2,... or KEY=A..B[:STEP], e.g. agents.support.count=24..30:2";
        let (key, spec) = text
            .split_once('=')
            .ok_or_else(|| format!("\"{text}\": {form}"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("\"{text}\": the key is empty; {form}"));
        }
        let values = match range(spec) {
            Some(r) => r.map_err(|e| format!("\"{text}\": {e}"))?,
            None => split_top_level(spec),
        };
        if values.iter().any(String::is_empty) {
            return Err(format!("\"{text}\": an empty value in the list; {form}"));
        }
        // Each value must make a valid override (one line, a key).
        for v in &values {
            Override::new(key, v).map_err(|e| format!("\"{text}\": {e}"))?;
        }
        Ok(Axis {
            key: key.to_string(),
            values,
        })
    }
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.values.join(","))
    }
}

/// How axes combine into points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Combine {
    /// Every combination; the first axis varies slowest.
    #[default]
    Grid,
    /// The i-th values of all axes together (all axes the same length).
    Zip,
}

/// Most points one sweep may have.
pub const MAX_POINTS: usize = 1_000_000;

/// The points of a sweep: per point, the index of each axis's value.
///
/// # Errors
/// Zipped axes of different lengths, no axis, or too many points.
pub fn points(axes: &[Axis], combine: Combine) -> Result<Vec<Vec<usize>>, String> {
    if axes.is_empty() {
        return Err("a sweep needs at least one axis (--vary KEY=V1,V2,...)".into());
    }
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.key == a.key) {
            return Err(format!(
                "{} is varied twice; give all its values in one --vary",
                a.key
            ));
        }
    }
    match combine {
        Combine::Zip => {
            let n = axes[0].values.len();
            if let Some(a) = axes.iter().find(|a| a.values.len() != n) {
                return Err(format!(
                    "--zip pairs values element by element, but {} has {} values and {} has {}",
                    axes[0].key,
                    n,
                    a.key,
                    a.values.len()
                ));
            }
            Ok((0..n).map(|i| vec![i; axes.len()]).collect())
        }
        Combine::Grid => {
            let total = axes
                .iter()
                .try_fold(1usize, |acc, a| acc.checked_mul(a.values.len()))
                .filter(|&n| n <= MAX_POINTS)
                .ok_or_else(|| {
                    format!("the grid has more than {MAX_POINTS} points; vary fewer values")
                })?;
            Ok((0..total)
                .map(|mut i| {
                    let mut idx = vec![0; axes.len()];
                    for (k, a) in axes.iter().enumerate().rev() {
                        idx[k] = i % a.values.len();
                        i /= a.values.len();
                    }
                    idx
                })
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_at_top_level_commas_only() {
        let a = Axis::parse("channels.chat.handle_time_scale=[1,1.2],[1,1.5], 'a,b'").unwrap();
        assert_eq!(a.values, vec!["[1,1.2]", "[1,1.5]", "'a,b'"]);
        assert_eq!(
            Axis::parse("arrivals.in.rate=300/h,400/h").unwrap().values,
            vec!["300/h", "400/h"]
        );
    }

    #[test]
    fn ranges_expand_inclusively() {
        assert_eq!(
            Axis::parse("agents.a.count=24..30:2").unwrap().values,
            vec!["24", "26", "28", "30"]
        );
        assert_eq!(Axis::parse("x=1..3").unwrap().values, vec!["1", "2", "3"]);
        assert_eq!(
            Axis::parse("x=0.1..0.3:0.1").unwrap().values,
            vec!["0.1", "0.2", "0.3"]
        );
        assert_eq!(
            Axis::parse("x=1.0..2.0:0.5").unwrap().values,
            vec!["1.0", "1.5", "2.0"]
        );
        assert!(Axis::parse("x=3..1").unwrap_err().contains("backwards"));
        assert!(Axis::parse("x=1..2:0").unwrap_err().contains("above 0"));
        assert!(Axis::parse("x=1..1e9").unwrap_err().contains("more than"));
        assert!(Axis::parse("x").unwrap_err().contains("KEY=V1,V2"));
        assert!(Axis::parse("x=1,,2").unwrap_err().contains("empty value"));
    }

    #[test]
    fn grids_vary_the_last_axis_fastest_and_zips_pair() {
        let a = Axis::parse("a=1,2").unwrap();
        let b = Axis::parse("b=x,y,z").unwrap();
        let g = points(&[a.clone(), b.clone()], Combine::Grid).unwrap();
        assert_eq!(
            g,
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        assert!(
            points(&[a.clone(), b], Combine::Zip)
                .unwrap_err()
                .contains("has 2 values")
        );
        let c = Axis::parse("c=5,6").unwrap();
        assert_eq!(
            points(&[a.clone(), c], Combine::Zip).unwrap(),
            vec![vec![0, 0], vec![1, 1]]
        );
        assert!(
            points(&[a.clone(), a], Combine::Grid)
                .unwrap_err()
                .contains("varied twice")
        );
    }
}
