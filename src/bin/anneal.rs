//! The `anneal` command line; everything lives in `anneal::cli`.

fn main() -> std::process::ExitCode {
    anneal::cli::main()
}
