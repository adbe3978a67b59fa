//! The `anneal` command line; everything lives in `anneal::cli`.

/// Training allocates and frees tensors of tens of megabytes every step. mimalloc, told never
/// to give freed memory back to the kernel, reuses it instead of paying a page fault per page
/// (a third of a MiniLM step on the CPU otherwise; see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (v2 and v3 alike).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // SAFETY: setting an option is allowed at any time; -1 means "never purge".
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    anneal::cli::main()
}
