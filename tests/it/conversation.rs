//! Text conversations: a chat's agent slot held through the customer's
//! reply gaps, checked against the exact Markov chain of a small center;
//! message meters against the exchange distribution; per-channel
//! service-level thresholds; and the story of one conversation that closes
//! on inactivity and is reopened.

use crate::{assert_within, stationary};
use ccsim::metrics::{ConversationKpi, GroupKpi, Kpi};
use ccsim::replications;
use ccsim::scenario::{Scenario, load_str};
use ccsim::summary::Summary;
use std::path::Path;

fn load(text: &str) -> Scenario {
    load_str(Path::new("conversation.toml"), text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn summary(s: &Scenario) -> Summary {
    replications::run(s, s.sim.seed, s.sim.replications, &|_| {})
}

/// One agent who holds up to `c` chats; conversations arrive at λ, have a
/// geometric number of exchanges (mean `m`), exponential work (rate μw)
/// per exchange and exponential reply gaps (rate μg) with the slot held;
/// at most `room` wait. The state is (working, held idle, waiting).
/// Returns the stationary (mean slots held ÷ c, P(agent holds any),
/// mean idle-held ÷ mean held, blocking probability, mean number waiting).
fn chat_chain(lambda: f64, m: f64, mu_w: f64, mu_g: f64, c: usize, room: usize) -> [f64; 5] {
    let mut states = Vec::new();
    for w in 0..=c {
        for g in 0..=c - w {
            let top = if w + g == c { room } else { 0 };
            for q in 0..=top {
                states.push((w, g, q));
            }
        }
    }
    let index = |s: (usize, usize, usize)| states.iter().position(|&x| x == s).unwrap();
    let mut moves = Vec::new();
    let go_on = 1.0 - 1.0 / m;
    for (i, &(w, g, q)) in states.iter().enumerate() {
        let mut add = |to: (usize, usize, usize), rate: f64| moves.push((i, index(to), rate));
        if w + g < c {
            add((w + 1, g, 0), lambda);
        } else if q < room {
            add((w, g, q + 1), lambda);
        }
        if w > 0 {
            add((w - 1, g + 1, q), w as f64 * mu_w * go_on);
            let closes = w as f64 * mu_w / m;
            if q > 0 {
                add((w, g, q - 1), closes); // the freed slot takes the next one
            } else {
                add((w - 1, g, 0), closes);
            }
        }
        if g > 0 {
            add((w + 1, g - 1, q), g as f64 * mu_g);
        }
    }
    let pi = stationary(states.len(), &moves);
    let mean = |f: &dyn Fn(usize, usize, usize) -> f64| -> f64 {
        states
            .iter()
            .zip(&pi)
            .map(|(&(w, g, q), p)| f(w, g, q) * p)
            .sum()
    };
    let held = mean(&|w, g, _| (w + g) as f64);
    let idle = mean(&|_, g, _| g as f64);
    [
        held / c as f64,
        mean(&|w, g, _| f64::from(u8::from(w + g > 0))),
        idle / held,
        mean(&|w, g, q| f64::from(u8::from(w + g == c && q == room))),
        mean(&|_, _, q| q as f64),
    ]
}

/// A chat center of one agent with `slots` chat slots: 14 conversations an
/// hour, geometric exchanges (mean 4), 60 s of work per exchange, reply
/// gaps of 120 s; `conversation` adds keys to the conversation, `queue` to
/// the queue.
fn chat_center(conversation: &str, slots: u32, queue: &str) -> String {
    format!(
        r#"name = "chat chain"
[simulation]
horizon = "2001h"
warmup = "1h"
interval = "2000h"
replications = 20
seed = 5
[[channels]]
name = "chat"
handle_time = {{ dist = "exponential", mean = "60s" }}
conversation = {{ exchanges = {{ dist = "geometric", mean = 4 }}, reply_gap = {{ dist = "exponential", mean = "120s" }}{conversation} }}
[[arrivals]]
name = "chats"
channel = "chat"
rate = "14/h"
[[agents]]
group = "agent"
count = 1
capacity = {{ chat = {slots} }}
[[queues]]
name = "q"
target_workers = "1==1"
{queue}
[workflow]
default_filter = {{ queue = "q" }}
"#
    )
}

/// One agent with three chat slots: the share of slots held, the agent's
/// occupancy, the idle share of held time and blocking all match the exact
/// chain; a conversation averages its geometric mean of exchanges, and its
/// first response is the wait (Little's law on the chain) plus one work.
#[test]
fn held_slots_match_the_exact_chain() {
    let s = load(&chat_center("", 3, "max_waiting = 3"));
    let out = summary(&s);
    let (lambda, m, mu_w, mu_g) = (14.0 / 3600.0, 4.0, 1.0 / 60.0, 1.0 / 120.0);
    let [held, busy, idle_share, blocked, lq] = chat_chain(lambda, m, mu_w, mu_g, 3, 3);
    let g = &out.groups[0].kpis;
    assert_within("slots held ÷ capacity", &g[GroupKpi::Utilization], held);
    assert_within("agent occupancy", &g[GroupKpi::Occupancy], busy);
    let c = &out.conversations[0].kpis;
    assert_within(
        "held idle share",
        &c[ConversationKpi::HeldIdleShare],
        idle_share,
    );
    // Also by Little's law, per conversation: gaps ÷ (work + gaps).
    let per_conversation = (m - 1.0) / mu_g / ((m - 1.0) / mu_g + m / mu_w);
    assert!((idle_share - per_conversation).abs() < 1e-9);
    let b = out.blocking.as_ref().expect("a queue capacity blocks");
    assert_within(
        "blocking",
        &b[ccsim::metrics::BlockKpi::BlockingProbability],
        blocked,
    );
    assert_within("exchanges", &c[ConversationKpi::Exchanges], m);
    let accepted = lambda * (1.0 - blocked);
    assert_within(
        "first response (s)",
        &c[ConversationKpi::FirstResponse],
        lq / accepted + 1.0 / mu_w,
    );
    // Nothing closes on inactivity or reopens without a timeout.
    assert_eq!(c[ConversationKpi::ClosedInactive].mean, Some(0.0));
    assert_eq!(c[ConversationKpi::Reopened].mean, Some(0.0));
    // AHT is every exchange's work: m / μw.
    assert_within("AHT (s)", &out.overall.kpis[Kpi::Aht], m / mu_w);
}

/// A long silence closes the conversation, and a customer who writes again
/// within the window reopens it: with exponential gaps the share of gaps
/// beyond the timeout, and of those the share within the window, are exact.
#[test]
fn inactivity_closes_and_reopens_at_their_exact_rates() {
    // Plenty of room: 50 slots never block or queue.
    let text = chat_center(
        r#", inactivity_timeout = "3m", reopen_window = "2m""#,
        50,
        "",
    );
    let out = summary(&load(&text));
    let c = &out.conversations[0].kpis;
    // After each exchange, with r = 3/4 another is due; its gap exceeds
    // the 180 s timeout with p = e^(−180/120) and then comes within the
    // 120 s window with q = 1 − e^(−1) (memoryless). So each exchange is
    // followed by: the next one in the same stretch, a = r(1 − p); a
    // reopening, b = r·p·q; or the end, e = 1 − a − b.
    let (r, p, q) = (0.75, (-1.5f64).exp(), 1.0 - (-1.0f64).exp());
    let (a, b) = (r * (1.0 - p), r * p * q);
    let e = 1.0 - a - b;
    // Closes per conversation: 1 + b/e, of which b/e reopened.
    assert_within("reopen rate", &c[ConversationKpi::ReopenRate], b / (b + e));
    // Exchanges: geometric again, going on with a + b; those left after a
    // reply past the window are lost.
    assert_within("exchanges", &c[ConversationKpi::Exchanges], 1.0 / e);
    // Every reopening finds its agent free (50 slots).
    assert_eq!(
        c[ConversationKpi::ReopenedSameWorker].mean,
        c[ConversationKpi::Reopened].mean
    );
    assert!(c[ConversationKpi::Reopened].mean.unwrap() > 100.0);
}

/// A chat center with plenty of agents and messages priced: every
/// answered conversation sends one customer message and one reply per
/// exchange, so the meters hold exactly twice the exchanges counted, and
/// the exchanges follow their distribution.
#[test]
fn messages_are_the_exchanges() {
    let text = r#"name = "messages"
[simulation]
horizon = "201h"
warmup = "1h"
interval = "200h"
replications = 20
seed = 8
[[channels]]
name = "chat"
handle_time = { dist = "exponential", mean = "40s" }
conversation = { exchanges = { dist = "empirical", values = [1, 2, 5], weights = [0.5, 0.3, 0.2] }, reply_gap = { dist = "exponential", mean = "1m" } }
[[arrivals]]
name = "chats"
channel = "chat"
rate = "60/h"
[[agents]]
group = "agents"
count = 10
capacity = { chat = 4 }
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
[costs.chat]
per_message_in = 0.01
per_message_out = 0.02
"#;
    let s = load(text);
    let mut messages_in = 0.0;
    for rep in 0..s.sim.replications {
        let r = ccsim::engine::run(&s, s.sim.seed, rep);
        let c = &r.conversations[0];
        let exchanges = c[ConversationKpi::Conversations] * c[ConversationKpi::Exchanges];
        let used = r.usage.as_ref().expect("metered").channel(0).total;
        assert_eq!(
            used.messages_in as f64,
            exchanges.round(),
            "replication {rep}"
        );
        assert_eq!(used.messages_out, used.messages_in);
        assert_eq!(r.overall[Kpi::Answered], c[ConversationKpi::Conversations]);
        messages_in += used.messages_in as f64;
    }
    let out = summary(&s);
    let c = &out.conversations[0].kpis;
    // 0.5·1 + 0.3·2 + 0.2·5.
    assert_within("exchanges", &c[ConversationKpi::Exchanges], 2.1);
    // Priced at 0.01 in and 0.02 out: 0.03 per exchange.
    let cost = out.cost.as_ref().expect("priced");
    let (_, priced) = cost
        .components
        .iter()
        .find(|(name, _)| name == "chat.messages")
        .expect("a chat.messages component");
    let expected = 0.03 * messages_in / f64::from(s.sim.replications);
    assert!(
        (priced.mean.unwrap() - expected).abs() < 1e-9 * expected,
        "{:?} against {expected}",
        priced.mean
    );
}

/// Per-channel thresholds: the chat channel's service level under its own
/// 60 s is the one a run with 60 s for everybody gives it, and voice's is
/// the one of 20 s for everybody, scope by scope (the same customers, only
/// the yardstick differs).
#[test]
fn each_channel_is_judged_on_its_own_threshold() {
    let text = |global: &str, chat: &str| {
        format!(
            r#"name = "thresholds"
[simulation]
horizon = "9h"
warmup = "1h"
interval = "1h"
replications = 5
seed = 3
service_level_threshold = "{global}"
[[channels]]
name = "voice"
handle_time = {{ dist = "exponential", mean = "4m" }}
[[channels]]
name = "chat"
handle_time = {{ dist = "exponential", mean = "6m" }}
{chat}
[[arrivals]]
name = "calls"
channel = "voice"
rate = "200/h"
patience = {{ dist = "exponential", mean = "3m" }}
[[arrivals]]
name = "chats"
channel = "chat"
rate = "150/h"
patience = {{ dist = "exponential", mean = "5m" }}
[[agents]]
group = "agents"
count = 17
capacity = {{ voice = 1, chat = 1 }}
[[queues]]
name = "voice"
target_workers = "1==1"
[[queues]]
name = "chat"
target_workers = "1==1"
[[workflow.filters]]
name = "calls"
expression = 'channel == "voice"'
targets = [{{ queue = "voice" }}]
[[workflow.filters]]
name = "chats"
expression = 'channel == "chat"'
targets = [{{ queue = "chat" }}]
"#
        )
    };
    let mixed = summary(&load(&text("20s", "service_level_threshold = \"60s\"")));
    let voice_yardstick = summary(&load(&text("20s", "")));
    let chat_yardstick = summary(&load(&text("60s", "")));
    let sl = |s: &Summary, i: usize| s.channels[i].kpis[Kpi::ServiceLevel].mean;
    assert_eq!(sl(&mixed, 0), sl(&voice_yardstick, 0));
    assert_eq!(sl(&mixed, 1), sl(&chat_yardstick, 1));
    assert_ne!(sl(&mixed, 1), sl(&voice_yardstick, 1));
    let q = |s: &Summary, i: usize| s.queues[i].kpis[Kpi::ServiceLevelAnswered].mean;
    assert_eq!(q(&mixed, 0), q(&voice_yardstick, 0));
    assert_eq!(q(&mixed, 1), q(&chat_yardstick, 1));
    // The center as a whole counts each contact against its own.
    let o = sl(&mixed, 0).zip(sl(&mixed, 1)).unwrap();
    let all = mixed.overall.kpis[Kpi::ServiceLevel].mean.unwrap();
    assert!(
        all > o.0.min(o.1) && all < o.0.max(o.1),
        "{all} not between {o:?}"
    );
}

/// The stories' chat channel: 60 s of work per exchange, three exchanges,
/// a customer who always takes 400 s to write back, a conversation that
/// closes after 300 s of silence and may be reopened within 200 s more.
/// `channel` adds lines to the channel, `conversation` keys to the
/// conversation, and `center` is the agents, queues and workflow.
fn story(channel: &str, conversation: &str, center: &str) -> String {
    format!(
        r#"name = "story"
[simulation]
horizon = "1h"
interval = "1h"
[[channels]]
name = "chat"
{channel}handle_time = {{ dist = "deterministic", mean = "60s" }}
conversation = {{ exchanges = {{ dist = "deterministic", mean = 3 }}, reply_gap = {{ dist = "deterministic", mean = "400s" }}, inactivity_timeout = "300s", reopen_window = "200s"{conversation} }}
[[arrivals]]
name = "chats"
trace = "calls.csv"
{center}"#
    )
}

/// One customer, one agent, 60 s per exchange, three exchanges, and a
/// customer who always takes 400 s to write back while the conversation
/// closes after 300 s of silence and may be reopened within 200 s more.
///
/// 0 s: answered; 60 s: first reply. 360 s: closed on inactivity.
/// 460 s: she writes again and it reopens, back to the same agent; 520 s:
/// second reply; 820 s: closed again; 920 s: reopened; 980 s: third and
/// last reply, and the agent closes it.
#[test]
fn a_conversation_closes_on_inactivity_and_is_reopened_twice() {
    let text = story(
        "",
        "",
        r#"[[agents]]
group = "a"
count = 1
capacity = { chat = 2 }
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#,
    );
    let s = crate::load_trace("conversation-story", "0,chat,,,\n", &text);
    let mut story = Vec::new();
    let mut tracer = |ev: &ccsim::engine::trace::TraceEvent| {
        if ev.task == Some(0) {
            story.push((ev.time, ev.name));
        }
    };
    let r = ccsim::engine::run_traced(&s, &ccsim::routing::Plan::build(&s), 1, 0, &mut tracer);
    let at = |name: &str| -> Vec<f64> {
        story
            .iter()
            .filter(|(_, n)| *n == name)
            .map(|(t, _)| t.round())
            .collect()
    };
    assert_eq!(at("task.created"), [0.0, 460.0, 920.0]);
    assert_eq!(at("reservation.accepted"), [0.0, 460.0, 920.0]);
    assert_eq!(at("task.completed"), [360.0, 820.0, 980.0]);
    let c = &r.conversations[0];
    assert_eq!(c[ConversationKpi::Conversations], 1.0);
    assert_eq!(c[ConversationKpi::Exchanges], 3.0);
    assert_eq!(c[ConversationKpi::FirstResponse], 60.0);
    assert_eq!(c[ConversationKpi::Duration], 980.0);
    assert_eq!(c[ConversationKpi::ClosedInactive], 2.0);
    assert_eq!(c[ConversationKpi::Reopened], 2.0);
    assert_eq!(c[ConversationKpi::ReopenedSameWorker], 2.0);
    assert_eq!(c[ConversationKpi::ReopenRate], 2.0 / 3.0);
    // Held: 0–360, 460–820 and 920–980 s; idle for two timeouts of 300 s.
    assert!((c[ConversationKpi::HeldHours] * 3600.0 - 780.0).abs() < 1e-9);
    assert!((c[ConversationKpi::HeldIdleShare] - 600.0 / 780.0).abs() < 1e-12);
    // One contact, answered once: the reopenings are not new contacts.
    assert_eq!(r.overall[Kpi::Offered], 1.0);
    assert_eq!(r.overall[Kpi::Answered], 1.0);
}

/// `reopen_attributes` let the workflow tell reopenings apart. The same
/// chats as above, with one chat slot for agent a-1 and a second customer
/// at 100 s: when the first one writes again at 460 s, a-1 is busy with the
/// second (answered at 360 s, when the first conversation closed), so the
/// reopening is routed; it carries `reopened = true` and the workflow sends
/// it to the follow-up desk, b-1. Her next reopening (920 s) goes straight
/// back to b-1, her last agent.
#[test]
fn a_reopening_routed_by_its_attributes_reaches_the_follow_up_desk() {
    let text = story(
        "",
        r#", reopen_attributes = { reopened = true }"#,
        r#"[[agents]]
group = "a"
count = 1
capacity = { chat = 1 }
attributes = { desk = "first" }
[[agents]]
group = "b"
count = 1
capacity = { chat = 1 }
attributes = { desk = "follow-up" }
[[queues]]
name = "chat"
target_workers = 'desk == "first"'
[[queues]]
name = "follow-ups"
target_workers = 'desk == "follow-up"'
[[workflow.filters]]
name = "reopened"
expression = "reopened == true"
targets = [{ queue = "follow-ups" }]
[workflow]
default_filter = { queue = "chat" }
"#,
    );
    let s = crate::load_trace(
        "conversation-reopen-route",
        "0,chat,,,\n100,chat,,,\n",
        &text,
    );
    let mut answers = Vec::new();
    let mut tracer = |ev: &ccsim::engine::trace::TraceEvent| {
        if ev.task == Some(0) && ev.name == "reservation.accepted" {
            answers.push((ev.time.round(), ev.worker.clone().unwrap_or_default()));
        }
    };
    let r = ccsim::engine::run_traced(&s, &ccsim::routing::Plan::build(&s), 1, 0, &mut tracer);
    assert_eq!(
        answers,
        [
            (0.0, "a-1".to_string()),
            (460.0, "b-1".to_string()),
            (920.0, "b-1".to_string())
        ]
    );
    let c = &r.conversations[0];
    assert_eq!(c[ConversationKpi::Reopened], 4.0);
    // The first customer's first reopening was routed; the rest went back.
    assert_eq!(c[ConversationKpi::ReopenedSameWorker], 3.0);
    assert_eq!(c[ConversationKpi::ReopenWait], 0.0);
}

/// A reopening takes nothing of the closed stretch with it: on a channel
/// with lines, the conversation of the story above (closed and reopened
/// twice) gives its line back once, and a customer at 2 000 s, long after
/// it ended, finds a free line and is answered.
#[test]
fn a_reopening_does_not_carry_the_closed_stretch_s_line() {
    let text = story(
        "lines = 1\n",
        "",
        r#"[[agents]]
group = "a"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#,
    );
    let (_, r) = crate::run_trace("conversation-lines", "0,chat,,,\n2000,chat,,,\n", &text);
    assert_eq!(r.blocking[ccsim::metrics::BlockKpi::Blocked], 0.0);
    assert_eq!(r.overall[Kpi::Answered], 2.0);
    assert_eq!(r.conversations[0][ConversationKpi::Reopened], 4.0);
}
