//! Appending with a sync cadence, and reading back files with damage in them.
use super::*;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Row {
    n: u64,
    text: String,
}

fn row(n: u64) -> Row {
    Row {
        n,
        text: format!("row {n}"),
    }
}

fn write(text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rows.csv");
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

#[test]
fn rows_read_back_as_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rows.csv");
    let mut appender = CsvAppender::create(&path).expect("create");
    for n in 0..3 {
        appender.append(&row(n)).expect("append");
    }
    assert_eq!(appender.rows(), 3);
    let back = read_rows::<Row>(&path).expect("reads");
    assert_eq!(back.rows, (0..3).map(row).collect::<Vec<_>>());
    assert_eq!((back.truncated_line, back.skipped.len()), (None, 0));
}

#[test]
fn an_append_syncs_only_when_the_last_sync_is_old_enough() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rows.csv");
    let mut appender = CsvAppender::create(&path)
        .expect("create")
        .with_sync_every(Duration::from_secs(3600));
    for n in 0..100 {
        appender.append(&row(n)).expect("append");
    }
    assert_eq!(appender.syncs(), 0, "not yet an hour");
    // Flushed to the kernel all the same: another reader sees every row.
    assert_eq!(read_rows::<Row>(&path).expect("reads").rows.len(), 100);
    appender.sync_pending().expect("sync");
    appender.sync_pending().expect("nothing pending");
    assert_eq!(
        appender.syncs(),
        1,
        "one sync for the pending rows, none after"
    );

    let mut every_row = CsvAppender::create(&dir.path().join("b.csv"))
        .expect("create")
        .with_sync_every(Duration::ZERO);
    for n in 0..5 {
        every_row.append(&row(n)).expect("append");
    }
    assert_eq!(every_row.syncs(), 5);
}

#[test]
fn the_default_cadence_is_one_second() {
    assert_eq!(SYNC_EVERY, Duration::from_secs(1));
}

#[test]
fn a_torn_last_line_is_left_out_and_reported() {
    let (_dir, path) = write(b"n,text\n1,a\n2,b\n3,tor");
    let back = read_rows::<Row>(&path).expect("reads");
    assert_eq!(back.rows.len(), 2);
    assert_eq!(back.truncated_line, Some(4));
    assert!(back.skipped.is_empty());
}

#[test]
fn a_torn_row_in_the_middle_is_skipped_and_reported() {
    // A failed append leaves part of a row; the next append rewrites it whole
    // after the fragment, on the same line.
    let (_dir, path) = write(b"n,text\n1,a\n2,b2,b\n3,c\nx,d\n5,e\n");
    let back = read_rows::<Row>(&path).expect("damage in the middle is not fatal");
    assert_eq!(
        back.rows.iter().map(|r| r.n).collect::<Vec<_>>(),
        vec![1, 3, 5]
    );
    assert_eq!(back.truncated_line, None);
    assert_eq!(back.skipped.len(), 2, "{:?}", back.skipped);
    assert_eq!(back.skipped[0].line, 3);
    assert!(
        back.skipped[0]
            .reason
            .contains("3 fields where the header has 2"),
        "{:?}",
        back.skipped[0]
    );
    assert_eq!(back.skipped[1].line, 5);
    assert!(
        back.skipped[1].reason.contains("invalid digit"),
        "{:?}",
        back.skipped[1]
    );
}

#[test]
fn garbled_bytes_in_the_middle_are_skipped_and_reported() {
    let (_dir, path) = write(b"n,text\n1,a\n\0\0\xff\xfe,\0\n3,c\n");
    let back = read_rows::<Row>(&path).expect("reads");
    assert_eq!(
        back.rows.iter().map(|r| r.n).collect::<Vec<_>>(),
        vec![1, 3]
    );
    assert_eq!(back.skipped.len(), 1);
    assert_eq!(back.skipped[0].line, 3);
}

#[test]
fn a_multi_line_row_is_one_row_and_its_damage_names_its_lines() {
    let (_dir, path) = write(b"n,text\n1,\"two\nlines\"\n2,\"x\ny\",extra\n3,c\n");
    let back = read_rows::<Row>(&path).expect("reads");
    assert_eq!(
        back.rows,
        vec![
            Row {
                n: 1,
                text: "two\nlines".into()
            },
            Row {
                n: 3,
                text: "c".into()
            }
        ]
    );
    assert_eq!(back.skipped.len(), 1);
    assert_eq!(back.skipped[0].line, 4);
    assert!(
        back.skipped[0].reason.contains("through line 5"),
        "{:?}",
        back.skipped[0]
    );
}

#[test]
fn a_damaged_header_is_an_error_naming_the_file() {
    let (_dir, path) = write(b"\xff\xfe\n1,a\n");
    let err = read_rows::<Row>(&path).expect_err("no header, no columns");
    let text = err.to_string();
    assert!(
        text.contains("rows.csv") && text.contains("header"),
        "{text}"
    );
}
