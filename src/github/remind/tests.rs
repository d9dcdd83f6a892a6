//! The reminder against the in-memory GitHub: issue lifecycle, pull requests, labels.
use super::*;
use crate::github::memory::Memory;
use crate::github::IssueState;
use crate::review::State;
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn job(state: State, days_left: i64) -> DocJob {
    DocJob {
        status: DocStatus {
            path: "docs/db.md".into(),
            last_updated: Some("2026-09-01".into()),
            reviewed_by: Some("DBA Team".into()),
            next_review: Some(d("2026-12-01")),
            next_review_from: None,
            days_left: Some(days_left),
            state: Some(state),
            last_review: Some(d("2026-09-01")),
            placeholders: 4,
            placeholder_sections: vec![crate::doc::SectionPlaceholders {
                section: "Backup Strategy".into(),
                unfilled: 4,
                lines: 4,
                tokens: Vec::new(),
            }],
            unrecorded: Vec::new(),
            drift: Vec::new(),
            sections: Vec::new(),
            history_start: None,
            schema_findings: None,
            error: None,
            line: None,
        },
        changes: Vec::new(),
        never_reviewed: false,
        schema: String::new(),
        reviewers: vec!["@ana".into(), "@acme/dba-team".into()],
        review_text: Some("# reviewed\n".into()),
        sync_text: None,
        sync_rows: 0,
        checkout: None,
        approved: None,
    }
}

const ISSUE: Modes = Modes {
    issue: true,
    pr: false,
};
const PR: Modes = Modes {
    issue: false,
    pr: true,
};

fn labels() -> Vec<String> {
    vec!["architecture-review".into()]
}

#[test]
fn issue_lifecycle() {
    let mut gh = Memory::new(&[("docs/db.md", "# db\n")]);
    // due-soon: opened once, with labels and user assignees (teams cannot be assigned)
    let done = run(&mut gh, &[job(State::DueSoon, 5)], &labels(), ISSUE).unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(gh.issues.len(), 1);
    assert_eq!(gh.issues[0].assignees, ["ana"]);
    assert_eq!(gh.issues[0].labels, labels());
    assert!(gh.issues[0].body.contains("Backup Strategy: 4 of 4 lines"));
    // a second run with nothing new writes nothing
    let writes = gh.writes.len();
    assert!(run(&mut gh, &[job(State::DueSoon, 5)], &labels(), ISSUE)
        .unwrap()
        .is_empty());
    assert_eq!(gh.writes.len(), writes);
    // a human edit outside the block survives an update of the block
    let body = format!("Owner note: ask Bo first.\n\n{}", gh.issues[0].body);
    gh.issues[0].body = body;
    run(&mut gh, &[job(State::Due, 0)], &labels(), ISSUE).unwrap();
    assert!(gh.issues[0]
        .body
        .starts_with("Owner note: ask Bo first.\n\n<!-- dbarch:review"));
    assert!(gh.issues[0].body.contains("**State:** due"));
    // overdue: one escalation comment, however many runs
    run(&mut gh, &[job(State::Overdue, -20)], &labels(), ISSUE).unwrap();
    run(&mut gh, &[job(State::Overdue, -21)], &labels(), ISSUE).unwrap();
    let n = gh.issues[0].number;
    let overdue = gh.comments[&n]
        .iter()
        .filter(|c| c.body.contains(OVERDUE_MARK))
        .count();
    assert_eq!(overdue, 1);
    // closed while still due: reopened
    gh.issues[0].state = IssueState::Closed;
    let done = run(&mut gh, &[job(State::Overdue, -21)], &labels(), ISSUE).unwrap();
    assert_eq!(gh.issues[0].state, IssueState::Open);
    assert!(done[0].what.starts_with("reopened"), "{done:?}");
    // reviewed: closed with a comment; the next run does nothing
    let mut ok = job(State::Ok, 90);
    ok.status.next_review = Some(d("2027-03-01"));
    run(&mut gh, &[ok.clone()], &labels(), ISSUE).unwrap();
    assert_eq!(gh.issues[0].state, IssueState::Closed);
    assert!(gh.comments[&n].iter().any(|c| c.body.contains(CLOSED_MARK)));
    let writes = gh.writes.len();
    run(&mut gh, &[ok], &labels(), ISSUE).unwrap();
    assert_eq!(gh.writes.len(), writes);
    // the next cycle opens a new issue
    let mut next = job(State::DueSoon, 10);
    next.status.next_review = Some(d("2027-03-01"));
    run(&mut gh, &[next], &labels(), ISSUE).unwrap();
    assert_eq!(gh.issues.len(), 2);
}

#[test]
fn missing_labels_are_added_and_a_lost_create_is_found_again() {
    let mut gh = Memory::new(&[]);
    let j = job(State::Due, 0);
    gh.create_issue("x", &format!("{}\n", block(&j)), &[], &[])
        .unwrap();
    run(&mut gh, &[j], &labels(), ISSUE).unwrap();
    assert_eq!(gh.issues.len(), 1);
    assert_eq!(gh.issues[0].labels, labels());
}

