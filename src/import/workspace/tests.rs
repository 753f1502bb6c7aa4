//! The mapping from a snapshot's lists to scenario sections, one concern
//! per test, on snapshots small enough to read in the test.

use super::super::snapshot::{FILES, Snapshot, read_list};
use super::*;
use std::path::{Path, PathBuf};

/// A snapshot from in-memory list documents, by role ("workers", …).
fn snap(lists: &[(&str, &str)]) -> Snapshot {
    let mut s = Snapshot {
        dir: PathBuf::from("acme"),
        ..Snapshot::default()
    };
    for (role, key, _) in FILES {
        let text = lists.iter().find(|(r, _)| r == role).map(|(_, t)| *t);
        let file = PathBuf::from(format!("{}.json", role.replace(' ', "_")));
        let records = text.map_or_else(Vec::new, |t| read_list(&file, t, key).unwrap());
        s.lists.push((role, text.map(|_| file), records));
    }
    s
}

fn options() -> Options {
    Options {
        workflow: None,
        workflow_file: "s.workflow.json".into(),
        staff_all: false,
        name: None,
        ..Options::default()
    }
}

const QUEUES: &str =
    r#"[{"sid": "WQ1", "friendly_name": "Support", "target_workers": "skills HAS \"support\""}]"#;

fn worker(sid: &str, attributes: &str, activity: &str) -> String {
    format!(
        r#"{{"sid": "{sid}", "friendly_name": "{sid}", "activity_name": "{activity}", "attributes": {}}}"#,
        serde_json::to_string(attributes).unwrap()
    )
}

fn import(lists: &[(&str, &str)]) -> Imported {
    import_workspace(&snap(lists), &options()).unwrap()
}

fn import_err(lists: &[(&str, &str)]) -> ImportError {
    import_workspace(&snap(lists), &options()).unwrap_err()
}

