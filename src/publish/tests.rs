use super::*;
use std::fs;

fn output(path: &str, text: &str) -> Output {
    Output {
        path: path.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

fn counts(written: &Written) -> (usize, usize, usize) {
    (written.written, written.unchanged, written.removed)
}

#[test]
fn writes_only_changes_and_removes_stale_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let first = write(&out, &[output("a/index.html", "a"), output("b.txt", "b")]).expect("first");
    assert_eq!(counts(&first), (2, 0, 0));
    assert_eq!(first.how, How::Created);
    let second = write(&out, &[output("a/index.html", "a"), output("c.txt", "c")]).expect("second");
    assert_eq!(counts(&second), (1, 1, 1));
    assert!(!out.join("b.txt").exists());
    assert_eq!(
        fs::read_to_string(out.join("c.txt")).ok().as_deref(),
        Some("c")
    );
    let third = write(&out, &[output("a/index.html", "a"), output("c.txt", "c")]).expect("third");
    assert_eq!(counts(&third), (0, 2, 0));
    assert_eq!(third.how, How::Untouched);
    // Only the output folder, its record and its lock are left beside it.
    let mut beside: Vec<String> = fs::read_dir(dir.path())
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(
        beside,
        [".public.site-build", ".public.site-lock", "public"]
    );
}

#[test]
fn refuses_foreign_folders_and_escaping_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let foreign = dir.path().join("foreign");
    fs::create_dir(&foreign).expect("mkdir");
    fs::write(foreign.join("precious.txt"), "keep").expect("write");
    assert!(write(&foreign, &[output("index.html", "x")]).is_err());
    assert!(foreign.join("precious.txt").exists());
    assert!(
        !dir.path().join(".foreign.site-lock").exists(),
        "nothing made beside a refused folder"
    );
    let out = dir.path().join("public");
    for bad in ["../x.html", "/etc/x", "a/../../x", ""] {
        assert!(write(&out, &[output(bad, "x")]).is_err(), "{bad}");
    }
    assert!(write(Path::new("/"), &[output("index.html", "x")]).is_err());
}

#[test]
fn a_failed_build_leaves_the_folder_and_no_staging() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    write(&out, &[output("index.html", "old")]).expect("first");
    let publisher = Publisher::start(&out).expect("start");
    publisher
        .sender()
        .send(output("index.html", "new"))
        .expect("send");
    let written = publisher.finish(false).expect("discarded");
    assert_eq!(written.how, How::Untouched);
    assert_eq!(
        fs::read_to_string(out.join("index.html")).ok().as_deref(),
        Some("old")
    );
    assert!(!dir.path().join(".public.site-staging").exists());
}

#[test]
fn the_publisher_rejects_a_path_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let publisher = Publisher::start(&out).expect("start");
    for text in ["a", "b"] {
        publisher
            .sender()
            .send(output("index.html", text))
            .expect("send");
    }
    let errors = publisher.finish(true).expect_err("a duplicate");
    assert!(errors[0].message.contains("two outputs"), "{errors:?}");
    assert!(!out.exists(), "nothing published");
}