#[test]
fn review_pull_request_created_then_left_alone() {
    let mut gh = Memory::new(&[("docs/db.md", "# db\n")]);
    run(&mut gh, &[job(State::Due, 0)], &labels(), PR).unwrap();
    assert_eq!(
        gh.file_on("dbarch/review/docs-db", "docs/db.md").as_deref(),
        Some(&b"# reviewed\n"[..])
    );
    assert_eq!(gh.pulls.len(), 1);
    assert_eq!(
        gh.requested[&gh.pulls[0].number],
        (vec!["ana".to_string()], vec!["dba-team".to_string()])
    );
    let writes = gh.writes.len();
    run(&mut gh, &[job(State::Due, 0)], &labels(), PR).unwrap();
    assert_eq!(gh.writes.len(), writes, "{:?}", &gh.writes[writes..]);
    // The same document on the same default branch: a later day's review date is
    // no reason to rewrite the branch.
    let mut later = job(State::Due, 0);
    later.review_text = Some("# reviewed tomorrow\n".into());
    run(&mut gh, &[later], &labels(), PR).unwrap();
    assert_eq!(gh.writes.len(), writes, "{:?}", &gh.writes[writes..]);
    // The default branch moved: the branch is rebuilt on it; the same pull request.
    let main = gh.branches["main"].clone();
    let tree = gh.get_commit(&main).unwrap().tree;
    let moved = gh.create_commit("edit on main", &tree, &[main]).unwrap();
    gh.update_branch("main", &moved).unwrap();
    let mut changed = job(State::Due, 0);
    changed.review_text = Some("# reviewed again\n".into());
    run(&mut gh, &[changed.clone()], &labels(), PR).unwrap();
    let head = gh.branches["dbarch/review/docs-db"].clone();
    assert_eq!(gh.get_commit(&head).unwrap().parents, [moved]);
    assert_eq!(
        gh.file_on("dbarch/review/docs-db", "docs/db.md").as_deref(),
        Some(&b"# reviewed again\n"[..])
    );
    assert_eq!(gh.pulls.len(), 1);
    // A person's commit on the branch is kept, even when main moves again.
    let person = gh
        .create_commit("Fix the review notes", &tree, &[head])
        .unwrap();
    gh.update_branch("dbarch/review/docs-db", &person).unwrap();
    let main2 = gh
        .create_commit("another edit", &tree, &[gh.branches["main"].clone()])
        .unwrap();
    gh.update_branch("main", &main2).unwrap();
    run(&mut gh, &[changed], &labels(), PR).unwrap();
    assert_eq!(gh.branches["dbarch/review/docs-db"], person);
    // Reviewed some other way: the review pull request is closed.
    run(&mut gh, &[job(State::Ok, 80)], &labels(), PR).unwrap();
    assert_eq!(gh.pulls[0].state, IssueState::Closed);
}

#[test]
fn change_log_pull_request_for_unrecorded_commits() {
    let mut gh = Memory::new(&[("docs/db.md", "# db\n")]);
    let mut j = job(State::Ok, 80);
    j.sync_text = Some("# db\nrows\n".into());
    j.sync_rows = 2;
    run(&mut gh, &[j.clone()], &labels(), ISSUE).unwrap();
    assert_eq!(gh.pulls.len(), 1);
    assert_eq!(
        gh.pulls[0].title,
        "Change Log: record 2 commits in docs/db.md"
    );
    assert_eq!(
        gh.file_on("dbarch/sync/docs-db", "docs/db.md").as_deref(),
        Some(&b"# db\nrows\n"[..])
    );
    let writes = gh.writes.len();
    run(&mut gh, &[j], &labels(), ISSUE).unwrap();
    assert_eq!(gh.writes.len(), writes);
}

#[test]
fn what_a_run_found_reads_as_words() {
    assert_eq!(count(1, "day", "days"), "1 day");
    assert_eq!(count(0, "day", "days"), "0 days");
    assert_eq!(found("ok", Some(30)), "ok, next review in 30 days");
    assert_eq!(found("due-soon", Some(1)), "due in 1 day");
    assert_eq!(found("due", Some(0)), "due today");
    assert_eq!(found("due", Some(-2)), "due, 2 days past Next Review");
    assert_eq!(found("overdue", Some(-1)), "overdue by 1 day");
    assert_eq!(found("due", None), "due");
    assert_eq!(found("unknown", None), "review state unknown");
}

#[test]
fn made_up_numbers_are_shown_as_new_and_real_ones_kept() {
    let n = INVENTED + 1;
    assert_eq!(
        show(&format!(
            "opened issue #{n}; PATCH /repos/a/b/issues/{n}/comments #12 /7"
        )),
        "opened issue #(new); PATCH /repos/a/b/issues/(new)/comments #12 /7"
    );
    assert_eq!(show("# héllo / #"), "# héllo / #");
}

fn settings(modes: Modes) -> Settings {
    Settings {
        labels: labels(),
        modes,
        changelog_pr: true,
        trusted: None,
        creator: None,
    }
}