#[test]
fn identical_workers_form_one_group() {
    let workers = format!(
        "[{}, {}, {}, {}]",
        worker(
            "WK1",
            r#"{"skills": ["support"], "level": 2, "contact_uri": "client:a"}"#,
            "Available"
        ),
        // Same attributes in another order, another person.
        worker(
            "WK2",
            r#"{"level": 2, "skills": ["support"], "contact_uri": "client:b"}"#,
            "Available"
        ),
        worker("WK3", r#"{"skills": ["support"], "level": 2}"#, "Offline"),
        worker("WK4", r#"{"skills": ["support"], "level": 3}"#, "Available"),
    );
    let out = import(&[("workers", &workers), ("task queues", QUEUES)]);
    let groups: Vec<(&str, usize, usize, &str)> = out
        .groups
        .iter()
        .map(|g| (g.name.as_str(), g.workers, g.count, g.activity.as_str()))
        .collect();
    assert_eq!(
        groups,
        [
            ("support-level2", 2, 2, "Available"),
            ("support-level2-offline", 1, 0, "Offline"),
            ("support-level3", 1, 1, "Available"),
        ]
    );
    assert!(out.scenario.contains("group = \"support-level2\"\ncount = 2\nattributes = { skills = [\"support\"], level = 2 }\n"));
    assert!(!out.scenario.contains("contact_uri ="));
    assert!(out.notes.iter().any(|n| n.contains("contact_uri")));
    // --staff-all counts the Offline worker too.
    let all = import_workspace(
        &snap(&[("workers", &workers), ("task queues", QUEUES)]),
        &Options {
            staff_all: true,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(all.groups[1].count, 1);
}

#[test]
fn a_personal_attribute_routing_reads_is_kept() {
    let workers = format!(
        "[{}, {}]",
        worker("WK1", r#"{"email": "a@x"}"#, "Available"),
        worker("WK2", r#"{"email": "b@x"}"#, "Available"),
    );
    let queues =
        r#"[{"sid": "WQ1", "friendly_name": "VIP", "target_workers": "email == \"a@x\""}]"#;
    let out = import(&[("workers", &workers), ("task queues", queues)]);
    assert_eq!(out.groups.len(), 2);
    assert!(out.scenario.contains("attributes = { email = \"a@x\" }"));
}

#[test]
fn capacities_come_from_worker_channels() {
    let workers = format!(
        "[{}, {}]",
        worker("WK1", "{}", "Available"),
        worker("WK2", "{}", "Available")
    );
    let channels = r#"{"meta": {"key": "channels"}, "channels": [
        {"sid": "TC1", "unique_name": "voice"}, {"sid": "TC2", "unique_name": "web-chat"}]}"#;
    // WK2's chat channel is switched off: capacity 0, so a group of its own.
    let wc = r#"{"meta": {"key": "channels"}, "channels": [
          {"worker_sid": "WK1", "task_channel_unique_name": "voice", "configured_capacity": 1, "available": true},
          {"worker_sid": "WK1", "task_channel_sid": "TC2", "configured_capacity": 3, "available": true}]}
        {"meta": {"key": "channels"}, "channels": [
          {"worker_sid": "WK2", "task_channel_unique_name": "voice", "configured_capacity": 1, "available": true},
          {"worker_sid": "WK2", "task_channel_unique_name": "web-chat", "configured_capacity": 3, "available": false}]}"#;
    let out = import(&[
        ("workers", &workers),
        ("task queues", QUEUES),
        ("task channels", channels),
        ("worker channels", wc),
    ]);
    assert_eq!(out.channels, ["voice", "web_chat"]);
    assert_eq!(out.groups.len(), 2);
    assert!(
        out.scenario
            .contains("capacity = { voice = 1, web_chat = 3 }")
    );
    assert!(
        out.scenario
            .contains("capacity = { voice = 1, web_chat = 0 }")
    );
    assert_eq!(channel_name("1x-y"), "_1x_y");

    let too_big = r#"[{"worker_sid": "WK1", "task_channel_unique_name": "voice", "configured_capacity": 51}]"#;
    let e = import_err(&[
        ("workers", &workers),
        ("task queues", QUEUES),
        ("worker channels", too_big),
    ]);
    assert_eq!(e.file, Path::new("worker_channels.json"));
    assert!(
        e.message
            .contains("between 0 and 50 (TaskRouter's limit), found 51"),
        "{e}"
    );
    let unknown = r#"[{"worker_sid": "WK1", "task_channel_sid": "TC9", "configured_capacity": 1}]"#;
    let e = import_err(&[
        ("workers", &workers),
        ("task queues", QUEUES),
        ("worker channels", unknown),
    ]);
    assert!(
        e.message
            .contains("the task channel TC9 is not in the task channels list"),
        "{e}"
    );
}

#[test]
fn activities_resolve_by_sid_or_name() {
    let activities = r#"[{"sid": "WA1", "friendly_name": "Available", "available": true},
        {"sid": "WA2", "friendly_name": "Training", "available": false},
        {"sid": "WA3", "friendly_name": "Break", "available": true}]"#;
    let workers = r#"[{"sid": "WK1", "activity_sid": "WA2"}, {"sid": "WK2", "activity_sid": "WA3"},
        {"sid": "WK3", "activity_name": "Offline"}]"#;
    let out = import(&[
        ("workers", workers),
        ("task queues", QUEUES),
        ("activities", activities),
    ]);
    let acts: Vec<(&str, usize)> = out
        .groups
        .iter()
        .map(|g| (g.activity.as_str(), g.count))
        .collect();
    // "Break" may not be available in ccsim: the workspace's is renamed.
    assert_eq!(
        acts,
        [("Training", 0), ("Break (workspace)", 1), ("Offline", 0)]
    );
    assert!(
        out.scenario
            .contains("name = \"Training\"\navailable = false\nsid = \"WA2\"")
    );
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("imported as \"Break (workspace)\""))
    );
    let e = import_err(&[
        ("workers", r#"[{"sid": "WK1", "activity_name": "Lunch"}]"#),
        ("task queues", QUEUES),
    ]);
    assert!(
        e.message
            .contains("activity \"Lunch\" is not in the activities list"),
        "{e}"
    );
    assert!(e.fix.unwrap().contains("activities.json"));
}

