use super::*;
use std::sync::Arc;

#[test]
fn progress_only_for_the_table_on_a_terminal() {
    assert!(wanted(false, true, true));
    assert!(!wanted(true, true, true), "JSON mode");
    assert!(!wanted(false, false, true), "stdout piped");
    assert!(!wanted(false, true, false), "stderr piped");
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_line_counts_up_and_is_cleared_at_the_end() {
    let buf = Shared::default();
    let p = Progress::to(Box::new(buf.clone()));
    p.listed(50);
    p.listed(20);
    p.will_check(2);
    p.checked_one();
    p.finish();
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("listing functions: 70"), "{text:?}");
    assert!(text.contains("checking roles and groups: 1/2"), "{text:?}");
    assert!(text.ends_with("\r\x1b[2K"));
    // Hidden progress writes nothing anywhere (and does not panic).
    Progress::hidden().listed(1);
}
