//! The reliability and security suite (issue 6, plan T01–T25 of the project's reliability research, §6):
//! hostile networks through `faultd`, hostile feeds and pages, the daemon killed mid-write, a full disk, and
//! arbitrary bytes through the three parsing paths. Tests the fetch suite already has are referenced, not
//! repeated: each file's header names them.
//!
//! Peak memory is measured by a counting global allocator that keeps *per-thread* live and peak byte
//! counts, so a measurement made on a current-thread runtime is not polluted by tests running in parallel.

mod abuse;
mod content;
pub(crate) mod crash;
mod crash_conditional;
mod disk;
mod fuzz;
mod wire;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts live heap bytes per thread on top of the system allocator.
struct Counting;

thread_local! {
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn add(delta: i64) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|p| {
            if now > p.get() {
                p.set(now);
            }
        });
    });
}

fn size(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

// SAFETY (test-only): every method forwards to `System` with the caller's own arguments, which upholds
// the `GlobalAlloc` contract; the bookkeeping touches only const-initialised thread-locals that never
// allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(size(layout.size()));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        add(-size(layout.size()));
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(size(layout.size()));
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(size(new_size) - size(layout.size()));
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak live heap bytes allocated on this thread while `f` runs, above what was live when it started.
pub fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, u64::try_from(peak - base).unwrap_or(0))
}

/// [`peak_heap`] for a future, driven to completion on a fresh current-thread runtime on this thread (so
/// every allocation the fetch makes — hyper, decompression, our buffer — is counted here).
pub fn peak_heap_async<F: std::future::Future>(fut: impl FnOnce() -> F) -> (F::Output, u64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("test runtime");
    let fut = fut();
    peak_heap(|| rt.block_on(fut))
}

/// A window over this thread's heap: [`HeapWindow::peak`] is the most live heap bytes above the level
/// at [`HeapWindow::open`], for measuring one section of an async test on a current-thread runtime.
pub struct HeapWindow {
    base: i64,
}

impl HeapWindow {
    /// Starts measuring from the bytes live now.
    pub fn open() -> Self {
        let base = LIVE.with(Cell::get);
        PEAK.with(|p| p.set(base));
        Self { base }
    }

    /// Peak bytes above the start so far.
    pub fn peak(&self) -> u64 {
        u64::try_from(PEAK.with(Cell::get) - self.base).unwrap_or(0)
    }
}

/// Mebibytes, for messages.
pub fn mib(n: u64) -> f64 {
    n as f64 / 1_048_576.0
}