#[test]
fn queues_keep_their_rules() {
    let queues = r#"[{"sid": "WQ1", "friendly_name": "Sales EMEA", "task_order": "LIFO", "max_reserved_workers": 3},
        {"sid": "WQ2", "friendly_name": "Sales EMEA", "target_workers": ""},
        {"sid": "WQ3", "friendly_name": "***"}]"#;
    let out = import(&[
        (
            "workers",
            &format!("[{}]", worker("WK1", "{}", "Available")),
        ),
        ("task queues", queues),
    ]);
    assert_eq!(
        out.queues,
        [
            ("sales-emea".to_string(), "WQ1".to_string()),
            ("sales-emea-2".into(), "WQ2".into()),
            ("queue".into(), "WQ3".into())
        ]
    );
    assert!(
        out.scenario
            .contains("name = \"sales-emea\"\ntarget_workers = '1==1'\ntask_order = \"LIFO\"")
    );
    assert!(
        out.scenario
            .contains("# max_reserved_workers = 3 in TaskRouter")
    );
    assert!(
        out.scenario
            .contains("name = \"sales-emea-2\"\ntarget_workers = '1==0'")
    );
    let e = import_err(&[
        (
            "workers",
            &format!("[{}]", worker("WK1", "{}", "Available")),
        ),
        (
            "task queues",
            r#"[{"sid": "WQ1", "friendly_name": "x", "task_order": "RANDOM"}]"#,
        ),
    ]);
    assert!(
        e.message
            .contains("task_order must be \"FIFO\" or \"LIFO\", found \"RANDOM\""),
        "{e}"
    );
}

#[test]
fn the_workflow_is_checked_and_chosen() {
    let workers = format!(
        "[{}]",
        worker("WK1", r#"{"skills": ["support"]}"#, "Available")
    );
    let config = |queue: &str| {
        serde_json::to_string(&format!(
            r#"{{"task_routing": {{"filters": [{{"expression": "1==1", "targets": [{{"queue": "{queue}"}}]}}]}}}}"#
        ))
        .unwrap()
    };
    let flows = format!(
        r#"[{{"sid": "WW1", "friendly_name": "Main", "configuration": {}, "task_reservation_timeout": 45}},
            {{"sid": "WW2", "friendly_name": "Night", "configuration": {}}}]"#,
        config("WQ1"),
        config("WQ7")
    );
    let out = import(&[
        ("workers", &workers),
        ("task queues", QUEUES),
        ("workflows", &flows),
    ]);
    assert!(out.scenario.contains("taskrouter_json = \"s.workflow.json\"\ntask_reservation_timeout = \"45s\"\nqueue_sids = {\n  WQ1 = \"support\"\n}"));
    assert!(out.workflow_json.unwrap().contains("\"queue\": \"WQ1\""));
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("workflow Night (WW2) not imported"))
    );
    let choose = |w: &str| {
        import_workspace(
            &snap(&[
                ("workers", &workers),
                ("task queues", QUEUES),
                ("workflows", &flows),
            ]),
            &Options {
                workflow: Some(w.into()),
                ..options()
            },
        )
    };
    let e = choose("Night").unwrap_err();
    assert!(
        e.message
            .contains("routes to queue WQ7, which the task queues list does not have"),
        "{e}"
    );
    let e = choose("Day").unwrap_err();
    assert_eq!(
        e.message,
        "no workflow named \"Day\"; the snapshot has \"Main\", \"Night\""
    );
    let bad = r#"[{"sid": "WW1", "configuration": "{\"filters\": []}"}]"#;
    let e = import_err(&[
        ("workers", &workers),
        ("task queues", QUEUES),
        ("workflows", bad),
    ]);
    assert!(e.message.contains("has no \"task_routing\""), "{e}");
}

