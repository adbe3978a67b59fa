//! The browser UI binary (Leptos); all compute runs in the `worker` binary.

fn main() {
    anneal::ui::main();
}
