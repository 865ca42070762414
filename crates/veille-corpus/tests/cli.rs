//! The `veille-corpus` binary: what it writes is a function of its seed.

use std::path::Path;
use std::process::Command;

const CORPUS: &str = env!("CARGO_BIN_EXE_veille-corpus");

fn generate(out: &Path, format: &str, count: &str) {
    let gazetteer = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../entities.toml");
    let output = Command::new(CORPUS)
        .arg("--gazetteer")
        .arg(gazetteer)
        .args(["--seed", "3", "write", "--format", format, "-n", count])
        .args(["--per-feed", "20", "--out"])
        .arg(out)
        .output()
        .expect("run veille-corpus");
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn the_same_seed_writes_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    generate(&dir.path().join("a"), "feed", "30");
    generate(&dir.path().join("b"), "feed", "30");
    for name in ["corpus-000000.xml", "corpus-000001.xml"] {
        let a = std::fs::read(dir.path().join("a/feeds").join(name)).unwrap();
        let b = std::fs::read(dir.path().join("b/feeds").join(name)).unwrap();
        assert!(a == b, "{name} differs");
    }
}
