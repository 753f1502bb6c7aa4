//! `[reservations]`, for the workspace and per agent group: how workers
//! answer offers (answer delay, rejections, offers never answered, time in
//! the timeout activity). A group's table overrides the workspace's key by key.

use super::{Unit, Validator};
use crate::scenario::Reservations;
use crate::scenario::raw::RawReservations;
use toml::Spanned;

impl Validator<'_> {
    /// Reservation behaviour: `raw` over `base` (key by key), or over
    /// [`Reservations::default`] for the workspace.
    pub(super) fn reservations(
        &mut self,
        raw: Option<&Spanned<RawReservations>>,
        base: Option<&Reservations>,
    ) -> Option<Reservations> {
        let mut r = base.cloned().unwrap_or_default();
        let Some(raw) = raw else { return Some(r) };
        let x = raw.get_ref();
        let mut ok = true;
        if let Some(d) = &x.accept_delay {
            r.accept_delay = self.dist(d, Unit::Seconds);
            ok &= r.accept_delay.is_some();
        }
        if let Some(d) = &x.return_after_timeout {
            match self.dist(d, Unit::Seconds) {
                Some(d) => r.return_after_timeout = d,
                None => ok = false,
            }
        }
        for (field, target) in [
            (&x.reject_probability, &mut r.reject_probability),
            (&x.no_answer_probability, &mut r.no_answer_probability),
        ] {
            if let Some(p) = field {
                let v = *p.get_ref();
                if (0.0..=1.0).contains(&v) {
                    *target = v;
                } else {
                    self.err(
                        &p.span(),
                        format!("a probability must be between 0 and 1, found {v}"),
                    );
                    ok = false;
                }
            }
        }
        if r.reject_probability + r.no_answer_probability > 1.0 + 1e-12 {
            self.err(
                &raw.span(),
                "reject_probability + no_answer_probability cannot exceed 1",
            );
            ok = false;
        }
        ok.then_some(r)
    }
}