#[test]
fn without_a_workflow_the_scenario_still_validates() {
    let workers = format!(
        "[{}, {}]",
        worker("WK1", r#"{"skills": ["support"]}"#, "Available"),
        worker("WK2", r#"{"skills": ["support"]}"#, "Available")
    );
    let out = import(&[("workers", &workers), ("task queues", QUEUES)]);
    assert!(
        out.scenario
            .contains("# PLACEHOLDER: the snapshot has no workflow")
    );
    // No task channels: TaskRouter's `default` channel, one source on it.
    assert_eq!(out.channels, ["default"]);
    assert_eq!(
        out.sources,
        [("default".to_string(), "default".to_string())]
    );
    // Two workers of capacity 1 at 70% for 5 min: 0.7 × 2 × 12/h ≈ 17/h.
    assert!(out.scenario.contains("rate = \"17/h\""), "{}", out.scenario);
    let loaded = crate::scenario::load_str(Path::new("acme.toml"), &out.scenario)
        .unwrap_or_else(|e| panic!("{e}\n{}", out.scenario));
    assert_eq!(loaded.scenario.name, "acme");
}

#[test]
fn sources_carry_what_filters_ask_for() {
    let channels = [
        Channel {
            unique_name: "voice".into(),
            sid: None,
            name: "voice".into(),
        },
        Channel {
            unique_name: "chat".into(),
            sid: None,
            name: "chat".into(),
        },
    ];
    let config: Map<String, Value> = serde_json::from_str(
        r#"{"task_routing": {"filters": [
        {"filter_friendly_name": "VIP chat", "expression": "channel == 'chat' AND customer.tier == 'gold' AND language IN ['es', 'en']"},
        {"filter_friendly_name": "Skills", "expression": "(skills HAS 'billing' OR x == 1) AND 3 < level"},
        {"filter_friendly_name": "Same again", "expression": "skills HAS 'billing'"},
        {"filter_friendly_name": "Broken", "expression": "skills HAS"}]}}"#,
    )
    .unwrap();
    let s = super::super::placeholders::sources(Some(&config), &channels);
    let got: Vec<(&str, &str, String)> = s
        .iter()
        .map(|s| (s.name.as_str(), s.channel.as_str(), table(&s.attributes)))
        .collect();
    assert_eq!(
        got,
        [
            (
                "vip-chat",
                "chat",
                r#"{ customer = { tier = "gold" }, language = "es" }"#.to_string()
            ),
            ("skills", "voice", r#"{ skills = ["billing"] }"#.to_string()),
        ]
    );
}

#[test]
fn nested_task_attributes_are_written_as_json() {
    let source = |name: &str, attributes: &str| super::super::placeholders::Source {
        name: name.into(),
        filter: "f".into(),
        channel: "voice".into(),
        unique: "voice".into(),
        attributes: serde_json::from_str(attributes).unwrap(),
    };
    let mut out = String::new();
    super::super::placeholders::render_sources(
        &mut out,
        &[
            source("a", r#"{"customer": {"x": 1, "y": 2}}"#),
            source("b", r#"{"skill": "a"}"#),
        ],
        &[5, 6],
    );
    assert!(
        out.contains(r#"attributes_json = "{\"customer\":{\"x\":1,\"y\":2}}""#),
        "{out}"
    );
    assert!(
        out.contains("rate = \"6/h\"\nattributes = { skill = \"a\" }"),
        "{out}"
    );
    // Both read back as the attributes they say.
    let text = format!(
        "name = \"n\"\n[simulation]\nhorizon = \"1h\"\n[[channels]]\nname = \"voice\"\nhandle_time = {{ dist = \"exponential\", mean = \"1m\" }}\n{out}\n[[queues]]\nname = \"q\"\ntarget_workers = \"1==1\"\n[workflow]\ndefault_filter = {{ queue = \"q\" }}\n"
    );
    crate::scenario::load_str(Path::new("n.toml"), &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
}