fn writes(plan: &[Action]) -> Vec<&Action> {
    plan.iter().filter(|a| a.writes()).collect()
}

const BOTH: Modes = Modes {
    issue: true,
    pr: true,
};

#[test]
fn plan_a_due_document_with_its_issue_open_and_right_writes_nothing() {
    let j = job(State::Due, 0);
    let issue = crate::github::Issue {
        number: 7,
        title: "Architecture review due: docs/db.md".into(),
        body: format!("Owner note.\n\n{}\n", block(&j)),
        state: IssueState::Open,
        labels: labels(),
        assignees: vec!["ana".into()],
        url: "https://github.com/acme/db/issues/7".into(),
        author: "github-actions[bot]".into(),
        state_reason: None,
    };
    let seen = Observed {
        issues: vec![issue.clone()],
        ..Default::default()
    };
    let plan = plan(&j, &seen, &settings(ISSUE)).unwrap();
    assert_eq!(plan, [Action::Report(Report::Issue(Some(7)))]);

    // Label removed by a person, issue closed: labelled and reopened, not opened again.
    let mut closed = issue;
    closed.labels.clear();
    closed.state = IssueState::Closed;
    let seen = Observed {
        issues: vec![closed],
        ..Default::default()
    };
    let plan = plan_of(&j, &seen, ISSUE);
    assert!(
        !plan.iter().any(|a| matches!(a, Action::OpenIssue { .. })),
        "{plan:?}"
    );
    assert!(
        matches!(
            writes(&plan)[..],
            [
                Action::AddLabels { issue: 7, .. },
                Action::UpdateIssue {
                    issue: 7,
                    body: None,
                    reopen: true
                }
            ]
        ),
        "{plan:?}"
    );
}

fn plan_of(j: &DocJob, seen: &Observed, modes: Modes) -> Vec<Action> {
    plan(j, seen, &settings(modes)).unwrap()
}

#[test]
fn plan_refuses_a_pull_request_when_main_moved_after_the_checkout() {
    let mut j = job(State::Due, 0);
    j.checkout = Some(b"# db\n".to_vec());
    let branch = pull::Branch {
        base: "main".into(),
        base_sha: "a".repeat(40),
        base_tree: "t".into(),
        base_file: Some(b"# db, edited on main\n".to_vec()),
        ..Default::default()
    };
    let seen = Observed {
        review: Some(branch.clone()),
        ..Default::default()
    };
    let plan = plan_of(&j, &seen, PR);
    assert!(writes(&plan).is_empty(), "{plan:?}");
    assert!(
        plan.iter()
            .any(|a| matches!(a, Action::Report(Report::Warning(w))
            if w.contains("is not the one this run checked out"))),
        "{plan:?}"
    );
    // The same document on main: the branch is committed and the pull request opened.
    let seen = Observed {
        review: Some(pull::Branch {
            base_file: j.checkout.clone(),
            ..branch
        }),
        ..Default::default()
    };
    let plan = plan_of(&j, &seen, PR);
    assert!(
        matches!(
            writes(&plan)[..],
            [
                Action::Commit { create: true, .. },
                Action::OpenPull {
                    number: NEW_REVIEW_PULL,
                    ..
                },
                Action::RequestReviewers {
                    pull: NEW_REVIEW_PULL,
                    ..
                }
            ]
        ),
        "{plan:?}"
    );
}

#[test]
fn in_both_modes_the_new_issue_and_the_new_pull_request_name_each_other() {
    let j = job(State::Due, 0);
    let seen = Observed {
        review: Some(pull::Branch {
            base: "main".into(),
            base_sha: "a".repeat(40),
            ..Default::default()
        }),
        ..Default::default()
    };
    let plan = plan_of(&j, &seen, BOTH);
    let w = writes(&plan);
    assert!(matches!(w[0], Action::OpenIssue { .. }), "{plan:?}");
    let Action::OpenPull { body, .. } = w[2] else {
        panic!("{plan:?}")
    };
    assert!(body.contains(&format!("**Review issue:** #{NEW_ISSUE}")));
    let Some(Action::UpdateIssue {
        issue: NEW_ISSUE,
        body: Some(body),
        reopen: false,
    }) = w.last()
    else {
        panic!("{plan:?}")
    };
    assert!(body.contains(&format!("**Review pull request:** #{NEW_REVIEW_PULL}")));
}

#[test]
fn a_second_plan_after_a_run_writes_nothing() {
    let mut gh = Memory::new(&[("docs/db.md", "# db\n")]);
    let mut j = job(State::Overdue, -3);
    j.sync_text = Some("# db\nrows\n".into());
    j.sync_rows = 1;
    let s = settings(BOTH);
    let out = run_with(&mut gh, std::slice::from_ref(&j), &s);
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    assert!(!out.done.is_empty());
    let mut issues = Issues {
        list: None,
        full: false,
    };
    let seen = observe(&mut gh, &j, &s, &mut issues).unwrap();
    let plan = plan(&j, &seen, &s).unwrap();
    assert!(writes(&plan).is_empty(), "{plan:?}");
}
