//! Teaches a copy of rust-src's `library/` about `target_os = "solana"`.
//!
//! std already has single-threaded and "unsupported" back-ends (used by zkvm, vexos, wasm);
//! the edits below route `solana` to them, give it a placeholder `System` allocator (programs
//! install their own `#[global_allocator]`), a fixed-key `RandomState`, and a panic path that
//! logs the message with `sol_log_` and calls the `abort` syscall. SBPF v0 forbids writable
//! statics, which rules out std's thread-local hash keys and panic-count machinery.
//!
//! Every edit names the text it anchors on; if a nightly moves that text the build stops with
//! the file and the anchor, which is the signal to revisit this patch.

use std::path::Path;

/// Insert `text` next to every occurrence of `anchor` (at least `min` of them).
struct Edit<'a> {
    file: &'a str,
    anchor: &'a str,
    text: &'a str,
    after: bool,
    min: usize,
}

fn apply_edit(library: &Path, e: &Edit) -> Result<(), String> {
    let path = library.join("std/src").join(e.file);
    let src = std::fs::read_to_string(&path).map_err(|err| format!("std patch: read {}: {err}", path.display()))?;
    let found = src.matches(e.anchor).count();
    if found < e.min {
        return Err(format!(
            "std patch: {} has {found} occurrence(s) of {:?}, expected at least {} (did the nightly's std change?)",
            e.file, e.anchor, e.min
        ));
    }
    let joined = if e.after { format!("{}{}", e.anchor, e.text) } else { format!("{}{}", e.text, e.anchor) };
    let out = src.replace(e.anchor, &joined);
    std::fs::write(&path, out).map_err(|err| format!("std patch: write {}: {err}", path.display()))
}

/// After every line that is exactly `line` (ignoring indentation), add `new` with the same
/// indentation; at least `min` such lines must exist.
fn add_beside_line(library: &Path, file: &str, line: &str, new: &str, min: usize) -> Result<(), String> {
    let path = library.join("std/src").join(file);
    let src = std::fs::read_to_string(&path).map_err(|err| format!("std patch: read {}: {err}", path.display()))?;
    let mut out = String::with_capacity(src.len() + 256);
    let mut found = 0;
    for l in src.split_inclusive('\n') {
        out.push_str(l);
        if l.trim() == line {
            let indent = &l[..l.len() - l.trim_start().len()];
            out.push_str(indent);
            out.push_str(new);
            out.push('\n');
            found += 1;
        }
    }
    if found < min {
        return Err(format!(
            "std patch: {file} has {found} line(s) {line:?}, expected at least {min} (did the nightly's std change?)"
        ));
    }
    std::fs::write(&path, out).map_err(|err| format!("std patch: write {}: {err}", path.display()))
}

const SOLANA_ALLOC: &str = "\
use crate::alloc::Layout;

// Placeholder: a Solana program installs its own #[global_allocator]; std's System allocator
// is never called on-chain.
#[inline]
pub unsafe fn alloc(_layout: Layout) -> *mut u8 {
    crate::ptr::null_mut()
}

#[inline]
pub unsafe fn dealloc(_ptr: *mut u8, _layout: Layout) {}

#[inline]
pub unsafe fn realloc(_ptr: *mut u8, _layout: Layout, _new_size: usize) -> *mut u8 {
    crate::ptr::null_mut()
}
";

const PANIC_HANDLER: &str = r#"
    #[cfg(target_os = "solana")]
    {
        unsafe extern "C" {
            fn sol_log_(message: *const u8, length: u64);
            fn abort() -> !;
        }
        let text = crate::format!("{info}");
        unsafe {
            sol_log_(text.as_ptr(), text.len() as u64);
            abort()
        }
    }
"#;

const BEGIN_PANIC: &str = r#"
    #[cfg(target_os = "solana")]
    {
        unsafe extern "C" {
            fn sol_log_(message: *const u8, length: u64);
            fn abort() -> !;
        }
        let payload = &msg as &dyn Any;
        let text = match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
            (Some(s), _) => crate::format!("panicked at {}: {s}", crate::panic::Location::caller()),
            (_, Some(s)) => crate::format!("panicked at {}: {s}", crate::panic::Location::caller()),
            _ => crate::format!("panicked at {}", crate::panic::Location::caller()),
        };
        unsafe {
            sol_log_(text.as_ptr(), text.len() as u64);
            abort()
        }
    }
"#;

pub fn apply(library: &Path) -> Result<(), String> {
    let edits = [
        // MIN_ALIGN = 8 for bpf, like the other 64-bit-word targets in that list.
        Edit { file: "sys/alloc/mod.rs", anchor: "    target_arch = \"hexagon\",\n", text: "    target_arch = \"bpf\",\n", after: false, min: 1 },
        // the allocator back-end
        Edit {
            file: "sys/alloc/mod.rs",
            anchor: "        mod zkvm;\n        use zkvm as imp;\n    }\n",
            text: "    target_os = \"solana\" => {\n        mod solana;\n        use solana as imp;\n    }\n",
            after: true,
            min: 1,
        },
        // alloc_zeroed in terms of alloc
        Edit { file: "sys/alloc/mod.rs", anchor: "target_os = \"uefi\", target_os = \"zkvm\"", text: ", target_os = \"solana\"", after: true, min: 1 },
        // no randomness source; no thread-local destructors
        // io::Error: the generic representation
        Edit { file: "sys/io/error/mod.rs", anchor: "target_os = \"zkvm\", target_os = \"trusty\"", text: ", target_os = \"solana\"", after: true, min: 1 },
        // RandomState: fixed keys instead of a thread_local (no writable statics)
        Edit {
            file: "hash/random.rs",
            anchor: "        thread_local!(static KEYS",
            text: "        #[cfg(target_os = \"solana\")]\n        return RandomState { k0: 0x7270_765f_6b65_7930, k1: 0x7270_765f_6b65_7931 };\n",
            after: false,
            min: 1,
        },
        // panics: log and abort, bypassing hooks and panic counts (writable statics)
        Edit {
            file: "panicking.rs",
            anchor: "fn panic_handler(info: &core::panic::PanicInfo<'_>) -> ! {\n",
            text: PANIC_HANDLER,
            after: true,
            min: 1,
        },
        Edit { file: "panicking.rs", anchor: "pub const fn begin_panic<M: Any + Send>(msg: M) -> ! {\n", text: BEGIN_PANIC, after: true, min: 1 },
        Edit {
            file: "panicking.rs",
            anchor: "    pub fn count_is_zero() -> bool {\n",
            text: "        #[cfg(target_os = \"solana\")]\n        {\n            return true;\n        }\n",
            after: true,
            min: 1,
        },
    ];
    for e in &edits {
        apply_edit(library, e)?;
    }
    // no randomness source (2 cfg lists) and no thread-local destructors (2 cfg lists)
    add_beside_line(library, "sys/random/mod.rs", "target_os = \"vexos\",", "target_os = \"solana\",", 2)?;
    add_beside_line(library, "sys/thread_local/mod.rs", "target_os = \"vexos\",", "target_os = \"solana\",", 2)?;
    std::fs::write(library.join("std/src/sys/alloc/solana.rs"), SOLANA_ALLOC)
        .map_err(|e| format!("std patch: write sys/alloc/solana.rs: {e}"))?;
    Ok(())
}
